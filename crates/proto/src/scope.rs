//! Scope sets: space-separated lists of scope tokens (RFC 6749 §3.3).

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A set of scope tokens, such as `nodes:read nodes:write`.
///
/// Tokens are kept sorted and unique, so two equal sets always print the same way.
/// A token is 1 to 64 printable ASCII characters other than space, `"` and `\`
/// (RFC 6749's `scope-token`).
///
/// ```
/// use latchkey_proto::Scope;
/// let granted = Scope::parse("nodes:write nodes:read").unwrap();
/// let asked = Scope::parse("nodes:read").unwrap();
/// assert!(asked.is_subset(&granted));
/// assert_eq!(granted.to_string(), "nodes:read nodes:write");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Scope(BTreeSet<String>);

/// Why a scope string was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeError(String);

impl fmt::Display for ScopeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid scope token {:?}", self.0)
    }
}

impl std::error::Error for ScopeError {}

const MAX_TOKEN_LEN: usize = 64;

fn is_scope_char(c: char) -> bool {
    c.is_ascii_graphic() && c != '"' && c != '\\'
}

impl Scope {
    /// Parses a space-separated scope string. An empty string is the empty set.
    ///
    /// # Errors
    ///
    /// Returns [`ScopeError`] for a token with a forbidden character or over 64 bytes.
    pub fn parse(text: &str) -> Result<Self, ScopeError> {
        let mut set = BTreeSet::new();
        for token in text.split(' ').filter(|t| !t.is_empty()) {
            if token.len() > MAX_TOKEN_LEN || !token.chars().all(is_scope_char) {
                return Err(ScopeError(token.chars().take(MAX_TOKEN_LEN).collect()));
            }
            set.insert(token.to_owned());
        }
        Ok(Self(set))
    }

    /// Whether every token of `self` is in `other`.
    #[must_use]
    pub fn is_subset(&self, other: &Self) -> bool {
        self.0.is_subset(&other.0)
    }

    /// Whether the set holds `token`.
    #[must_use]
    pub fn contains(&self, token: &str) -> bool {
        self.0.contains(token)
    }

    /// Whether the set is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The tokens, in sorted order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for token in &self.0 {
            if !first {
                f.write_str(" ")?;
            }
            f.write_str(token)?;
            first = false;
        }
        Ok(())
    }
}

impl std::str::FromStr for Scope {
    type Err = ScopeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Scope {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsing_sorts_and_deduplicates() {
        let scope = Scope::parse("b a  b").unwrap();
        assert_eq!(scope.to_string(), "a b");
    }

    #[test]
    fn forbidden_characters_are_refused() {
        assert!(Scope::parse("a\"b").is_err());
        assert!(Scope::parse("tab\there").is_err());
        assert!(Scope::parse(&"x".repeat(65)).is_err());
    }

    #[test]
    fn the_empty_string_is_the_empty_set() {
        assert!(Scope::parse("").unwrap().is_empty());
    }
}
