//! The key ring's upkeep: scheduled and operator rotations, and their audit events.

use super::{KeyRing, Plan, Rotated, new_record, schedule};
use crate::Result;
use crate::audit::EventKind;
use crate::store::AuditRecord;

impl KeyRing {
    /// The periodic upkeep: publishes the next key when a rotation is due, deletes
    /// retired keys that nothing can need any more, and reloads. Returns the rotation
    /// it made, if any (`None` also when another instance made it first).
    ///
    /// # Errors
    ///
    /// Storage errors, or [`crate::Error::Unexpected`] if key generation fails.
    pub async fn maintain(&self) -> Result<Option<Rotated>> {
        let now = self.clock.now();
        let records = self.store.signing_keys().await?;
        let rotated = match schedule::due_rotation(&records, now, &self.options.policy) {
            Some(plan) => self.rotate_with(plan).await?,
            None => None,
        };
        for record in &records {
            let Some((from, to)) = schedule::prune_window(record, now, &self.options.policy) else {
                continue;
            };
            if !self
                .store
                .live_sessions_signed_between(from, to, now)
                .await?
                && self.store.delete_signing_key(&record.kid).await?
            {
                tracing::info!(kid = record.kid, "deleted a retired signing key");
            }
        }
        self.reload().await?;
        Ok(rotated)
    }

    /// Rotates by hand: publishes a new key that starts signing one overlap (the
    /// longest access-token lifetime) from now, or at once with `immediately` (after a
    /// suspected compromise; resource services then fetch it on the first unknown
    /// `kid`). If a successor is already scheduled, `immediately` brings it forward and
    /// otherwise nothing changes.
    ///
    /// # Errors
    ///
    /// Storage errors, or [`crate::Error::Unexpected`] if key generation fails.
    pub async fn rotate(&self, immediately: bool) -> Result<Option<Rotated>> {
        let now = self.clock.now();
        let policy = self.options.policy;
        let records = self.store.signing_keys().await?;
        let after = if immediately { 0 } else { policy.overlap };
        let plan = Plan::starting(now, after, &policy);
        let rotated = match schedule::scheduled(&records, now) {
            Some(next) if immediately => {
                let advanced = self
                    .store
                    .advance_signing_key(&next.kid, now, plan.retiring_expires_at)
                    .await?;
                if advanced {
                    self.audit(
                        EventKind::SigningKeyRotated,
                        format!("kid {}, signs from {now}", next.kid),
                    )
                    .await;
                }
                advanced.then(|| Rotated {
                    kid: next.kid.clone(),
                    activates_at: now,
                })
            }
            Some(_) => None,
            None => self.rotate_with(plan).await?,
        };
        self.reload().await?;
        Ok(rotated)
    }

    /// Records a key event in the audit trail (a storage error is logged).
    pub(super) async fn audit(&self, kind: EventKind, detail: String) {
        let event = AuditRecord {
            id: 0,
            at: self.clock.now(),
            kind: kind.as_str().to_owned(),
            account_id: None,
            client_id: None,
            source: None,
            detail: Some(detail),
        };
        if let Err(err) = self.store.insert_audit_event(&event).await {
            tracing::error!(error = %err, kind = kind.as_str(), "could not record a signing-key event in the audit trail");
        }
    }

    pub(super) async fn rotate_with(&self, plan: Plan) -> Result<Option<Rotated>> {
        let now = self.clock.now();
        let next = new_record(&self.options, now, plan.activates_at)?;
        if !self
            .store
            .rotate_signing_key(&next, now, plan.retiring_expires_at)
            .await?
        {
            return Ok(None);
        }
        tracing::info!(
            kid = next.kid,
            activates_at = plan.activates_at,
            algorithm = %next.algorithm,
            "published the next signing key"
        );
        self.audit(
            EventKind::SigningKeyRotated,
            format!("kid {}, signs from {}", next.kid, plan.activates_at),
        )
        .await;
        Ok(Some(Rotated {
            kid: next.kid,
            activates_at: plan.activates_at,
        }))
    }
}
