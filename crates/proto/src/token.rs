//! What a Latchkey token says: its kind, its JWT header type and its claims.
//!
//! Every Latchkey token is a JWS compact JWT. Access tokens carry the header
//! `typ: at+jwt` (RFC 9068); refresh tokens carry `typ: rt+jwt`, so that a verifier that
//! checks `typ` can never take one for the other.

use serde::{Deserialize, Serialize};

use crate::Scope;

/// The four kinds of token, carried in the `kind` claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Made by password login; accepted by account endpoints and resource services.
    AccountAccess,
    /// Made from client keys; accepted by resource services only.
    ClientAccess,
    /// Made from client keys; accepted by the token endpoint only.
    ClientRefresh,
    /// Made by an offline login (`accessType: "offline"`); accepted by the token endpoint
    /// only, with the same `clientId`.
    AccountRefresh,
}

impl Kind {
    /// Whether tokens of this kind are refresh tokens.
    #[must_use]
    pub const fn is_refresh(self) -> bool {
        matches!(self, Self::ClientRefresh | Self::AccountRefresh)
    }

    /// The JWT header `typ` tokens of this kind carry.
    #[must_use]
    pub const fn token_type(self) -> TokenType {
        if self.is_refresh() {
            TokenType::Refresh
        } else {
            TokenType::Access
        }
    }

    /// The kind as it appears in the `kind` claim, e.g. `"client_access"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AccountAccess => "account_access",
            Self::ClientAccess => "client_access",
            Self::ClientRefresh => "client_refresh",
            Self::AccountRefresh => "account_refresh",
        }
    }
}

display_as_str!(Kind);

/// The JWT header `typ` of a Latchkey token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenType {
    /// `at+jwt`, the RFC 9068 access-token type.
    Access,
    /// `rt+jwt`, Latchkey's refresh-token type.
    Refresh,
}

impl TokenType {
    /// The header value, `"at+jwt"` or `"rt+jwt"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Access => "at+jwt",
            Self::Refresh => "rt+jwt",
        }
    }

    /// Parses a header value; `typ` is compared case-insensitively (RFC 7515 §4.1.9),
    /// and the `application/` prefix may be present.
    #[must_use]
    pub fn from_header(value: &str) -> Option<Self> {
        let value = value.strip_prefix("application/").unwrap_or(value);
        if value.eq_ignore_ascii_case("at+jwt") {
            Some(Self::Access)
        } else if value.eq_ignore_ascii_case("rt+jwt") {
            Some(Self::Refresh)
        } else {
            None
        }
    }
}

/// The claims of a Latchkey token.
///
/// Times are seconds since the Unix epoch. `exp` is absent only on account refresh
/// tokens, which live until they are deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer: the service's URL.
    pub iss: String,
    /// Subject: the account id.
    pub sub: String,
    /// Audience.
    pub aud: String,
    /// Issued at.
    pub iat: i64,
    /// Not before.
    pub nbf: i64,
    /// Expires at; absent on account refresh tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// Unique token id.
    pub jti: String,
    /// The kind of token.
    pub kind: Kind,
    /// The scopes granted.
    #[serde(default)]
    pub scope: Scope,
    /// The client key the token was made from (client tokens), or the application id
    /// given at an offline login (account refresh tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The refresh session (token family) this token belongs to or was minted from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// The refresh token's generation within its session (refresh tokens only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<u64>,
    /// Where the token's revocation bit is published (access tokens; draft-ietf-oauth-status-list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<crate::status::Status>,
    /// The key the token is bound to (RFC 9449 DPoP): it is accepted only with a proof
    /// signed by that key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cnf: Option<Confirmation>,
}

/// The `cnf` claim (RFC 7800) of a sender-constrained token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    /// The RFC 7638 thumbprint of the DPoP key.
    pub jkt: String,
}

impl Claims {
    /// The DPoP key thumbprint the token is bound to, if it is bound.
    #[must_use]
    pub fn dpop_jkt(&self) -> Option<&str> {
        self.cnf.as_ref().map(|c| c.jkt.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_kinds_carry_the_refresh_type() {
        assert_eq!(Kind::ClientRefresh.token_type(), TokenType::Refresh);
        assert_eq!(Kind::AccountRefresh.token_type(), TokenType::Refresh);
        assert_eq!(Kind::AccountAccess.token_type(), TokenType::Access);
        assert_eq!(Kind::ClientAccess.token_type(), TokenType::Access);
    }

    #[test]
    fn typ_is_case_insensitive_and_may_carry_the_media_prefix() {
        assert_eq!(TokenType::from_header("AT+JWT"), Some(TokenType::Access));
        assert_eq!(
            TokenType::from_header("application/at+jwt"),
            Some(TokenType::Access)
        );
        assert_eq!(TokenType::from_header("JWT"), None);
    }
}
