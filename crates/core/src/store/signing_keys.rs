//! Signing keys: the service's private keys and their schedule.

use std::fmt;

use async_trait::async_trait;
use latchkey_verify::Algorithm;

use super::StoreError;

/// A stored signing key. Its `Debug` leaves the private key out.
#[derive(Clone)]
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
    /// When an operator revoked the key (`latchkeyd keys revoke`): from then on it is
    /// neither published nor trusted, whatever its schedule says.
    pub revoked_at: Option<i64>,
}

impl fmt::Debug for SigningKeyRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKeyRecord")
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm)
            .field("private_key", &"[redacted]")
            .field("created_at", &self.created_at)
            .field("activates_at", &self.activates_at)
            .field("retires_at", &self.retires_at)
            .field("expires_at", &self.expires_at)
            .field("revoked_at", &self.revoked_at)
            .finish()
    }
}

/// A revocation, which storage applies in one transaction.
#[derive(Debug, Clone, Copy)]
pub struct KeyRevocation<'a> {
    /// The key revoked.
    pub kid: &'a str,
    /// When.
    pub at: i64,
    /// The key that takes over signing at once, when the revoked key was the signing one.
    pub successor: Option<&'a SigningKeyRecord>,
    /// When the revoked key was only scheduled, its activation time: the keys that were
    /// to retire then (the ones signing now) no longer retire.
    pub reinstate_retiring_at: Option<i64>,
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
    /// Revokes a key: marks it revoked at `at` (and, for readers that predate
    /// revocation, ends its signing and its publication at `at`), adds the successor and
    /// reinstates the keys it was to replace, all in one transaction. Returns `false`,
    /// changing nothing, if the key does not exist or is already revoked.
    async fn revoke_signing_key(&self, revocation: &KeyRevocation<'_>) -> Result<bool, StoreError>;
    /// Deletes a key; returns whether it existed.
    async fn delete_signing_key(&self, kid: &str) -> Result<bool, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_leaves_the_private_key_out() {
        let record = SigningKeyRecord {
            kid: "k1".into(),
            algorithm: Algorithm::EdDSA,
            private_key: vec![0x30, 0x2e, 0xde, 0xad],
            created_at: 1,
            activates_at: 1,
            retires_at: None,
            expires_at: None,
            revoked_at: Some(2),
        };
        let shown = format!("{record:?}");
        assert!(shown.contains("[redacted]") && shown.contains("revoked_at: Some(2)"));
        assert!(!shown.contains("48") && !shown.contains("222"), "{shown}");
    }
}
