//! Bodies of the standard OAuth 2 interface: snake_case, as the RFCs spell them.
//!
//! - RFC 6749 §5.1/§5.2: [`TokenResponse`] and [`ErrorBody`] of `POST /oauth2/token`.
//! - RFC 7662: [`IntrospectionResponse`] of `POST /oauth2/introspect`.
//! - RFC 8414: [`ServerMetadata`] at `GET /.well-known/oauth-authorization-server`.
//!
//! Requests are form-encoded and parsed by the service itself; only answers live here.

use serde::{Deserialize, Serialize};

use crate::secret::RefreshToken;
use crate::{Kind, Scope};

/// A successful answer of `POST /oauth2/token` (RFC 6749 §5.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    /// The access token.
    pub access_token: String,
    /// Always `"Bearer"`.
    pub token_type: String,
    /// The access token's lifetime in seconds.
    pub expires_in: u64,
    /// A refresh token: after a client-credentials grant, and after a refresh when the
    /// session rotates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<RefreshToken>,
    /// The scope granted (RFC 6749 §3.3); absent when it is empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
}

/// An RFC 6749 §5.2 error code (also used by RFC 7009 and RFC 7662 endpoints).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A missing, repeated or malformed parameter, or more than one client
    /// authentication method (400).
    InvalidRequest,
    /// Client authentication failed (401).
    InvalidClient,
    /// A DPoP proof is missing where required, malformed, or not for this request
    /// (RFC 9449 §5).
    InvalidDpopProof,
    /// The DPoP proof lacks the server's nonce, or its nonce is unknown or expired: send a
    /// new proof with the nonce of the answer's `DPoP-Nonce` header (RFC 9449 §8).
    UseDpopNonce,
    /// The refresh token is invalid, expired, revoked, or was issued to another client (400).
    InvalidGrant,
    /// The client may not use this grant type (400). Every client key may use both grant
    /// types today, so Latchkey does not send it yet.
    UnauthorizedClient,
    /// The grant type is not `client_credentials` or `refresh_token` (400).
    UnsupportedGrantType,
    /// The scope is malformed, unknown, or wider than the grant's (400).
    InvalidScope,
    /// RFC 7009: the presented token cannot be revoked (an access token that belongs to
    /// no refresh session) (400).
    UnsupportedTokenType,
    /// An unexpected server-side failure; details are in the server's log only (500).
    ServerError,
    /// The database is unreachable; retry later (503).
    TemporarilyUnavailable,
    /// A code this version of the library does not know.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The code as it appears on the wire, e.g. `"invalid_client"`.
    ///
    /// ```
    /// use latchkey_proto::oauth2::ErrorCode;
    /// assert_eq!(ErrorCode::InvalidClient.as_str(), "invalid_client");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidDpopProof => "invalid_dpop_proof",
            Self::UseDpopNonce => "use_dpop_nonce",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::UnsupportedTokenType => "unsupported_token_type",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::Unknown => "unknown",
        }
    }
}

display_as_str!(ErrorCode);

/// The error body of the OAuth 2 endpoints: `{"error": …, "error_description": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The RFC 6749 code.
    pub error: ErrorCode,
    /// A human-readable explanation; its wording may change between versions.
    pub error_description: String,
}

/// The answer of `POST /oauth2/introspect` (RFC 7662 §2.2).
///
/// An inactive token (expired, revoked, malformed, or another account's) is exactly
/// `{"active": false}`: every other field is absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntrospectionResponse {
    /// Whether the token is live.
    pub active: bool,
    /// The token's scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
    /// The client key (client tokens), or the application id (account refresh tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The account id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// Expiry (Unix seconds); absent for account refresh tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// Issued at (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// Not before (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// The issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// The audience.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
    /// The token id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// `"Bearer"` for access tokens (`"DPoP"` when bound), `"refresh_token"` for refresh
    /// tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// Latchkey's token kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Kind>,
    /// The DPoP key a bound token is bound to (RFC 9449 §6.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cnf: Option<crate::Confirmation>,
}

/// Authorization server metadata (RFC 8414 §2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerMetadata {
    /// The issuer, equal to the `iss` of every token.
    pub issuer: String,
    /// `POST /oauth2/token`.
    pub token_endpoint: String,
    /// `POST /oauth2/introspect`.
    pub introspection_endpoint: String,
    /// `POST /oauth2/revoke`.
    pub revocation_endpoint: String,
    /// `GET /.well-known/jwks.json`.
    pub jwks_uri: String,
    /// Every scope the service grants.
    pub scopes_supported: Vec<String>,
    /// Empty: Latchkey has no authorization endpoint.
    pub response_types_supported: Vec<String>,
    /// `client_credentials` and `refresh_token`.
    pub grant_types_supported: Vec<String>,
    /// `client_secret_basic` and `client_secret_post`.
    pub token_endpoint_auth_methods_supported: Vec<String>,
    /// As for the token endpoint.
    pub introspection_endpoint_auth_methods_supported: Vec<String>,
    /// As for the token endpoint.
    pub revocation_endpoint_auth_methods_supported: Vec<String>,
    /// The algorithms tokens are signed with (a Latchkey extension: RFC 8414 names none
    /// for access tokens).
    pub token_signing_alg_values_supported: Vec<String>,
    /// The algorithms DPoP proofs may be signed with (RFC 9449 §5.1).
    pub dpop_signing_alg_values_supported: Vec<String>,
    /// The OpenAPI description of the service.
    pub service_documentation: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_response_does_not_show_its_refresh_token_in_debug() {
        let response = TokenResponse {
            access_token: "a.b.c".into(),
            token_type: "Bearer".into(),
            expires_in: 3600,
            refresh_token: Some("hunter2.refresh.token".into()),
            scope: None,
        };
        assert!(!format!("{response:?}").contains("hunter2"));
        let json = serde_json::to_value(&response).unwrap();
        assert_eq!(json["refresh_token"], "hunter2.refresh.token");
    }
}
