//! Request and response bodies of the native JSON API.
//!
//! Field names are camelCase, as in the seed documents. Timestamps are RFC 3339 strings.
//! Requests ignore unknown fields, so older clients keep working as the API grows.
//! Client secrets and refresh tokens are [`crate::secret`] types, and passwords are left
//! out of `Debug`: no request or answer prints a secret when it is logged.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub use crate::lifecycle::{KeyLifecycle, RotateSecretRequest, RotatedSecret};
use crate::secret::{ClientSecret, RefreshToken};
use crate::{GrantType, Kind, Scope};

/// `POST /users`: sign up. Its `Debug` leaves the password out.
#[derive(Clone, Serialize, Deserialize)]
pub struct SignupRequest {
    /// The account's email address; stored trimmed and lower-cased.
    pub email: String,
    /// 8 to 1024 bytes.
    pub password: String,
}

/// An account, as `POST /users` and `GET /users/me` return it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// The account id, usable in place of the email to log in.
    pub id: String,
    /// The normalised email address.
    pub email: String,
    /// When the account was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// The optional body of `POST /auth/login`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginRequest {
    /// Lifetime of the access token in seconds, at most the configured maximum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration: Option<u64>,
    /// The application asking for an offline refresh token (Wazo's `client_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// `"offline"` asks for an account refresh token (needs `clientId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_type: Option<String>,
}

/// The answer of `POST /auth/login` and `POST /auth/token`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenResponse {
    /// The access token.
    pub access_token: String,
    /// A refresh token, when the request made one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<RefreshToken>,
    /// `"DPoP"` when the access token is bound to the request's DPoP key (present it as
    /// `Authorization: DPoP …` with a proof); absent for bearer tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
}

/// The body of `POST /auth/token`.
///
/// `grantType` selects which other fields are needed: `clientCredentials` needs
/// `clientId` and `clientSecret`; `refreshToken` needs `refreshToken` (and `clientId`
/// for an account refresh token).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenRequest {
    /// `"clientCredentials"` or `"refreshToken"`.
    pub grant_type: GrantType,
    /// The client ID (40 hex characters), or the application id of an account refresh token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The client secret (80 hex characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<ClientSecret>,
    /// The refresh token to trade.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<RefreshToken>,
    /// Lifetime of the access token in seconds, at most the configured maximum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration: Option<u64>,
    /// A narrower scope than the grant's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
}

/// The body of `PUT /users/me/password`. Its `Debug` leaves both passwords out.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangePasswordRequest {
    /// The password in use.
    pub current_password: String,
    /// The new password, 8 to 1024 bytes.
    pub new_password: String,
}

impl std::fmt::Debug for SignupRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignupRequest")
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for ChangePasswordRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangePasswordRequest")
            .finish_non_exhaustive()
    }
}

/// The optional body of `POST /client-keys`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateClientKeyRequest {
    /// A label for the key, up to 100 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The scopes the key may grant; all configured scopes when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
    /// Whether refresh tokens made from the key rotate; the deployment's setting when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotate_refresh_tokens: Option<bool>,
    /// When the key stops working (must be in the future); never when absent.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub expires_at: Option<OffsetDateTime>,
    /// The IPv4/IPv6 networks (CIDRs, or single addresses) token requests may come from;
    /// anywhere when absent or empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_cidrs: Option<Vec<String>>,
    /// Whether token requests must carry a DPoP proof (RFC 9449); false when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_bound: Option<bool>,
}

/// A client key as `POST /client-keys` returns it: the only time the secret is shown.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedClientKey {
    /// 40 lowercase hex characters.
    pub client_id: String,
    /// 80 lowercase hex characters. Never shown again.
    pub client_secret: ClientSecret,
    /// The key's label.
    pub name: Option<String>,
    /// The scopes the key may grant.
    pub scope: Scope,
    /// Whether refresh tokens made from the key rotate.
    pub rotate_refresh_tokens: bool,
    /// When the key was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Its expiry, networks and DPoP binding.
    #[serde(flatten)]
    pub lifecycle: KeyLifecycle,
}

/// A client key as `GET /client-keys` lists it (never with its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientKey {
    /// 40 lowercase hex characters.
    pub client_id: String,
    /// The key's label.
    pub name: Option<String>,
    /// The scopes the key may grant.
    pub scope: Scope,
    /// Whether refresh tokens made from the key rotate.
    pub rotate_refresh_tokens: bool,
    /// When the key was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When the key last made a token, to the minute.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    /// The address the key last made a token from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_ip: Option<String>,
    /// When the secret replaced by the last rotation stops working, while it works.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub previous_secret_expires_at: Option<OffsetDateTime>,
    /// Its expiry, networks and DPoP binding.
    #[serde(flatten)]
    pub lifecycle: KeyLifecycle,
}

/// A live refresh token ("session") as `GET /refresh-tokens` lists it (never the token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshTokenInfo {
    /// The id to pass to `DELETE /refresh-tokens/{id}`; the `sid` claim of its tokens.
    pub id: String,
    /// `client_refresh` or `account_refresh`.
    pub kind: Kind,
    /// The client key, or the application id of an offline login.
    pub client_id: Option<String>,
    /// The scopes the token may grant.
    pub scope: Scope,
    /// When the token was made.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When the token was last used, to the minute.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    /// When the token expires; absent for account refresh tokens.
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
}

/// One event of the caller's audit trail, as `GET /users/me/events` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    /// The event's position in the trail; pass it as `before` for the next page.
    pub id: i64,
    /// When it happened.
    #[serde(with = "time::serde::rfc3339")]
    pub time: OffsetDateTime,
    /// What happened: `login_succeeded`, `login_failed`, `login_locked`,
    /// `password_changed`, `client_key_created`, `client_key_deleted`, `client_locked`,
    /// `refresh_token_revoked`, `refresh_tokens_revoked`, `refresh_token_reuse_detected`,
    /// `client_key_expired`, `client_network_refused`, `client_secret_rotated`.
    pub kind: String,
    /// The client key (or offline application) concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The address the request came from, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_address: Option<String>,
    /// A short detail, e.g. the session revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Paging of `GET /users/me/events`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventsQuery {
    /// At most this many events (default 50, at most 1,000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Only events older than this id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<i64>,
}

/// The answer of `DELETE /refresh-tokens`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevokedCount {
    /// How many live refresh tokens were ended.
    pub revoked: u64,
}

/// The answer of `GET /healthz` and `GET /readyz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// `"ok"`, or `"unavailable"` when a dependency is down.
    pub status: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "hunter2-very-secret";

    fn assert_hidden(what: &str, debug: &str) {
        assert!(!debug.contains(SECRET), "{what} shows its secret: {debug}");
    }

    #[test]
    fn no_request_or_answer_shows_a_secret_in_debug() {
        let signup = SignupRequest {
            email: "ada@example.com".into(),
            password: SECRET.into(),
        };
        assert_hidden("SignupRequest", &format!("{signup:?}"));
        let change = ChangePasswordRequest {
            current_password: SECRET.into(),
            new_password: SECRET.into(),
        };
        assert_hidden("ChangePasswordRequest", &format!("{change:?}"));
        let credentials = TokenRequest {
            grant_type: GrantType::ClientCredentials,
            client_id: Some("id".into()),
            client_secret: Some(SECRET.into()),
            ..TokenRequest::default()
        };
        assert_hidden("TokenRequest", &format!("{credentials:?}"));
        let refresh = TokenRequest {
            grant_type: GrantType::RefreshToken,
            refresh_token: Some(SECRET.into()),
            ..TokenRequest::default()
        };
        assert_hidden("TokenRequest", &format!("{refresh:?}"));
        let tokens = TokenResponse {
            access_token: "a.b.c".into(),
            refresh_token: Some(SECRET.into()),
            token_type: None,
        };
        assert_hidden("TokenResponse", &format!("{tokens:?}"));
        let created = CreatedClientKey {
            client_id: "id".into(),
            client_secret: SECRET.into(),
            name: None,
            scope: Scope::default(),
            rotate_refresh_tokens: false,
            created_at: OffsetDateTime::UNIX_EPOCH,
            lifecycle: KeyLifecycle::default(),
        };
        assert_hidden("CreatedClientKey", &format!("{created:?}"));
    }

    #[test]
    fn secrets_keep_their_wire_names_and_values() {
        let request = TokenRequest {
            grant_type: GrantType::ClientCredentials,
            client_id: Some("id".into()),
            client_secret: Some("s3cret".into()),
            refresh_token: Some("r.t.k".into()),
            ..TokenRequest::default()
        };
        let json = serde_json::to_value(&request).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "grantType": "clientCredentials",
                "clientId": "id",
                "clientSecret": "s3cret",
                "refreshToken": "r.t.k",
            })
        );
    }
}
