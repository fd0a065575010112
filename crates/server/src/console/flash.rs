//! The flash: what a page shows once after a redirect (POST/redirect/GET) — a notice or
//! an error, the email typed in a failed log-in, and the secret of a client key just
//! created or rotated, which is shown on that one page and nowhere else.
//!
//! It travels in a short-lived cookie (base64url of JSON, with the flags of every console
//! cookie) that the page showing it clears. The client secret is never stored on the
//! server, so this is the only way it can cross the redirect.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::cookies::{self, FLASH};

/// How long a flash waits for its page, in seconds.
pub const FLASH_SECONDS: u64 = 60;
/// Longest flash cookie read back (a browser keeps 4 KiB per cookie).
const MAX_COOKIE: usize = 4000;

/// Whether a message reports success or a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Tone {
    /// Something was done.
    Notice,
    /// Something went wrong.
    Error,
}

/// A client key just created, or a secret just rotated: the ID and the secret, shown once.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewKey {
    /// The client ID.
    pub client_id: String,
    /// The client secret.
    pub client_secret: String,
    /// After a rotation: what becomes of the old secret (until when it works).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotated: Option<String>,
}

/// What the next page shows once.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Flash {
    /// The message and its tone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<(Tone, String)>,
    /// The email typed in the form that failed, to fill it in again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// A client key just created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_key: Option<NewKey>,
}

impl Flash {
    /// A notice.
    pub fn notice(text: impl Into<String>) -> Self {
        Self {
            message: Some((Tone::Notice, text.into())),
            ..Self::default()
        }
    }

    /// An error message.
    pub fn error(text: impl Into<String>) -> Self {
        Self {
            message: Some((Tone::Error, text.into())),
            ..Self::default()
        }
    }

    /// The same, with the email to fill in again.
    #[must_use]
    pub fn with_email(mut self, email: &str) -> Self {
        self.email = Some(email.chars().take(320).collect());
        self
    }

    /// The cookie value.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    fn decode(value: &str) -> Option<Self> {
        if value.len() > MAX_COOKIE {
            return None;
        }
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(value).ok()?).ok()
    }
}

/// The flash a request brought, if any (an unreadable one is ignored).
#[derive(Debug, Default)]
pub struct Incoming(pub Option<Flash>);

impl<S: Send + Sync> FromRequestParts<S> for Incoming {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            cookies::read(&parts.headers, FLASH)
                .filter(|v| !v.is_empty())
                .and_then(Flash::decode),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flash_survives_its_cookie() {
        let flash = Flash::error("wrong <password>").with_email("ada@example.com");
        let back = Flash::decode(&flash.encode()).unwrap();
        assert_eq!(back.message, Some((Tone::Error, "wrong <password>".into())));
        assert_eq!(back.email.as_deref(), Some("ada@example.com"));
        assert!(Flash::decode("not base64 json").is_none());
    }
}
