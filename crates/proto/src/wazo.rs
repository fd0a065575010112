//! Answers of the Wazo-compatible interface (`/api/auth/0.1/…`): snake_case, as
//! wazo-auth spells them, with its timestamps as ISO 8601 strings without an offset.
//!
//! Like the OAuth 2 requests, the request body is parsed by the service itself; only
//! answers live here.

use serde::{Deserialize, Serialize};

use crate::secret::RefreshToken;

/// The answer of `POST /api/auth/0.1/token`: `{"data": {…}}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenAnswer {
    /// The token and what it is for.
    pub data: Token,
}

/// A token as wazo-auth describes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Token {
    /// The access token.
    pub token: String,
    /// The refresh token, after an offline login (never after a refresh).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<RefreshToken>,
    /// The account id.
    pub auth_id: String,
    /// The refresh session the token belongs to, if any.
    pub session_uuid: Option<String>,
    /// When the token was issued (UTC).
    pub issued_at: String,
    /// When it expires (UTC).
    pub expires_at: String,
    /// When the token was issued, UTC.
    pub utc_issued_at: String,
    /// When it expires, UTC.
    pub utc_expires_at: String,
    /// The token's scopes.
    pub acl: Vec<String>,
}

/// The answer of `GET /api/auth/0.1/users/{user_uuid}/tokens`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenList {
    /// How many refresh tokens the user has.
    pub total: usize,
    /// How many are listed.
    pub filtered: usize,
    /// The refresh tokens (never the tokens themselves).
    pub items: Vec<TokenListItem>,
}

/// One refresh token of a [`TokenList`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenListItem {
    /// The application it was made for.
    pub client_id: Option<String>,
    /// When it was made.
    pub created_at: String,
    /// Always `false`: Latchkey has no mobile sessions.
    pub mobile: bool,
    /// The account id.
    pub user_uuid: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_answer_does_not_show_its_refresh_token_in_debug() {
        let answer = TokenAnswer {
            data: Token {
                token: "a.b.c".into(),
                refresh_token: Some("hunter2.r.t".into()),
                auth_id: "id".into(),
                session_uuid: None,
                issued_at: String::new(),
                expires_at: String::new(),
                utc_issued_at: String::new(),
                utc_expires_at: String::new(),
                acl: Vec::new(),
            },
        };
        assert!(!format!("{answer:?}").contains("hunter2"));
        let json = serde_json::to_value(&answer).unwrap();
        assert_eq!(json["data"]["refresh_token"], "hunter2.r.t");
        assert!(json["data"]["session_uuid"].is_null());
    }
}
