//! The create-key form: what was typed (kept to fill the form in again when it is
//! refused), and its reading into the domain's [`NewClientKey`].
//!
//! The fields are read at this edge only as far as a form needs: the scope through
//! [`Scope::parse`], the networks through [`Networks::parse`] (the API's own parsing and
//! limit), the expiry as a number of days from now. Every other rule — a name's length,
//! a scope within the service's, an expiry in the future — is the domain's, applied by
//! `create_client_key` exactly as for `POST /client-keys`.

use latchkey_core::Scope;
use latchkey_core::network::Networks;
use latchkey_core::service::NewClientKey;
use serde::Deserialize;

/// The longest expiry the form takes, in days (100 years).
pub const MAX_EXPIRY_DAYS: i64 = 36_500;
const DAY: i64 = 86_400;

/// The form that creates a key, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Create {
    /// An optional label.
    #[serde(default)]
    pub name: String,
    /// Space-separated scopes; empty: all of the service's.
    #[serde(default)]
    pub scope: String,
    /// Days until the key stops working; empty: never.
    #[serde(default)]
    pub expires_in_days: String,
    /// One network per line; empty: anywhere.
    #[serde(default)]
    pub allowed_networks: String,
    /// The checkbox: present when ticked.
    #[serde(default)]
    pub dpop_bound: Option<String>,
}

impl Create {
    /// Whether the DPoP-bound box was ticked.
    pub fn dpop_bound(&self) -> bool {
        self.dpop_bound.is_some()
    }

    /// The key the form asks for, its expiry counted from `now` (Unix seconds), or the
    /// message that says what to correct.
    pub fn read(&self, now: i64) -> Result<NewClientKey, String> {
        let scope = match self.scope.trim() {
            "" => None,
            text => Some(
                Scope::parse(text)
                    .map_err(|_| "That scope is not a list of scope names.".to_owned())?,
            ),
        };
        let expires_at = match self.expires_in_days.trim() {
            "" => None,
            text => Some(expiry(text, now)?),
        };
        let lines: Vec<&str> = self
            .allowed_networks
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .collect();
        let allowed_networks =
            Networks::parse(&lines).map_err(|err| format!("Allowed networks: {err}."))?;
        Ok(NewClientKey {
            name: Some(self.name.clone()),
            scope,
            expires_at,
            allowed_networks,
            dpop_bound: self.dpop_bound(),
            ..NewClientKey::default()
        })
    }
}

/// `now` plus `days` whole days, 1 to [`MAX_EXPIRY_DAYS`].
fn expiry(days: &str, now: i64) -> Result<i64, String> {
    match days.parse::<i64>() {
        Ok(days @ 1..=MAX_EXPIRY_DAYS) => Ok(now.saturating_add(days * DAY)),
        _ => Err(format!(
            "The expiry must be a whole number of days from 1 to {MAX_EXPIRY_DAYS}, or empty \
             for a key that never expires."
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(days: &str, networks: &str) -> Create {
        Create {
            expires_in_days: days.into(),
            allowed_networks: networks.into(),
            ..Create::default()
        }
    }

    #[test]
    fn an_empty_form_is_a_key_without_limits() {
        let key = Create::default().read(1_000).unwrap();
        assert_eq!(key.expires_at, None);
        assert!(key.allowed_networks.is_empty());
        assert!(!key.dpop_bound);
    }

    #[test]
    fn days_count_from_now_and_networks_are_one_a_line() {
        let key = form(" 90 ", "203.0.113.0/24\r\n\n  2001:db8::/32 \n")
            .read(1_000)
            .unwrap();
        assert_eq!(key.expires_at, Some(1_000 + 90 * 86_400));
        assert_eq!(
            key.allowed_networks.to_strings(),
            ["203.0.113.0/24", "2001:db8::/32"]
        );
    }

    #[test]
    fn bad_days_and_bad_networks_say_what_to_correct() {
        for days in ["0", "-3", "1.5", "soon", "36501"] {
            let err = form(days, "").read(0).unwrap_err();
            assert!(err.contains("whole number of days"), "{days}: {err}");
        }
        let err = form("", "10.0.0.1/8").read(0).unwrap_err();
        assert!(err.starts_with("Allowed networks: \"10.0.0.1/8\""), "{err}");
        let many = "10.0.0.1\n".repeat(65);
        assert!(form("", &many).read(0).unwrap_err().contains("at most 64"));
    }
}
