//! [`ApiError`]: the one place where an error becomes an HTTP response.
//!
//! Every error body is `{"error": code, "message": text}`. A 500 never carries internal
//! text: its cause is logged here, once.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::Error;
use latchkey_proto::{ErrorBody, ErrorCode};

/// An error answered to an HTTP caller.
#[derive(Debug)]
pub enum ApiError {
    /// A domain error.
    Domain(Error),
    /// No bearer token at all (RFC 6750 §3.1: the challenge carries no error code).
    MissingBearer,
    /// The body is over the size limit.
    PayloadTooLarge,
    /// No such route.
    NotFound,
    /// The route does not take this method.
    MethodNotAllowed,
}

impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        Self::Domain(err)
    }
}

impl ApiError {
    /// A 400 `invalid_request`.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::Domain(Error::InvalidRequest(message.into()))
    }

    /// The status and code of this error: the mapping the API contract pins.
    #[must_use]
    pub fn status_and_code(&self) -> (StatusCode, ErrorCode) {
        let Self::Domain(err) = self else {
            return match self {
                Self::MissingBearer => (StatusCode::UNAUTHORIZED, ErrorCode::InvalidToken),
                Self::PayloadTooLarge => {
                    (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge)
                }
                Self::MethodNotAllowed => {
                    (StatusCode::METHOD_NOT_ALLOWED, ErrorCode::MethodNotAllowed)
                }
                Self::NotFound | Self::Domain(_) => (StatusCode::NOT_FOUND, ErrorCode::NotFound),
            };
        };
        match err {
            Error::InvalidRequest(_) => (StatusCode::BAD_REQUEST, ErrorCode::InvalidRequest),
            Error::UnsupportedGrantType(_) => {
                (StatusCode::BAD_REQUEST, ErrorCode::UnsupportedGrantType)
            }
            Error::InvalidClient => (StatusCode::UNAUTHORIZED, ErrorCode::InvalidClient),
            Error::InvalidDpopProof(_) => (StatusCode::BAD_REQUEST, ErrorCode::InvalidDpopProof),
            Error::UseDpopNonce(_) => (StatusCode::BAD_REQUEST, ErrorCode::UseDpopNonce),
            Error::InvalidGrant(_) => (StatusCode::BAD_REQUEST, ErrorCode::InvalidGrant),
            Error::InvalidScope(_) => (StatusCode::BAD_REQUEST, ErrorCode::InvalidScope),
            Error::InvalidCredentials => (StatusCode::UNAUTHORIZED, ErrorCode::InvalidCredentials),
            Error::InvalidToken(_) => (StatusCode::UNAUTHORIZED, ErrorCode::InvalidToken),
            Error::InsufficientTokenKind(_) => {
                (StatusCode::FORBIDDEN, ErrorCode::InsufficientTokenKind)
            }
            Error::InsufficientScope(_) => (StatusCode::FORBIDDEN, ErrorCode::InsufficientScope),
            Error::SignupClosed => (StatusCode::FORBIDDEN, ErrorCode::SignupClosed),
            Error::NotFound(_) => (StatusCode::NOT_FOUND, ErrorCode::NotFound),
            Error::Conflict(_) => (StatusCode::CONFLICT, ErrorCode::Conflict),
            Error::TooManyAttempts { .. } => {
                (StatusCode::TOO_MANY_REQUESTS, ErrorCode::TooManyAttempts)
            }
            Error::Unavailable(_) | Error::Busy { .. } => {
                (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable)
            }
            Error::Unexpected(_) => (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal),
        }
    }

    fn message(&self) -> String {
        match self {
            Self::Domain(err) => err.to_string(),
            Self::MissingBearer => {
                "a bearer token is required (Authorization: Bearer … or X-Auth-Token: …)".into()
            }
            Self::PayloadTooLarge => "the request body is over the 64 KiB limit".into(),
            Self::NotFound => "no such endpoint".into(),
            Self::MethodNotAllowed => "this endpoint does not take that HTTP method".into(),
        }
    }
}

/// Logs the cause that an answer hides from its caller: an unexpected failure (500) or
/// an unreachable database (503). Both error bodies, [`ApiError`] and the OAuth 2
/// endpoints' `OAuthError`, call it once as they become a response.
pub(crate) fn log_hidden_cause(error: &Error) {
    match error {
        Error::Unexpected(cause) => tracing::error!(error = format!("{cause:#}"), "request failed"),
        Error::Unavailable(cause) => {
            tracing::warn!(error = format!("{cause:#}"), "database unavailable");
        }
        _ => {}
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Domain(error) = &self {
            log_hidden_cause(error);
        }
        let (status, code) = self.status_and_code();
        let body = ErrorBody {
            error: code,
            message: self.message(),
        };
        let mut response = (status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        let challenge = match (&self, code) {
            (Self::MissingBearer, _) => Some("Bearer".to_owned()),
            (_, ErrorCode::InvalidToken) => Some(r#"Bearer error="invalid_token""#.to_owned()),
            (_, ErrorCode::InsufficientScope) => {
                Some(r#"Bearer error="insufficient_scope""#.to_owned())
            }
            (_, ErrorCode::InvalidCredentials) => {
                Some(r#"Basic realm="latchkey", charset="UTF-8""#.to_owned())
            }
            _ => None,
        };
        if let Some(value) = challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            headers.insert(header::WWW_AUTHENTICATE, value);
        }
        if let Self::Domain(
            Error::TooManyAttempts { retry_after } | Error::Busy { retry_after, .. },
        ) = &self
        {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
        }
        response
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A `(status, code)` pair a mapping is pinned to.
    pub(crate) type Pinned = Option<(u16, &'static str)>;

    /// The column of [`domain_cases`] that pins the native API's mapping.
    pub(crate) const NATIVE: usize = 0;
    /// The column of [`domain_cases`] that pins the OAuth 2 endpoints' mapping.
    pub(crate) const OAUTH: usize = 1;

    /// The domain errors with the `(status, code)` each maps to in the native API and in
    /// the OAuth 2 endpoints (`None`: not pinned there): one table for both mappings.
    fn domain_cases() -> Vec<(Error, [Pinned; 2])> {
        let both = |status: u16, native: &'static str, oauth: &'static str| -> (Pinned, Pinned) {
            (Some((status, native)), Some((status, oauth)))
        };
        let native =
            |status: u16, code: &'static str| -> (Pinned, Pinned) { (Some((status, code)), None) };
        [
            (
                Error::UnsupportedGrantType("x".into()),
                both(400, "unsupported_grant_type", "unsupported_grant_type"),
            ),
            (
                Error::InvalidClient,
                both(401, "invalid_client", "invalid_client"),
            ),
            (
                Error::InvalidGrant("x"),
                both(400, "invalid_grant", "invalid_grant"),
            ),
            (
                Error::InvalidScope("x".into()),
                (None, Some((400, "invalid_scope"))),
            ),
            (
                Error::InvalidDpopProof("x".into()),
                both(400, "invalid_dpop_proof", "invalid_dpop_proof"),
            ),
            (
                Error::UseDpopNonce("x"),
                both(400, "use_dpop_nonce", "use_dpop_nonce"),
            ),
            (
                Error::InvalidCredentials,
                native(401, "invalid_credentials"),
            ),
            (
                Error::InvalidToken("x".into()),
                native(401, "invalid_token"),
            ),
            (
                Error::InsufficientTokenKind("x".into()),
                native(403, "insufficient_token_kind"),
            ),
            (
                Error::InsufficientScope("x".into()),
                native(403, "insufficient_scope"),
            ),
            (Error::Conflict("x"), native(409, "conflict")),
            (
                Error::TooManyAttempts { retry_after: 3 },
                native(429, "too_many_attempts"),
            ),
            (
                Error::Unavailable(anyhow::anyhow!("down")),
                both(503, "unavailable", "temporarily_unavailable"),
            ),
            (
                Error::Busy {
                    reason: "x",
                    retry_after: 1,
                },
                native(503, "unavailable"),
            ),
            (
                Error::Unexpected(anyhow::anyhow!("secret detail")),
                both(500, "internal", "server_error"),
            ),
        ]
        .into_iter()
        .map(|(error, (native, oauth))| (error, [native, oauth]))
        .collect()
    }

    /// Asserts that each error maps to its pinned `(status, code)`: the `cases` of one
    /// rendering, then the domain errors pinned in `column` of [`domain_cases`].
    pub(crate) fn assert_mapping<E: From<Error>, C: std::fmt::Display>(
        mut cases: Vec<(E, (u16, &'static str))>,
        column: usize,
        status_and_code: impl Fn(&E) -> (StatusCode, C),
    ) {
        for (error, pinned) in domain_cases() {
            cases.extend(pinned[column].map(|pinned| (E::from(error), pinned)));
        }
        for (err, (status, code)) in cases {
            let (s, c) = status_and_code(&err);
            assert_eq!((s.as_u16(), c.to_string()), (status, code.to_owned()));
        }
    }

    /// Pins PRODUCT.md's status table.
    #[test]
    fn every_error_maps_to_the_contract_status_and_code() {
        let cases = vec![
            (ApiError::invalid_request("x"), (400, "invalid_request")),
            (ApiError::MissingBearer, (401, "invalid_token")),
            (ApiError::PayloadTooLarge, (413, "payload_too_large")),
        ];
        assert_mapping(cases, NATIVE, ApiError::status_and_code);
    }

    #[test]
    fn refusals_that_pass_say_when_to_retry() {
        for (err, seconds) in [
            (Error::TooManyAttempts { retry_after: 7 }, "7"),
            (
                Error::Busy {
                    reason: "busy",
                    retry_after: 1,
                },
                "1",
            ),
        ] {
            let response = ApiError::from(err).into_response();
            assert_eq!(response.headers()[header::RETRY_AFTER], seconds);
        }
    }

    #[test]
    fn an_internal_error_never_shows_its_cause() {
        let err = ApiError::from(Error::Unexpected(anyhow::anyhow!("secret detail")));
        assert!(!err.message().contains("secret"));
    }
}
