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
//! - [`TokenRejection`] is the answer: 401 `invalid_token` with
//!   `WWW-Authenticate: Bearer error="invalid_token"`, 403 `insufficient_scope` or
//!   `insufficient_token_kind`, 503 `unavailable` while no keys could be fetched; always
//!   with the `{"error", "message"}` body of [`ErrorBody`].

use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use latchkey_proto::{Claims, ErrorBody, ErrorCode, Kind, Scope};
use tower::{Layer, Service};

use crate::{Verifier, VerifyError};

/// The bearer token of a request: `Authorization: Bearer <token>` (scheme
/// case-insensitive) or, failing that, `X-Auth-Token: <token>`.
///
/// ```
/// use axum::http::{HeaderMap, HeaderValue};
/// let mut headers = HeaderMap::new();
/// headers.insert("x-auth-token", HeaderValue::from_static("a.b.c"));
/// assert_eq!(latchkey_verify::bearer_token(&headers), Some("a.b.c"));
/// headers.insert("authorization", HeaderValue::from_static("Bearer x.y.z"));
/// assert_eq!(latchkey_verify::bearer_token(&headers), Some("x.y.z"));
/// ```
#[must_use]
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let from_authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        });
    from_authorization
        .or_else(|| {
            headers
                .get("x-auth-token")
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        })
        .filter(|token| !token.is_empty())
}

/// Why a request was refused, and the HTTP answer for it.
///
/// ```
/// use axum::response::IntoResponse;
/// use latchkey_verify::{TokenRejection, VerifyError};
/// let response = TokenRejection::from(VerifyError::Expired).into_response();
/// assert_eq!(response.status(), 401);
/// assert_eq!(response.headers()["www-authenticate"],
///     r#"Bearer error="invalid_token", error_description="the token has expired""#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRejection {
    /// The request carries no bearer token.
    Missing,
    /// The token was refused.
    Invalid(VerifyError),
    /// Neither an [`AuthLayer`] nor a [`Verifier`] extension is in front of a
    /// [`VerifiedToken`] extractor: a bug in the service, answered with 500.
    NotConfigured,
}

impl From<VerifyError> for TokenRejection {
    fn from(err: VerifyError) -> Self {
        Self::Invalid(err)
    }
}

/// A fixed description of a 401 reason, safe to put in a header (the error's own text
/// may quote attacker-chosen header values).
fn invalid_token_description(err: &VerifyError) -> &'static str {
    match err {
        VerifyError::Malformed(_) => "the token is malformed",
        VerifyError::UnsupportedAlgorithm(_) => "the token's algorithm is not accepted",
        VerifyError::UnknownKey(_) => "the token was signed with an unknown key",
        VerifyError::BadSignature => "the token's signature is invalid",
        VerifyError::WrongType => "not an access token",
        VerifyError::WrongIssuer => "the token is from another issuer",
        VerifyError::WrongAudience => "the token is for another audience",
        VerifyError::Expired => "the token has expired",
        VerifyError::NotYetValid => "the token is not valid yet",
        VerifyError::WrongKind(_) | VerifyError::InsufficientScope { .. } => "",
        VerifyError::NoKeys(_) => "",
    }
}

impl TokenRejection {
    /// The HTTP status: 401, 403, 503 (no keys yet) or 500 (not configured).
    ///
    /// ```
    /// use latchkey_verify::{Kind, TokenRejection, VerifyError};
    /// assert_eq!(TokenRejection::Missing.status(), 401);
    /// assert_eq!(TokenRejection::from(VerifyError::WrongKind(Kind::ClientAccess)).status(), 403);
    /// ```
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Missing => StatusCode::UNAUTHORIZED,
            Self::Invalid(VerifyError::NoKeys(_)) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Invalid(err) if err.is_forbidden() => StatusCode::FORBIDDEN,
            Self::Invalid(_) => StatusCode::UNAUTHORIZED,
            Self::NotConfigured => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable error code of the body.
    ///
    /// ```
    /// use latchkey_verify::{ErrorCode, Scope, TokenRejection, VerifyError};
    /// let err = VerifyError::InsufficientScope { required: Scope::parse("nodes:read").unwrap() };
    /// assert_eq!(TokenRejection::from(err).code(), ErrorCode::InsufficientScope);
    /// ```
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Missing => ErrorCode::InvalidToken,
            Self::Invalid(VerifyError::WrongKind(_)) => ErrorCode::InsufficientTokenKind,
            Self::Invalid(VerifyError::InsufficientScope { .. }) => ErrorCode::InsufficientScope,
            Self::Invalid(VerifyError::NoKeys(_)) => ErrorCode::Unavailable,
            Self::Invalid(_) => ErrorCode::InvalidToken,
            Self::NotConfigured => ErrorCode::Internal,
        }
    }

    /// The human-readable message of the body.
    ///
    /// ```
    /// use latchkey_verify::TokenRejection;
    /// assert!(TokenRejection::Missing.message().contains("Authorization: Bearer"));
    /// ```
    #[must_use]
    pub fn message(&self) -> String {
        match self {
            Self::Missing => {
                "missing bearer token: send `Authorization: Bearer <token>` or `X-Auth-Token: <token>`"
                    .into()
            }
            Self::Invalid(VerifyError::WrongType) => {
                "not an access token (refresh tokens are accepted only by the token endpoint)"
                    .into()
            }
            Self::Invalid(VerifyError::WrongKind(kind)) => {
                format!("{kind} tokens are not accepted here")
            }
            Self::Invalid(VerifyError::InsufficientScope { required }) => {
                format!("this route needs scope {required}")
            }
            // The reason names internal URLs: it goes to the log, not to the caller.
            Self::Invalid(VerifyError::NoKeys(_)) => {
                "the keys to verify tokens are not available; try again later".into()
            }
            Self::Invalid(err) => err.to_string(),
            Self::NotConfigured => "internal error".into(),
        }
    }

    /// The `WWW-Authenticate` challenge (RFC 6750 §3), if the answer carries one.
    fn challenge(&self) -> Option<String> {
        match self {
            Self::Missing => Some("Bearer".into()),
            Self::Invalid(VerifyError::InsufficientScope { required }) => Some(format!(
                r#"Bearer error="insufficient_scope", scope="{required}""#
            )),
            Self::Invalid(VerifyError::WrongKind(_)) => Some(
                r#"Bearer error="insufficient_scope", error_description="this kind of token is not accepted here""#
                    .into(),
            ),
            Self::Invalid(VerifyError::NoKeys(_)) | Self::NotConfigured => None,
            Self::Invalid(err) => Some(format!(
                r#"Bearer error="invalid_token", error_description="{}""#,
                invalid_token_description(err)
            )),
        }
    }
}

impl IntoResponse for TokenRejection {
    fn into_response(self) -> Response {
        match &self {
            Self::Invalid(VerifyError::NoKeys(reason)) => {
                tracing::warn!(%reason, "refused a request: no keys to verify tokens with");
            }
            Self::NotConfigured => tracing::error!(
                "VerifiedToken used without an AuthLayer or a Verifier extension in front"
            ),
            _ => {}
        }
        let body = ErrorBody {
            error: self.code(),
            message: self.message(),
        };
        let mut response = (self.status(), axum::Json(body)).into_response();
        let headers = response.headers_mut();
        if let Some(value) = self
            .challenge()
            .and_then(|c| HeaderValue::from_str(&c).ok())
        {
            headers.insert(header::WWW_AUTHENTICATE, value);
        }
        if matches!(self, Self::Invalid(VerifyError::NoKeys(_))) {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        response
    }
}

impl std::fmt::Display for TokenRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for TokenRejection {}

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

/// Verifies the request's bearer token with `verifier`, or, when an outer layer already
/// verified it, applies only `verifier`'s kind and scope rules to those claims.
async fn authenticate(
    verifier: &Verifier,
    headers: &HeaderMap,
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
    let token = bearer_token(headers).ok_or(TokenRejection::Missing)?;
    Ok(VerifiedToken(verifier.verify(token).await?))
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
        authenticate(&verifier, &parts.headers, None).await
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
            match authenticate(&verifier, &head.headers, already).await {
                Ok(token) => {
                    head.extensions.insert(token);
                    inner.call(Request::from_parts(head, body)).await
                }
                Err(rejection) => Ok(rejection.into_response()),
            }
        })
    }
}
