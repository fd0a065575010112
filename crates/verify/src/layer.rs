//! axum and tower integration (feature `axum`): the [`VerifiedToken`] extractor, the
//! [`AuthLayer`] middleware, and the RFC 6750 answers to a refused token.
//!
//! - [`AuthLayer`] verifies the bearer token of every request that reaches it. Put it on
//!   a router to protect every route, or on one route (`get(handler).layer(…)`) with
//!   [`AuthLayer::require_scope`] to ask that route for more. A token that passes is
//!   stored in the request's extensions; one that fails gets a [`TokenRejection`] and the
//!   handler never runs.
//! - [`VerifiedToken`] hands the verified claims to a handler. Without an [`AuthLayer`]
//!   in front, it verifies the token itself with the [`Verifier`] found in the request
//!   extensions (`.layer(Extension(verifier))`).
//! - [`TokenRejection`] (module `rejection`) is the answer to a refused token; the token
//!   is read from the request by [`bearer_token`] (module `bearer`).

use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::FromRequestParts;
use axum::http::Request;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use latchkey_proto::{Claims, Kind, Scope};
use tower::{Layer, Service};

#[doc(no_inline)]
pub use crate::bearer::bearer_token;
use crate::bearer::{dpop_proofs, presented_token, request_uri};
#[doc(no_inline)]
pub use crate::rejection::TokenRejection;
use crate::sender::Presented;
use crate::{Verifier, VerifyError};

/// The verified claims of the request's access token; an axum extractor.
///
/// ```
/// use latchkey_verify::VerifiedToken;
/// async fn status(token: VerifiedToken) -> String {
///     format!("hello {} ({})", token.sub, token.kind)
/// }
/// # let _: axum::routing::MethodRouter = axum::routing::get(status);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken(pub Claims);

impl VerifiedToken {
    /// The claims.
    ///
    /// ```
    /// # fn f(token: latchkey_verify::VerifiedToken) {
    /// let subject: &str = &token.claims().sub;
    /// # }
    /// ```
    #[must_use]
    pub fn claims(&self) -> &Claims {
        &self.0
    }

    /// The claims, by value.
    ///
    /// ```
    /// # fn f(token: latchkey_verify::VerifiedToken) {
    /// let claims: latchkey_verify::Claims = token.into_claims();
    /// # }
    /// ```
    #[must_use]
    pub fn into_claims(self) -> Claims {
        self.0
    }

    /// Checks, inside a handler, that the token carries every token of `scope`, for
    /// requirements that depend on the request.
    ///
    /// # Errors
    ///
    /// A 403 `insufficient_scope` [`TokenRejection`] naming `scope`.
    ///
    /// ```
    /// use latchkey_verify::{Scope, TokenRejection, VerifiedToken};
    /// async fn restart(token: VerifiedToken) -> Result<&'static str, TokenRejection> {
    ///     token.require_scope(&Scope::parse("nodes:write").unwrap())?;
    ///     Ok("restarting")
    /// }
    /// # let _: axum::routing::MethodRouter = axum::routing::post(restart);
    /// ```
    pub fn require_scope(&self, scope: &Scope) -> Result<(), TokenRejection> {
        if scope.is_subset(&self.0.scope) {
            Ok(())
        } else {
            Err(VerifyError::InsufficientScope {
                required: scope.clone(),
            }
            .into())
        }
    }
}

impl Deref for VerifiedToken {
    type Target = Claims;
    fn deref(&self) -> &Claims {
        &self.0
    }
}

/// Verifies the request's token as presented (bearer, or DPoP with a proof for this
/// request) with `verifier`, or, when an outer layer already verified it, applies only
/// `verifier`'s kind and scope rules to those claims.
async fn authenticate(
    verifier: &Verifier,
    parts: &Parts,
    already: Option<&VerifiedToken>,
) -> Result<VerifiedToken, TokenRejection> {
    if let Some(token) = already {
        let rules = verifier.rules();
        if !rules.kinds().contains(&token.kind) {
            return Err(VerifyError::WrongKind(token.kind).into());
        }
        token.require_scope(rules.required_scope())?;
        return Ok(token.clone());
    }
    let proofs = dpop_proofs(&parts.headers);
    let presented = presented_token(&parts.headers, &proofs).ok_or(TokenRejection::Missing)?;
    // Only a DPoP proof names a URI; a bearer token needs none, so none is built.
    let uri = match presented {
        Presented::Dpop { .. } => request_uri(parts, verifier.dpop.public_url()),
        Presented::Bearer(_) => String::new(),
    };
    let claims = verifier
        .verify_presented(presented, parts.method.as_str(), &uri)
        .await?;
    Ok(VerifiedToken(claims))
}

impl<S: Send + Sync> FromRequestParts<S> for VerifiedToken {
    type Rejection = TokenRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if let Some(token) = parts.extensions.get::<Self>() {
            return Ok(token.clone());
        }
        let verifier = parts
            .extensions
            .get::<Verifier>()
            .cloned()
            .ok_or(TokenRejection::NotConfigured)?;
        authenticate(&verifier, parts, None).await
    }
}

/// A tower layer that lets through only requests with a token its [`Verifier`] accepts.
///
/// ```
/// use axum::{Router, routing::get};
/// use latchkey_verify::{AuthLayer, KeySet, Scope, Validation, VerifiedToken, Verifier};
///
/// async fn status(token: VerifiedToken) -> String { token.sub.clone() }
///
/// let verifier = Verifier::from_keys(KeySet::default(), Validation::access("https://a.test", "https://a.test"));
/// let read = Scope::parse("nodes:read").unwrap();
/// let app: Router = Router::new()
///     .route("/nodes/v1/status", get(status).layer(AuthLayer::new(verifier.clone()).require_scope(&read)))
///     .route("/nodes/v1/other", get(status))
///     .layer(AuthLayer::new(verifier));
/// ```
#[derive(Debug, Clone)]
pub struct AuthLayer {
    verifier: Verifier,
}

impl AuthLayer {
    /// A layer that verifies every request with `verifier`.
    ///
    /// ```
    /// # use latchkey_verify::{AuthLayer, KeySet, Validation, Verifier};
    /// let verifier = Verifier::from_keys(KeySet::default(), Validation::access("https://a.test", "https://a.test"));
    /// let layer = AuthLayer::new(verifier);
    /// # let _ = layer;
    /// ```
    #[must_use]
    pub fn new(verifier: Verifier) -> Self {
        Self { verifier }
    }

    /// This layer, also requiring every token of `scope` (403 `insufficient_scope` without).
    ///
    /// ```
    /// # use latchkey_verify::{AuthLayer, KeySet, Scope, Validation, Verifier};
    /// # let verifier = Verifier::from_keys(KeySet::default(), Validation::access("https://a.test", "https://a.test"));
    /// let layer = AuthLayer::new(verifier).require_scope(&Scope::parse("nodes:write").unwrap());
    /// # let _ = layer;
    /// ```
    #[must_use]
    pub fn require_scope(self, scope: &Scope) -> Self {
        Self {
            verifier: self.verifier.with_required_scope(scope),
        }
    }

    /// This layer, accepting only tokens of these kinds (403 `insufficient_token_kind`
    /// for others).
    ///
    /// ```
    /// # use latchkey_verify::{AuthLayer, KeySet, Kind, Validation, Verifier};
    /// # let verifier = Verifier::from_keys(KeySet::default(), Validation::access("https://a.test", "https://a.test"));
    /// let accounts_only = AuthLayer::new(verifier).kinds(&[Kind::AccountAccess]);
    /// # let _ = accounts_only;
    /// ```
    #[must_use]
    pub fn kinds(self, kinds: &[Kind]) -> Self {
        Self {
            verifier: self.verifier.with_kinds(kinds),
        }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            verifier: self.verifier.clone(),
        }
    }
}

/// The service [`AuthLayer`] wraps around a handler or router.
///
/// ```
/// use latchkey_verify::{AuthLayer, AuthService, KeySet, Validation, Verifier};
/// use tower::Layer;
/// let verifier = Verifier::from_keys(KeySet::default(), Validation::access("https://a.test", "https://a.test"));
/// let service: AuthService<_> = AuthLayer::new(verifier).layer(tower::service_fn(
///     |_: axum::http::Request<axum::body::Body>| async {
///         Ok::<_, std::convert::Infallible>(axum::response::Response::new(axum::body::Body::empty()))
///     },
/// ));
/// # let _ = service;
/// ```
#[derive(Debug, Clone)]
pub struct AuthService<S> {
    inner: S,
    verifier: Verifier,
}

impl<S, B> Service<Request<B>> for AuthService<S>
where
    S: Service<Request<B>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // The service made ready by `poll_ready` is the one that must be called.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let verifier = self.verifier.clone();
        // Only the head is borrowed across the verification: bodies need not be `Sync`.
        let (mut head, body) = request.into_parts();
        Box::pin(async move {
            let already = head.extensions.get::<VerifiedToken>();
            match authenticate(&verifier, &head, already).await {
                Ok(token) => {
                    head.extensions.insert(token);
                    inner.call(Request::from_parts(head, body)).await
                }
                Err(rejection) => Ok(rejection.into_response()),
            }
        })
    }
}
