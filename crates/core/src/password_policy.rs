//! What a new password must be, beyond its length: not the account's own email or id,
//! and not easy to guess.
//!
//! Guessability is estimated with zxcvbn (Dropbox's estimator): it matches the password
//! against bundled lists of common passwords, words and names, keyboard patterns,
//! repeats, sequences and dates, and scores it 0–4 by the guesses an attacker would need
//! (score 3 ≈ 10^8–10^10 guesses). zxcvbn looks at the first 100 characters only, so its
//! cost stays bounded whatever the length; it takes well under a millisecond for
//! typical passwords. The policy applies to new passwords only (sign-up, password
//! change, `latchkeyd user add`), never to logins.

use crate::secret::Password;
use crate::{Error, Latchkey, Result};

/// The lowest zxcvbn score accepted by default: "safely unguessable: moderate protection
/// from offline slow-hash scenario" in zxcvbn's own words.
pub const DEFAULT_MIN_SCORE: u8 = 3;

/// The highest score zxcvbn gives.
pub const MAX_SCORE: u8 = 4;

/// Checks a new password against the policy. `personal` are the account's own data
/// (email, its local part, the account id): the password may not be one of them, and
/// zxcvbn counts them as known words.
///
/// The error message says why, never echoing the password.
///
/// # Errors
///
/// [`Error::InvalidRequest`] if the password is the account's email or id, or its score
/// is below `min_score` (0 turns the estimator off).
pub fn check(password: &str, personal: &[&str], min_score: u8) -> Result<()> {
    let folded = password.trim().to_lowercase();
    if personal
        .iter()
        .any(|p| !p.is_empty() && p.to_lowercase() == folded)
    {
        return Err(Error::InvalidRequest(
            "the password must not be your email address or account id".into(),
        ));
    }
    if min_score == 0 {
        return Ok(());
    }
    let estimate = zxcvbn::zxcvbn(password, personal);
    if u8::from(estimate.score()) >= min_score {
        return Ok(());
    }
    let mut message = String::from("this password is too easy to guess");
    if let Some(feedback) = estimate.feedback() {
        if let Some(warning) = feedback.warning() {
            message = format!("{message}: {warning}");
        }
        for suggestion in feedback.suggestions() {
            message = format!("{message} {suggestion}");
        }
    }
    if !message.ends_with('.') {
        message.push('.');
    }
    Err(Error::InvalidRequest(message))
}

impl Latchkey {
    /// Applies [`check`] with the configured minimum score.
    pub(crate) fn check_password_policy(
        &self,
        password: &Password,
        personal: &[&str],
    ) -> Result<()> {
        check(
            password.expose(),
            personal,
            self.settings().policies.password_min_score,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(password: &str, personal: &[&str]) -> String {
        match check(password, personal, DEFAULT_MIN_SCORE) {
            Err(Error::InvalidRequest(message)) => message,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn common_passwords_are_refused_with_a_reason() {
        for password in [
            "12345678",
            "password",
            "password1",
            "qwertyuiop",
            "iloveyou123",
        ] {
            let message = refusal(password, &[]);
            assert!(message.starts_with("this password is too easy to guess"));
            // ("password" itself is a word of zxcvbn's advice.)
            if password != "password" {
                assert!(!message.contains(password), "{message} echoes the password");
            }
        }
        assert!(refusal("password", &[]).contains("common"));
    }

    #[test]
    fn the_accounts_own_email_or_id_is_refused() {
        let personal = ["ada.lovelace@example.com", "ada.lovelace"];
        assert!(refusal("Ada.Lovelace@example.com", &personal).contains("email"));
        assert!(refusal("ada.lovelace", &personal).contains("email"));
        // Even with the estimator off.
        assert!(check("ada.lovelace", &personal, 0).is_err());
    }

    #[test]
    fn passphrases_pass() {
        for password in [
            "correct horse battery staple",
            "a brand new password",
            "tulip-ferry-87-granite",
        ] {
            assert!(check(password, &["ada@example.com"], DEFAULT_MIN_SCORE).is_ok());
        }
    }

    #[test]
    fn score_zero_turns_the_estimator_off() {
        assert!(check("12345678", &[], 0).is_ok());
    }

    #[test]
    fn long_passwords_are_estimated_quickly() {
        let started = std::time::Instant::now();
        let _ = check(&"Xy7#".repeat(256), &[], DEFAULT_MIN_SCORE);
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }
}
