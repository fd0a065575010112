//! Email addresses, normalised once at the edge.

use std::fmt;

use crate::{Error, Result};

/// A syntactically plausible email address, trimmed and lower-cased.
///
/// Latchkey does not send mail, so it checks shape only: one `@`, a non-empty local
/// part, a domain with a dot, no spaces or control characters, at most 254 bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Parses and normalises an address.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] naming what is wrong with it.
    pub fn parse(text: &str) -> Result<Self> {
        let email = text.trim().to_lowercase();
        let invalid = |why: &str| Err(Error::InvalidRequest(format!("email {why}")));
        if email.is_empty() {
            return invalid("is required");
        }
        if email.len() > 254 {
            return invalid("is longer than 254 bytes");
        }
        if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return invalid("must not contain spaces");
        }
        let Some((local, domain)) = email.split_once('@') else {
            return invalid("must contain @");
        };
        if local.is_empty() || domain.contains('@') {
            return invalid("must have one @ with a name before it");
        }
        if !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
        {
            return invalid("must have a domain such as example.com");
        }
        Ok(Self(email))
    }

    /// The normalised address.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Email;

    #[test]
    fn addresses_are_trimmed_and_lowercased() {
        assert_eq!(
            Email::parse("  Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "ada@example",
            "a b@example.com",
            "a@b@example.com",
            "ada@example..com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
