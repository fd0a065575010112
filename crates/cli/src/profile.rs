//! A profile: what the CLI remembers for one account and its client keys.
//!
//! The field names are the seeds' (`accessToken`, `clientAccessToken`, `refreshToken`),
//! and the same names are the keys of `latchkey conf`.

use anyhow::bail;
use latchkey_client::{ClientSecret, RefreshToken};
use serde::{Deserialize, Serialize};

/// One profile's values. Every field is optional: a profile fills up as commands run.
#[derive(Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// The Latchkey service this profile talks to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// The account's email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The account access token, from `latchkey login`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    /// The client ID used for the client tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The client secret, only if asked to store it (`client-keys create --store`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<ClientSecret>,
    /// The client access token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_access_token: Option<String>,
    /// The client refresh token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<RefreshToken>,
    /// The DPoP private key the client tokens are bound to (`client-token --dpop`), as
    /// `DpopKey::export` writes it: kept beside the tokens, in the same 0600 file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_key: Option<String>,
}

/// The keys of `latchkey conf`, in display order, and whether each is a secret.
pub const KEYS: [(&str, bool); 7] = [
    ("server", false),
    ("email", false),
    ("accessToken", true),
    ("clientId", false),
    ("clientSecret", true),
    ("clientAccessToken", true),
    ("refreshToken", true),
];

impl Profile {
    /// The value of `key`, as `latchkey conf` shows it (secrets included).
    ///
    /// # Errors
    ///
    /// An unknown key, with the list of known ones.
    pub fn get(&self, key: &str) -> anyhow::Result<Option<&str>> {
        Ok(match key {
            "server" => self.server.as_deref(),
            "email" => self.email.as_deref(),
            "accessToken" => self.access_token.as_deref(),
            "clientId" => self.client_id.as_deref(),
            "clientSecret" => self.client_secret.as_ref().map(ClientSecret::expose),
            "clientAccessToken" => self.client_access_token.as_deref(),
            "refreshToken" => self.refresh_token.as_ref().map(RefreshToken::expose),
            _ => bail!("unknown key {key:?}; the keys are {}", known_keys()),
        })
    }

    /// Sets (or, with `None`, unsets) the value of `key`.
    ///
    /// # Errors
    ///
    /// An unknown key, with the list of known ones.
    pub fn set(&mut self, key: &str, value: Option<String>) -> anyhow::Result<()> {
        match key {
            "server" => self.server = value,
            "email" => self.email = value,
            "accessToken" => self.access_token = value,
            "clientId" => self.client_id = value,
            "clientSecret" => self.client_secret = value.map(ClientSecret::new),
            "clientAccessToken" => self.client_access_token = value,
            "refreshToken" => self.refresh_token = value.map(RefreshToken::new),
            _ => bail!("unknown key {key:?}; the keys are {}", known_keys()),
        }
        Ok(())
    }

    /// Forgets the client tokens (and, with `keys`, the client keys too).
    pub fn forget_client(&mut self, keys: bool) {
        self.client_access_token = None;
        self.refresh_token = None;
        self.dpop_key = None;
        if keys {
            self.client_id = None;
            self.client_secret = None;
        }
    }
}

fn known_keys() -> String {
    KEYS.iter()
        .map(|(key, _)| *key)
        .collect::<Vec<_>>()
        .join(", ")
}

impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |value: &Option<String>| value.as_ref().map(|_| "…");
        f.debug_struct("Profile")
            .field("server", &self.server)
            .field("email", &self.email)
            .field("access_token", &hidden(&self.access_token))
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("client_access_token", &hidden(&self.client_access_token))
            .field("refresh_token", &self.refresh_token)
            .finish()
    }
}

/// `abcd…wxyz` for a secret long enough to show a little of; `****` otherwise.
#[must_use]
pub fn mask(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() < 24 {
        return "****".into();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_key_has_a_slot() {
        let mut profile = Profile::default();
        for (key, _) in KEYS {
            profile.set(key, Some(key.into())).unwrap();
        }
        let text = toml::to_string(&profile).unwrap();
        let back: Profile = toml::from_str(&text).unwrap();
        assert_eq!(back, profile);
    }

    #[test]
    fn an_unknown_key_lists_the_known_ones() {
        let error = Profile::default()
            .get("acessToken")
            .unwrap_err()
            .to_string();
        assert!(error.contains("accessToken, clientId"), "{error}");
    }

    #[test]
    fn masks_show_little_of_a_secret() {
        assert_eq!(mask("short"), "****");
        assert_eq!(
            mask("eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxIn0.sig"),
            "eyJh….sig"
        );
        let debug = format!(
            "{:?}",
            Profile {
                access_token: Some("hunter2-token".into()),
                client_secret: Some("hunter2-secret".into()),
                refresh_token: Some("hunter2.refresh.token".into()),
                ..Profile::default()
            }
        );
        assert!(!debug.contains("hunter2"));
    }
}
