//! Secrets: passwords, and the digests of client secrets. None reaches `Debug`, a log or
//! an error. The client secret and the refresh token themselves are wire types
//! ([`latchkey_proto::secret`]), re-exported here.

use aws_lc_rs::{constant_time, digest};
use secrecy::{ExposeSecret, SecretString};

pub use latchkey_proto::secret::{ClientSecret, RefreshToken};

use crate::ids::{random_bytes, to_hex};
use crate::{Error, Result};

/// A password of 8 to 1024 bytes.
pub struct Password(SecretString);

impl Password {
    /// Shortest accepted password, in bytes.
    pub const MIN_LEN: usize = 8;
    /// Longest accepted password, in bytes (bounds the hashing cost).
    pub const MAX_LEN: usize = 1024;

    /// Checks the length of a new password.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] if it is shorter than 8 or longer than 1024 bytes.
    pub fn new(text: String) -> Result<Self> {
        if text.len() < Self::MIN_LEN || text.len() > Self::MAX_LEN {
            return Err(Error::InvalidRequest(format!(
                "password must be {} to {} bytes long",
                Self::MIN_LEN,
                Self::MAX_LEN
            )));
        }
        Ok(Self(text.into()))
    }

    /// A password given to log in: not checked for length (a wrong length is simply a
    /// wrong password), but cut at the maximum so hashing cost stays bounded.
    #[must_use]
    pub fn for_login(mut text: String) -> Self {
        if text.len() > Self::MAX_LEN {
            let mut end = Self::MAX_LEN;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
        }
        Self(text.into())
    }

    /// The password's bytes, for hashing only.
    #[must_use]
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// Length of a client secret Latchkey makes, in hex characters (320 random bits).
pub const CLIENT_SECRET_LEN: usize = 80;

/// A new random client secret: 80 lowercase hex characters (320 random bits).
///
/// # Errors
///
/// [`Error::Unexpected`] if the OS random source fails.
pub fn generate_client_secret() -> Result<ClientSecret> {
    Ok(ClientSecret::new(to_hex(&random_bytes::<40>()?)))
}

/// The stored digest of a client secret.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretDigest(Vec<u8>);

impl SecretDigest {
    /// The SHA-256 digest stored in place of a client secret. A fast hash suffices: the
    /// secret has 320 bits of entropy, so there is nothing to brute-force. Hex is
    /// case-insensitive, so the secret is lower-cased first.
    #[must_use]
    pub fn of(secret: &ClientSecret) -> Self {
        let hash = digest::digest(
            &digest::SHA256,
            secret.expose().to_ascii_lowercase().as_bytes(),
        );
        Self(hash.as_ref().to_vec())
    }

    /// Wraps digest bytes read from storage.
    #[must_use]
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The digest bytes, for storage.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Compares two digests in constant time.
    #[must_use]
    pub fn matches(&self, other: &Self) -> bool {
        constant_time::verify_slices_are_equal(&self.0, &other.0).is_ok()
    }
}

impl std::fmt::Debug for SecretDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretDigest(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_reach_debug_output() {
        let secret = generate_client_secret().unwrap();
        assert!(!format!("{secret:?}").contains(secret.expose()));
        let password = Password::new("correct horse battery".into()).unwrap();
        assert!(!format!("{password:?}").contains("horse"));
    }

    #[test]
    fn a_secret_matches_its_own_digest_only() {
        let secret = generate_client_secret().unwrap();
        let other = generate_client_secret().unwrap();
        assert!(
            SecretDigest::of(&secret).matches(&SecretDigest::of(&ClientSecret::new(
                secret.expose().to_uppercase()
            )))
        );
        assert!(!SecretDigest::of(&secret).matches(&SecretDigest::of(&other)));
    }

    #[test]
    fn password_length_is_bounded() {
        assert!(Password::new("short".into()).is_err());
        assert!(Password::new("x".repeat(1025)).is_err());
        assert!(Password::new("x".repeat(1024)).is_ok());
        assert_eq!(Password::for_login("é".repeat(600)).expose().len(), 1024);
    }
}
