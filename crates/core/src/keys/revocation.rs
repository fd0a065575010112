//! Revocation: `latchkeyd keys revoke KID` withdraws a key at any stage of its life,
//! after a suspected compromise.
//!
//! A revoked key is neither published nor trusted, by this process at once and by every
//! other instance on the database at its next key reload. Storage applies a revocation
//! in one transaction with what keeps the service signing: a stand-in key when the
//! revoked key was signing, or the reinstatement of the signing key when the revoked key
//! was only scheduled to replace it.

use super::{KeyRing, new_record, schedule};
use crate::service::EventKind;
use crate::store::KeyRevocation;
use crate::{Error, Result};

/// What `latchkeyd keys revoke` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revocation {
    /// The key is revoked. If it was signing, `successor` is the new key signing now.
    Revoked {
        /// The key that took over signing, if the revoked key was the signing key.
        successor: Option<String>,
    },
    /// The key had been revoked before; nothing changed.
    AlreadyRevoked,
}

impl KeyRing {
    /// Revokes key `kid` (after a suspected compromise): from now on it is neither
    /// published nor trusted, here at once and on every other instance at its next
    /// reload. If it was the signing key, a new key signs from now (until the scheduled
    /// successor, if any, activates); if it was the scheduled successor, the signing key
    /// no longer retires and the next rotation is planned as usual.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown key id, storage errors, or
    /// [`Error::Unexpected`] if key generation fails.
    pub async fn revoke(&self, kid: &str) -> Result<Revocation> {
        let now = self.clock.now();
        let records = self.store.signing_keys().await?;
        let record = records
            .iter()
            .find(|r| r.kid == kid)
            .ok_or(Error::NotFound("signing key"))?;
        if record.revoked_at.is_some() {
            return Ok(Revocation::AlreadyRevoked);
        }
        // The plan is made from this read. A rotation committed by another instance
        // between it and the revocation would leave the stand-in without a retirement
        // time (it would stop signing at the rotation but stay published until revoked);
        // both events are rare, and `keys list` would show it as retired.
        let signing = schedule::current(&records, now).is_some_and(|c| c.kid == kid);
        let successor = if signing {
            let mut key = new_record(&self.options, now, now)?;
            if let Some(plan) = schedule::stand_in_plan(&records, now, &self.options.policy) {
                key.retires_at = Some(plan.activates_at);
                key.expires_at = Some(plan.retiring_expires_at);
            }
            Some(key)
        } else {
            None
        };
        let revocation = KeyRevocation {
            kid,
            at: now,
            successor: successor.as_ref(),
            reinstate_retiring_at: (record.activates_at > now).then_some(record.activates_at),
        };
        if !self.store.revoke_signing_key(&revocation).await? {
            // Another operator revoked it between the read and the write.
            return Ok(Revocation::AlreadyRevoked);
        }
        let stage = schedule::stage(record, signing.then_some(kid), now);
        tracing::warn!(kid, stage = stage.as_str(), "revoked a signing key");
        self.audit(
            EventKind::SigningKeyRevoked,
            format!("kid {kid}, was {}", stage.as_str()),
        )
        .await;
        if let Some(key) = &successor {
            tracing::info!(kid = key.kid, algorithm = %key.algorithm, "a new signing key took over from the revoked one");
            self.audit(
                EventKind::SigningKeyRotated,
                format!("kid {}, signs from {now}, replacing revoked {kid}", key.kid),
            )
            .await;
        }
        self.reload().await?;
        Ok(Revocation::Revoked {
            successor: successor.map(|k| k.kid),
        })
    }
}
