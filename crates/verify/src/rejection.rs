//! [`TokenRejection`] (feature `axum`): why a request's token was refused, and the
//! RFC 6750 answer for it — 401 `invalid_token` with
//! `WWW-Authenticate: Bearer error="invalid_token"`, 403 `insufficient_scope` or
//! `insufficient_token_kind`, 503 `unavailable` while no keys could be fetched; always
//! with the `{"error", "message"}` body of [`ErrorBody`].

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use latchkey_proto::{ErrorBody, ErrorCode};

use crate::VerifyError;

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
    /// Neither an [`AuthLayer`](crate::AuthLayer) nor a [`Verifier`](crate::Verifier)
    /// extension is in front of a [`VerifiedToken`](crate::VerifiedToken) extractor: a
    /// bug in the service, answered with 500.
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
        VerifyError::Revoked => "the token has been revoked",
        VerifyError::DpopBinding(_) => "the token's DPoP binding does not fit the request",
        VerifyError::InvalidDpopProof(_) => "the DPoP proof is invalid",
        VerifyError::WrongKind(_) | VerifyError::InsufficientScope { .. } => "",
        VerifyError::NoKeys(_) | VerifyError::StatusUnavailable(_) => "",
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
            Self::Invalid(err) if err.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
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
            Self::Invalid(err) if err.is_unavailable() => ErrorCode::Unavailable,
            Self::Invalid(VerifyError::InvalidDpopProof(_)) => ErrorCode::InvalidDpopProof,
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
            Self::Invalid(VerifyError::StatusUnavailable(_)) => {
                "the token's revocation status is not available; try again later".into()
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
            Self::NotConfigured => None,
            Self::Invalid(err) if err.is_unavailable() => None,
            // RFC 9449 §7.1: the DPoP scheme's challenge, with the algorithms accepted.
            Self::Invalid(err @ (VerifyError::InvalidDpopProof(_) | VerifyError::DpopBinding(_))) => {
                let code = if matches!(err, VerifyError::InvalidDpopProof(_)) {
                    "invalid_dpop_proof"
                } else {
                    "invalid_token"
                };
                Some(format!(
                    r#"DPoP error="{code}", error_description="{}", algs="ES256 EdDSA""#,
                    invalid_token_description(err)
                ))
            }
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
            Self::Invalid(VerifyError::StatusUnavailable(reason)) => {
                tracing::warn!(%reason, "refused a request: no status list to check the token against");
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
        if matches!(&self, Self::Invalid(err) if err.is_unavailable()) {
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
