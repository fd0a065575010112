//! Signing keys: the service's private keys and their schedule.

use async_trait::async_trait;
use latchkey_verify::Algorithm;

use super::StoreError;

/// A stored signing key.
#[derive(Debug, Clone)]
pub struct SigningKeyRecord {
    /// Key id: the RFC 7638 thumbprint of the public key.
    pub kid: String,
    /// The algorithm.
    pub algorithm: Algorithm,
    /// The private key, PKCS#8 DER.
    pub private_key: Vec<u8>,
    /// Creation time.
    pub created_at: i64,
    /// When the key starts signing (it is published from creation).
    pub activates_at: i64,
    /// When the key stops signing, if scheduled.
    pub retires_at: Option<i64>,
    /// When the key stops being published, if scheduled.
    pub expires_at: Option<i64>,
}

/// Storage of signing keys.
#[async_trait]
pub trait SigningKeys: Send + Sync {
    /// Every stored signing key.
    async fn signing_keys(&self) -> Result<Vec<SigningKeyRecord>, StoreError>;
    /// Adds a signing key.
    async fn insert_signing_key(&self, key: &SigningKeyRecord) -> Result<(), StoreError>;
    /// Schedules a rotation, atomically: every key signing at `now` (active, not
    /// retired) retires at `next.activates_at` and leaves the JWKS at
    /// `retiring_expires_at`, and `next` is added. Returns `false`, changing nothing, if
    /// no key was left to retire (another instance rotated first).
    async fn rotate_signing_key(
        &self,
        next: &SigningKeyRecord,
        now: i64,
        retiring_expires_at: i64,
    ) -> Result<bool, StoreError>;
    /// Brings a scheduled key forward to sign from `now`, retiring the keys signing now
    /// as [`SigningKeys::rotate_signing_key`] does. Returns `false` if the key was not
    /// scheduled (anymore).
    async fn advance_signing_key(
        &self,
        kid: &str,
        now: i64,
        retiring_expires_at: i64,
    ) -> Result<bool, StoreError>;
    /// Replaces a key's stored private key (to encrypt it at rest).
    async fn reseal_signing_key(&self, kid: &str, private_key: &[u8]) -> Result<(), StoreError>;
    /// Deletes a key; returns whether it existed.
    async fn delete_signing_key(&self, kid: &str) -> Result<bool, StoreError>;
}
