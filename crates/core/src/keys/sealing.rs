//! Private signing keys encrypted at rest under a master key (AES-256-GCM).
//!
//! A sealed key is `LKS1 ‖ nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes)`, with the
//! key id as associated data, so a sealed key copied onto another key's row does not
//! open. Unsealed keys (stored before a master key was configured) are plain PKCS#8
//! DER, which always starts with a DER SEQUENCE tag (0x30), never with the magic.

use std::fmt;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::rand::{SecureRandom as _, SystemRandom};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret as _, SecretSlice};

use crate::{Error, Result};

const MAGIC: &[u8; 4] = b"LKS1";
/// The master key's length: 256 bits.
pub const MASTER_KEY_LEN: usize = 32;

/// The key that encrypts signing keys at rest. Never printed, logged or compared.
#[derive(Clone)]
pub struct MasterKey(SecretSlice<u8>);

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey([redacted])")
    }
}

impl MasterKey {
    /// Parses a master key written as standard base64 of 32 random bytes (surrounding
    /// whitespace, such as a file's final newline, is ignored).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] if the text is not base64 of exactly 32 bytes; the
    /// message never repeats the text.
    pub fn from_base64(text: &str) -> Result<Self> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| Error::InvalidRequest("the master key is not valid base64".into()))?;
        if bytes.len() != MASTER_KEY_LEN {
            return Err(Error::InvalidRequest(format!(
                "the master key must be {MASTER_KEY_LEN} bytes (base64 of 32 random bytes), not {}",
                bytes.len()
            )));
        }
        Ok(Self(bytes.into()))
    }

    /// A new random master key, as base64 (to be shown once to the operator).
    ///
    /// # Errors
    ///
    /// [`Error::Unexpected`] if the system random generator fails.
    pub fn generate_base64() -> Result<String> {
        let mut bytes = [0u8; MASTER_KEY_LEN];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| Error::Unexpected(anyhow::anyhow!("the random generator failed")))?;
        Ok(STANDARD.encode(bytes))
    }

    fn aead(&self) -> Result<LessSafeKey> {
        let key = UnboundKey::new(&AES_256_GCM, self.0.expose_secret())
            .map_err(|_| Error::Unexpected(anyhow::anyhow!("unusable master key")))?;
        Ok(LessSafeKey::new(key))
    }

    /// Encrypts the private key `der` of key `kid`.
    ///
    /// # Errors
    ///
    /// [`Error::Unexpected`] if the random generator or the cipher fails.
    pub fn seal(&self, kid: &str, der: &[u8]) -> Result<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| Error::Unexpected(anyhow::anyhow!("the random generator failed")))?;
        let mut sealed = Vec::with_capacity(MAGIC.len() + NONCE_LEN + der.len() + 16);
        sealed.extend_from_slice(MAGIC);
        sealed.extend_from_slice(&nonce);
        let mut body = der.to_vec();
        self.aead()?
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(kid.as_bytes()),
                &mut body,
            )
            .map_err(|_| Error::Unexpected(anyhow::anyhow!("sealing a signing key failed")))?;
        sealed.extend_from_slice(&body);
        Ok(sealed)
    }

    /// Decrypts a key sealed by [`MasterKey::seal`] for `kid`.
    ///
    /// # Errors
    ///
    /// [`Error::Unexpected`] if the bytes are not sealed, or were sealed under another
    /// master key or for another key id.
    pub fn open(&self, kid: &str, sealed: &[u8]) -> Result<Vec<u8>> {
        let rest = sealed
            .strip_prefix(MAGIC.as_slice())
            .filter(|rest| rest.len() > NONCE_LEN)
            .ok_or_else(|| Error::Unexpected(anyhow::anyhow!("signing key {kid} is not sealed")))?;
        let (nonce, body) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce)
            .map_err(|_| Error::Unexpected(anyhow::anyhow!("bad nonce")))?;
        let mut body = body.to_vec();
        let plain = self
            .aead()?
            .open_in_place(nonce, Aad::from(kid.as_bytes()), &mut body)
            .map_err(|_| {
                Error::Unexpected(anyhow::anyhow!(
                    "signing key {kid} does not open with this master key (wrong master key?)"
                ))
            })?;
        Ok(plain.to_vec())
    }
}

/// Whether stored key bytes are sealed (rather than plain PKCS#8).
#[must_use]
pub fn is_sealed(stored: &[u8]) -> bool {
    stored.starts_with(MAGIC)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn master() -> MasterKey {
        MasterKey::from_base64(&MasterKey::generate_base64().unwrap()).unwrap()
    }

    #[test]
    fn a_sealed_key_opens_with_the_same_master_key_and_kid_only() {
        let (one, other) = (master(), master());
        let sealed = one.seal("kid-1", b"0\x82private").unwrap();
        assert!(is_sealed(&sealed));
        assert!(!sealed.windows(7).any(|w| w == b"private"));
        assert_eq!(one.open("kid-1", &sealed).unwrap(), b"0\x82private");
        assert!(one.open("kid-2", &sealed).is_err());
        assert!(other.open("kid-1", &sealed).is_err());
        assert!(one.open("kid-1", b"0\x82plain der").is_err());
    }

    #[test]
    fn sealing_twice_gives_different_bytes() {
        let key = master();
        assert_ne!(
            key.seal("k", b"same").unwrap(),
            key.seal("k", b"same").unwrap()
        );
    }

    #[test]
    fn a_master_key_must_be_base64_of_32_bytes() {
        assert!(MasterKey::from_base64("not base64!").is_err());
        assert!(MasterKey::from_base64(&STANDARD.encode([0u8; 16])).is_err());
        assert!(MasterKey::from_base64(&format!("{}\n", STANDARD.encode([7u8; 32]))).is_ok());
        let shown = format!("{:?}", master());
        assert_eq!(shown, "MasterKey([redacted])");
    }
}
