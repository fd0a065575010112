//! Upkeep that keeps storage bounded: deleting refresh sessions that ended long ago.
//!
//! Every client-credentials grant opens a session, so a busy service creates millions;
//! without cleanup the table only grows (the failure behind Hydra's 18 GB token
//! tables). Deletion runs in small batches, each its own short transaction, so the
//! token grants writing alongside never wait long behind it.

use crate::{Latchkey, Result};

/// Sessions deleted per statement.
const BATCH: u32 = 1_000;

impl Latchkey {
    /// Deletes the sessions that expired or were revoked more than the configured
    /// retention ago, in batches; returns how many went.
    ///
    /// # Errors
    ///
    /// Storage errors (the sessions deleted before one stay deleted).
    pub async fn purge_ended_sessions(&self) -> Result<u64> {
        // Never before every access token of an ended session or login era has expired:
        // a status-list bit must stay set (across restarts too) while a token names it.
        let lifetimes = &self.settings.policies.lifetimes;
        let retention = self
            .settings
            .policies
            .ended_session_retention
            .max(lifetimes.account_access_max)
            .max(lifetimes.client_access_max);
        let before = self
            .now()
            .saturating_sub(i64::try_from(retention).unwrap_or(i64::MAX));
        let mut total = 0;
        loop {
            let deleted = self.store.purge_ended_sessions(before, BATCH).await?;
            total += deleted;
            if deleted < u64::from(BATCH) {
                break;
            }
            // Let the hot paths have the writer between batches.
            tokio::task::yield_now().await;
        }
        self.store.purge_ended_status_indexes(before).await?;
        if total > 0 {
            tracing::info!(sessions = total, "deleted ended refresh sessions");
        }
        Ok(total)
    }
}
