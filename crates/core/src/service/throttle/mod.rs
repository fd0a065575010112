//! Brute-force protection: failed attempts counted in storage (so every instance on one
//! database shares them), a growing delay, then a temporary lockout.
//!
//! Counters (see [`Subject`]): a login name or a client ID *from one source address*, and
//! the source address across names. After `free_attempts` failures each further attempt
//! must wait 1 s, 2 s, 4 s …; after `lockout_after` failures, `lockout_seconds`. Source
//! addresses get `address_factor` times those counts. A locked counter is answered 429
//! `too_many_attempts` with `Retry-After`.
//!
//! Password checks are counted *before* the hash is compared (`password`): however many
//! arrive at once, at most a counter's free attempts run together and then one at a
//! time, so a burst cannot try more passwords than the policy allows. Client secrets are
//! checked first and counted after (a digest comparison costs nothing, and a secret of
//! 320 random bits cannot be guessed): the grant's hot path stays one read, of the key
//! with its client-and-address counter. A right secret is refused only while that pair is
//! locked; the address's counter, read after a wrong secret, refuses wrong ones only.

mod password;
mod subject;

use crate::settings::Lockout;
use crate::store::AttemptRecord;
use crate::{Error, Latchkey, Result};

pub(crate) use password::CheckOutcome;
pub(crate) use subject::{LoginName, Subject};

/// How long attempts must wait after `failures` failures, in seconds; `None`: at once.
pub(crate) fn delay(policy: &Lockout, scale: u32, failures: u32) -> Option<u64> {
    let lockout_after = policy.lockout_after.saturating_mul(scale);
    let free = policy.free_attempts.saturating_mul(scale);
    if policy.lockout_after == 0 || failures <= free {
        return None;
    }
    if failures >= lockout_after {
        return Some(policy.lockout_seconds);
    }
    let doubling = (failures - free - 1).min(30);
    Some((1u64 << doubling).min(policy.lockout_seconds))
}

impl Latchkey {
    /// Refuses with 429 if any of the counters is locked now.
    pub(crate) fn refuse_if_locked<'a>(
        &self,
        counters: impl IntoIterator<Item = &'a AttemptRecord>,
    ) -> Result<()> {
        let now = self.now();
        let until = counters
            .into_iter()
            .filter_map(|c| c.locked_until)
            .filter(|&until| until > now)
            .max();
        match until {
            Some(until) => {
                self.telemetry.lockout();
                Err(Error::TooManyAttempts {
                    retry_after: u64::try_from(until - now).unwrap_or(1),
                })
            }
            None => Ok(()),
        }
    }

    /// Counts a failure against each subject, and delays or locks those past their
    /// free attempts.
    pub(crate) async fn record_failure(&self, subjects: &[Subject<'_>]) -> Result<()> {
        let policy = &self.settings.policies.lockout;
        if policy.lockout_after == 0 {
            return Ok(());
        }
        let now = self.now();
        let window_start =
            now.saturating_sub(i64::try_from(policy.window_seconds).unwrap_or(i64::MAX));
        for subject in subjects {
            let key = subject.key();
            let failures = self
                .store
                .record_failed_attempt(&key, now, window_start)
                .await?;
            if let Some(wait) = delay(policy, subject.scale(policy), failures) {
                let until = now.saturating_add(i64::try_from(wait).unwrap_or(i64::MAX));
                self.store.lock_attempts(&key, until).await?;
                if failures == policy.lockout_after.saturating_mul(subject.scale(policy)) {
                    tracing::warn!(key, seconds = wait, "locked out after repeated failures");
                }
            }
        }
        Ok(())
    }

    /// Forgets a subject's failures after a success (only if it had any).
    pub(crate) async fn clear_failures(
        &self,
        subject: &Subject<'_>,
        counters: &[AttemptRecord],
    ) -> Result<()> {
        // Nearly always nothing has failed: the key is made only when something has.
        if !counters.iter().any(|c| c.failures > 0) {
            return Ok(());
        }
        let key = subject.key();
        if counters.iter().any(|c| c.key == key && c.failures > 0) {
            self.store.clear_attempts(&key).await?;
        }
        Ok(())
    }

    /// Deletes counters that no longer matter (older than the window, not locked).
    ///
    /// # Errors
    ///
    /// Storage errors.
    pub async fn purge_attempts(&self) -> Result<u64> {
        let window =
            i64::try_from(self.settings.policies.lockout.window_seconds).unwrap_or(i64::MAX);
        let window =
            window.max(i64::try_from(self.settings.policies.lockout.lockout_seconds).unwrap_or(0));
        Ok(self
            .store
            .purge_attempts(self.now().saturating_sub(window))
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_grows_then_locks() {
        let policy = Lockout::default();
        let waits: Vec<_> = (1..=11).map(|n| delay(&policy, 1, n)).collect();
        assert_eq!(
            waits,
            [
                None,
                None,
                None,
                None,
                None,
                Some(1),
                Some(2),
                Some(4),
                Some(8),
                Some(900),
                Some(900)
            ]
        );
        assert_eq!(delay(&policy, 5, 25), None);
        assert_eq!(delay(&policy, 5, 50), Some(900));
        let off = Lockout {
            lockout_after: 0,
            ..Lockout::default()
        };
        assert_eq!(delay(&off, 1, 100), None);
    }
}
