//! [`OAuthError`]: the one place where an error of the OAuth 2 endpoints becomes an HTTP
//! response, `{"error", "error_description"}` as RFC 6749 §5.2 has it.
//!
//! It reuses the domain errors; only the rendering differs from [`crate::ApiError`]
//! (RFC 6749 codes and field names). A 500 never carries internal text: its cause is
//! logged here, once.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::Error;
use latchkey_proto::oauth2::{ErrorBody, ErrorCode};

use crate::error::log_hidden_cause;

/// The challenge of a failed client authentication.
const BASIC_CHALLENGE: &str = r#"Basic realm="latchkey", charset="UTF-8""#;

/// An error answered by `/oauth2/token`, `/oauth2/introspect` or `/oauth2/revoke`.
#[derive(Debug)]
pub enum OAuthError {
    /// A domain error. `challenge`: answer `invalid_client` with `WWW-Authenticate: Basic`
    /// (the client used Basic, or no authentication at all).
    Domain {
        /// The error.
        error: Error,
        /// Whether a failed client authentication gets a Basic challenge.
        challenge: bool,
    },
    /// The body is over the size limit.
    PayloadTooLarge,
}

impl From<Error> for OAuthError {
    fn from(error: Error) -> Self {
        Self::Domain {
            error,
            challenge: true,
        }
    }
}

impl OAuthError {
    /// A 400 `invalid_request`.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Error::InvalidRequest(message.into()).into()
    }

    /// The status and code of this error: the mapping the OAuth 2 endpoints pin.
    #[must_use]
    pub fn status_and_code(&self) -> (StatusCode, ErrorCode) {
        let error = match self {
            Self::Domain { error, .. } => error,
            Self::PayloadTooLarge => {
                return (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::InvalidRequest);
            }
        };
        match error {
            Error::InvalidRequest(_) => (StatusCode::BAD_REQUEST, ErrorCode::InvalidRequest),
            Error::UnsupportedGrantType(_) => {
                (StatusCode::BAD_REQUEST, ErrorCode::UnsupportedGrantType)
            }
            Error::InvalidClient => (StatusCode::UNAUTHORIZED, ErrorCode::InvalidClient),
            Error::InvalidDpopProof(_) => (StatusCode::BAD_REQUEST, ErrorCode::InvalidDpopProof),
            Error::UseDpopNonce(_) => (StatusCode::BAD_REQUEST, ErrorCode::UseDpopNonce),
            Error::InvalidGrant(_) => (StatusCode::BAD_REQUEST, ErrorCode::InvalidGrant),
            Error::InvalidScope(_) => (StatusCode::BAD_REQUEST, ErrorCode::InvalidScope),
            Error::TooManyAttempts { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::TemporarilyUnavailable,
            ),
            Error::Unavailable(_) | Error::Busy { .. } => (
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::TemporarilyUnavailable,
            ),
            Error::Unexpected(_) => (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::ServerError),
            // The OAuth 2 operations do not produce these; should one appear, it is the
            // caller's request that the domain refused.
            Error::InvalidCredentials
            | Error::InvalidToken(_)
            | Error::InsufficientTokenKind(_)
            | Error::InsufficientScope(_)
            | Error::SignupClosed
            | Error::NotFound(_)
            | Error::Conflict(_) => (StatusCode::BAD_REQUEST, ErrorCode::InvalidRequest),
        }
    }

    fn description(&self) -> String {
        match self {
            Self::Domain { error, .. } => error.to_string(),
            Self::PayloadTooLarge => "the request body is over the 64 KiB limit".into(),
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        if let Self::Domain { error, .. } = &self {
            log_hidden_cause(error);
        }
        let (status, code) = self.status_and_code();
        let body = ErrorBody {
            error: code,
            error_description: self.description(),
        };
        let mut response = (status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        match &self {
            Self::Domain {
                error: Error::InvalidClient,
                challenge: true,
            } => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(BASIC_CHALLENGE),
                );
            }
            Self::Domain {
                error: Error::TooManyAttempts { retry_after },
                ..
            } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
            }
            _ => {}
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::tests::{OAUTH, assert_mapping};

    /// Pins the RFC 6749 §5.2 / RFC 7009 §2.2.1 mapping.
    #[test]
    fn every_error_maps_to_its_rfc_status_and_code() {
        let cases = vec![
            (OAuthError::invalid_request("x"), (400, "invalid_request")),
            (OAuthError::PayloadTooLarge, (413, "invalid_request")),
        ];
        assert_mapping(cases, OAUTH, OAuthError::status_and_code);
    }

    #[test]
    fn a_basic_challenge_goes_only_with_invalid_client_when_asked() {
        let challenged = OAuthError::from(Error::InvalidClient).into_response();
        assert_eq!(
            challenged.headers()[header::WWW_AUTHENTICATE],
            BASIC_CHALLENGE
        );
        let post = OAuthError::Domain {
            error: Error::InvalidClient,
            challenge: false,
        }
        .into_response();
        assert!(post.headers().get(header::WWW_AUTHENTICATE).is_none());
        let grant = OAuthError::from(Error::InvalidGrant("x")).into_response();
        assert!(grant.headers().get(header::WWW_AUTHENTICATE).is_none());
    }

    #[test]
    fn a_server_error_never_shows_its_cause() {
        let err = OAuthError::from(Error::Unexpected(anyhow::anyhow!("secret detail")));
        assert!(!err.description().contains("secret"));
    }
}
