//! [`Gate`]: the rules, one verifier per rule, and the decision for one original request.
//!
//! Each rule that needs a token gets its verifier when the gate is built
//! ([`Verifier::with_required_scope`]): all share one key cache and one DPoP replay
//! cache, and a request costs a rule lookup and one [`Verifier::verify_presented`] call,
//! whose refusals are answered by the verify library's [`TokenRejection`] (RFC 6750 and
//! RFC 9449 §7.1 challenges, 503 while no keys are held).
//!
//! A token sent as `Authorization: DPoP` is checked with the request's `DPoP` header
//! against the original method and the original absolute URI ([`crate::htu`]); a
//! DPoP-bound token sent as a bearer token is refused.

use axum::http::HeaderMap;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use latchkey_verify::bearer::{dpop_proofs, presented_token};
use latchkey_verify::sender::Presented;
use latchkey_verify::{Claims, TokenRejection, Verifier, VerifyError};

use crate::htu::PublicUrl;
use crate::metrics::{Metrics, Outcome};
use crate::original::Original;
use crate::rules::{Access, Rules};

/// `X-Latchkey-Subject`: the token's `sub`.
pub const SUBJECT: HeaderName = HeaderName::from_static("x-latchkey-subject");
/// `X-Latchkey-Kind`: the token's `kind`, e.g. `client_access`.
pub const KIND: HeaderName = HeaderName::from_static("x-latchkey-kind");
/// `X-Latchkey-Client-Id`: the client key of a client token.
pub const CLIENT_ID: HeaderName = HeaderName::from_static("x-latchkey-client-id");
/// `X-Latchkey-Scope`: the token's scopes, space-separated.
pub const SCOPE: HeaderName = HeaderName::from_static("x-latchkey-scope");

/// The decision-maker shared by every request.
pub struct Gate {
    base: Verifier,
    rules: Rules,
    /// One per rule, in the order of `rules.routes()`; `None` for public rules.
    verifiers: Vec<Option<Verifier>>,
    /// The scheme and authority DPoP proofs must name, if configured.
    public_url: Option<PublicUrl>,
    metrics: Metrics,
}

impl Gate {
    /// A gate judging requests by `rules`, verifying tokens with `verifier` (whose
    /// issuer, audience and keys every rule shares).
    #[must_use]
    pub fn new(verifier: Verifier, rules: Rules) -> Self {
        let verifiers = rules
            .routes()
            .iter()
            .map(|route| match &route.access {
                Access::Public => None,
                Access::Token(scope) => Some(verifier.with_required_scope(scope)),
            })
            .collect();
        Self {
            base: verifier,
            rules,
            verifiers,
            public_url: None,
            metrics: Metrics::default(),
        }
    }

    /// This gate, checking that DPoP proofs name `url`'s scheme and authority rather
    /// than the proxy's `X-Forwarded-Proto` and `X-Forwarded-Host` (see [`crate::htu`]).
    #[must_use]
    pub fn with_public_url(mut self, url: PublicUrl) -> Self {
        self.public_url = Some(url);
        self
    }

    /// The public URL, if configured.
    #[must_use]
    pub fn public_url(&self) -> Option<&PublicUrl> {
        self.public_url.as_ref()
    }

    /// The verifier every rule's verifier derives from.
    #[must_use]
    pub fn verifier(&self) -> &Verifier {
        &self.base
    }

    /// The rules.
    #[must_use]
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// The `/metrics` text.
    #[must_use]
    pub fn render_metrics(&self) -> String {
        self.metrics
            .render(self.base.key_count(), self.rules.routes().len())
    }

    /// Decides on `original`, whose token is read from `headers`, and counts the outcome.
    pub async fn decide(&self, original: Original<'_>, headers: &HeaderMap) -> Response {
        let (outcome, response) = self.judge(original, headers).await;
        self.metrics.record(outcome);
        response
    }

    /// Answers 400 for a request whose original method and path cannot be read.
    #[must_use]
    pub fn bad_request(&self, reason: &str) -> Response {
        self.metrics.record(Outcome::BadRequest);
        refusal(StatusCode::BAD_REQUEST, "invalid_request", reason)
    }

    async fn judge(&self, original: Original<'_>, headers: &HeaderMap) -> (Outcome, Response) {
        let path = match crate::path::normalise(original.target) {
            Ok(path) => path,
            Err(err) => {
                let reason = format!("the original request's path is refused: {err}");
                return (
                    Outcome::BadRequest,
                    refusal(StatusCode::BAD_REQUEST, "invalid_request", &reason),
                );
            }
        };
        let found = self
            .rules
            .routes()
            .iter()
            .position(|route| route.applies(original.method, &path));
        let Some(index) = found else {
            return (
                Outcome::NoRule,
                refusal(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    "no rule allows this request",
                ),
            );
        };
        let Some(verifier) = self.verifiers.get(index).and_then(Option::as_ref) else {
            return (Outcome::Public, StatusCode::OK.into_response());
        };
        let proofs = dpop_proofs(headers);
        let Some(presented) = presented_token(headers, &proofs) else {
            return (
                Outcome::MissingToken,
                TokenRejection::Missing.into_response(),
            );
        };
        let uri = match self.proof_uri(presented, original, headers) {
            Ok(uri) => uri,
            Err(err) => return (outcome_of(&err), TokenRejection::from(err).into_response()),
        };
        match verifier
            .verify_presented(presented, original.method, &uri)
            .await
        {
            Ok(claims) => (Outcome::Allowed, allowed(&claims)),
            Err(err) => (outcome_of(&err), TokenRejection::from(err).into_response()),
        }
    }

    /// The absolute URI a DPoP proof must name (see [`crate::htu`]); empty for a bearer
    /// token, which needs none.
    fn proof_uri(
        &self,
        presented: Presented<'_>,
        original: Original<'_>,
        headers: &HeaderMap,
    ) -> Result<String, VerifyError> {
        if matches!(presented, Presented::Bearer(_)) {
            return Ok(String::new());
        }
        crate::htu::request_uri(self.public_url.as_ref(), headers, original.target).map_err(
            |reason| {
                tracing::debug!(
                    reason,
                    "refused a DPoP token: no URI to check its proof against"
                );
                VerifyError::DpopBinding(reason)
            },
        )
    }
}

/// 200 with the identity headers.
fn allowed(claims: &Claims) -> Response {
    let mut response = StatusCode::OK.into_response();
    let headers = response.headers_mut();
    // A verified token's claims come from the issuer; a value that is not a valid header
    // value (which latchkeyd never issues) is left out rather than passed on mangled.
    if let Ok(value) = HeaderValue::from_str(&claims.sub) {
        headers.insert(SUBJECT, value);
    }
    headers.insert(KIND, HeaderValue::from_static(claims.kind.as_str()));
    if let Some(Ok(value)) = claims.client_id.as_deref().map(HeaderValue::from_str) {
        headers.insert(CLIENT_ID, value);
    }
    if let Ok(value) = HeaderValue::from_str(&claims.scope.to_string()) {
        headers.insert(SCOPE, value);
    }
    response
}

fn outcome_of(err: &VerifyError) -> Outcome {
    match err {
        err if err.is_unavailable() => Outcome::Unavailable,
        err if err.is_forbidden() => Outcome::InsufficientScope,
        VerifyError::InvalidDpopProof(_) => Outcome::InvalidDpopProof,
        _ => Outcome::InvalidToken,
    }
}

/// A refusal the verify library has no answer for: no rule, or an unreadable request.
fn refusal(status: StatusCode, code: &'static str, message: &str) -> Response {
    let body = serde_json::json!({ "error": code, "message": message });
    (status, axum::Json(body)).into_response()
}
