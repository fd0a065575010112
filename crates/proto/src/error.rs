//! Error codes and the error body every Latchkey endpoint answers with.

use serde::{Deserialize, Serialize};

/// A stable, machine-readable error code, serialised in snake_case (`"invalid_grant"`).
///
/// The service maps each code to one HTTP status; SDKs match on the code, never on the
/// message. Codes received from a newer server that this version does not know decode
/// as [`ErrorCode::Unknown`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Malformed JSON, a missing or ill-typed field, or an invalid value (400).
    InvalidRequest,
    /// The `grantType` is not one the service knows (400).
    UnsupportedGrantType,
    /// Wrong client ID or secret, or a deleted client key (401).
    InvalidClient,
    /// A DPoP proof is missing where required, malformed, or not for this request (400).
    InvalidDpopProof,
    /// The DPoP proof lacks the server's nonce, or carries one that is unknown or expired:
    /// send a new proof with the nonce of the answer's `DPoP-Nonce` header (400,
    /// RFC 9449 §8).
    UseDpopNonce,
    /// The refresh token is unknown, expired, revoked, of the wrong kind, or was made for
    /// another `clientId` (400).
    InvalidGrant,
    /// The requested scope is unknown or wider than the grant allows (400).
    InvalidScope,
    /// Wrong login credentials; an unknown account gets the same answer (401).
    InvalidCredentials,
    /// Missing, malformed, expired or revoked bearer token, or a refresh token used as a
    /// bearer token (401).
    InvalidToken,
    /// A valid token of a kind this endpoint does not accept, e.g. a client token on an
    /// account endpoint (403).
    InsufficientTokenKind,
    /// A token without the scope the route needs (403).
    InsufficientScope,
    /// Sign-up is closed on this deployment (403).
    SignupClosed,
    /// The resource does not exist, or is not the caller's (404).
    NotFound,
    /// The HTTP method is not allowed on this path (405).
    MethodNotAllowed,
    /// The email address is already registered (409).
    Conflict,
    /// The request body is over the size limit (413).
    PayloadTooLarge,
    /// Too many failed attempts; retry after the `Retry-After` delay (429).
    TooManyAttempts,
    /// An unexpected server-side failure; details are in the server's log only (500).
    Internal,
    /// The database is unreachable; retry later (503).
    Unavailable,
    /// A code this version of the library does not know.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The code as it appears on the wire, e.g. `"invalid_grant"`.
    ///
    /// ```
    /// assert_eq!(latchkey_proto::ErrorCode::InvalidGrant.as_str(), "invalid_grant");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidClient => "invalid_client",
            Self::InvalidDpopProof => "invalid_dpop_proof",
            Self::UseDpopNonce => "use_dpop_nonce",
            Self::InvalidGrant => "invalid_grant",
            Self::InvalidScope => "invalid_scope",
            Self::InvalidCredentials => "invalid_credentials",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientTokenKind => "insufficient_token_kind",
            Self::InsufficientScope => "insufficient_scope",
            Self::SignupClosed => "signup_closed",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Conflict => "conflict",
            Self::PayloadTooLarge => "payload_too_large",
            Self::TooManyAttempts => "too_many_attempts",
            Self::Internal => "internal",
            Self::Unavailable => "unavailable",
            Self::Unknown => "unknown",
        }
    }
}

display_as_str!(ErrorCode);

/// The body of every error response of the native API: `{"error": "...", "message": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The stable machine-readable code.
    pub error: ErrorCode,
    /// A human-readable explanation; its wording may change between versions.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialise_as_their_wire_names() {
        for code in [
            ErrorCode::InvalidRequest,
            ErrorCode::InsufficientTokenKind,
            ErrorCode::TooManyAttempts,
        ] {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }

    #[test]
    fn an_unknown_code_decodes_as_unknown() {
        let body: ErrorBody =
            serde_json::from_str(r#"{"error":"brand_new","message":"m"}"#).unwrap();
        assert_eq!(body.error, ErrorCode::Unknown);
    }
}
