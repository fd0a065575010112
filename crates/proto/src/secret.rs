//! Secrets on the wire: [`ClientSecret`] and [`RefreshToken`].
//!
//! Each is its plain string on the wire (`#[serde(transparent)]`: the JSON and form
//! values do not change), but in a program it is its own type: `Debug` prints
//! `ClientSecret(***)`, there is no `Display`, two values are compared in constant time,
//! and the text is reached only by calling [`ClientSecret::expose`] (or
//! [`RefreshToken::expose`]) where it is sent, hashed or shown on purpose.

use serde::{Deserialize, Serialize};

/// Compares two byte strings in time that depends only on their lengths, so that a
/// caller comparing a guess with a secret learns nothing from the timing of the answer.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let difference = a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(difference) == 0
}

/// Defines a secret string type: transparent on the wire, redacted in `Debug`, compared
/// in constant time.
macro_rules! secret_string {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a secret's text.
            #[must_use]
            pub fn new(text: impl Into<String>) -> Self {
                Self(text.into())
            }

            /// The secret's text, to send, hash or show on purpose.
            #[must_use]
            pub fn expose(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "(***)"))
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                constant_time_eq(self.0.as_bytes(), other.0.as_bytes())
            }
        }

        impl Eq for $name {}

        impl From<String> for $name {
            fn from(text: String) -> Self {
                Self(text)
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                Self(text.to_owned())
            }
        }
    };
}

secret_string! {
    /// A client secret: 80 lowercase hex characters when Latchkey makes it, shown to its
    /// owner once and stored only as a digest.
    ///
    /// ```
    /// use latchkey_proto::secret::ClientSecret;
    /// let secret = ClientSecret::new("0123abcd");
    /// assert_eq!(format!("{secret:?}"), "ClientSecret(***)");
    /// assert_eq!(secret.expose(), "0123abcd");
    /// assert_eq!(serde_json::to_string(&secret).unwrap(), r#""0123abcd""#);
    /// ```
    ClientSecret
}

secret_string! {
    /// A refresh token: a JWT that the token endpoint trades for access tokens, and that
    /// must never reach a log.
    ///
    /// ```
    /// use latchkey_proto::secret::RefreshToken;
    /// let token = RefreshToken::new("xxxxx.yyyyy.zzzzz");
    /// assert_eq!(format!("{token:?}"), "RefreshToken(***)");
    /// assert_eq!(token, RefreshToken::from("xxxxx.yyyyy.zzzzz"));
    /// ```
    RefreshToken
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_reach_debug_output() {
        let secret = ClientSecret::new("hunter2-client-secret");
        let token = RefreshToken::new("hunter2.refresh.token");
        for text in [
            format!("{secret:?}"),
            format!("{token:?}"),
            format!("{:?}", Some(&token)),
        ] {
            assert!(!text.contains("hunter2"), "{text}");
        }
    }

    #[test]
    fn equality_compares_the_whole_text() {
        assert_eq!(ClientSecret::new("abc"), ClientSecret::new("abc"));
        assert_ne!(ClientSecret::new("abc"), ClientSecret::new("abd"));
        assert_ne!(ClientSecret::new("abc"), ClientSecret::new("abcd"));
        assert!(!constant_time_eq(b"", b"a"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn the_wire_form_is_the_plain_string() {
        let token: RefreshToken = serde_json::from_str(r#""a.b.c""#).unwrap();
        assert_eq!(token.expose(), "a.b.c");
        assert_eq!(serde_json::to_string(&token).unwrap(), r#""a.b.c""#);
    }
}
