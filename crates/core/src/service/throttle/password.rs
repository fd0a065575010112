//! Password checks under the lockout, counted before the hash is compared.
//!
//! [`Latchkey::begin_password_check`] counts the check as running on each counter of the
//! attempt, in one statement (`Attempts::add_checks`), and lets it run only if, besides
//! itself, none is locked and each still has room: while a counter's failures and
//! other running checks are below its free attempts, checks run side by side; past them,
//! one at a time (each failure then sets the next delay before another check may start).
//! A refused check is taken back at once (`Attempts::remove_checks`); until then it is
//! counted against the others, which can only make them refuse, never let more run. The
//! check is counted as running until [`Latchkey::end_password_check`] records how it
//! went. So 150 wrong passwords sent at once cost at most the free attempts' worth of
//! hashes, and the rest are answered 429 without any.
//!
//! A login's check costs two statements, one before the hash and one after it, each its
//! own transaction; only a failure, whose delay the policy sets, reads and rewrites the
//! counters in a transaction (`Attempts::update_attempts`).

use std::collections::HashMap;
use std::sync::Arc;

use super::{Subject, delay};
use crate::settings::Lockout;
use crate::store::{AttemptCounter, Store};
use crate::{Error, Latchkey, Result};

/// How long a running check counts if it never ends (its instance stopped mid-check).
const CHECK_HOLD_SECONDS: i64 = 60;

/// A password check that the lockout let start; end it with
/// [`Latchkey::end_password_check`]. One dropped unended (its request was cancelled: the
/// client went away mid-check) stops counting as running at once, from a task of its
/// own, rather than after [`CHECK_HOLD_SECONDS`].
#[must_use = "a check counts as running until it is ended"]
#[derive(Default)]
pub(crate) struct PasswordCheck {
    /// Each counter's key, with its scale and whether a success forgets its failures.
    counters: HashMap<String, (u32, bool)>,
    /// What a drop before the end needs to take the check back.
    unended: Option<Unended>,
}

/// What a dropped check is taken back with: the storage, and the times it was begun at.
struct Unended {
    store: Arc<dyn Store>,
    now: i64,
    window_start: i64,
}

impl std::fmt::Debug for PasswordCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordCheck")
            .field("counters", &self.counters)
            .field("ended", &self.unended.is_none())
            .finish()
    }
}

impl Drop for PasswordCheck {
    fn drop(&mut self) {
        let Some(Unended {
            store,
            now,
            window_start,
        }) = self.unended.take()
        else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let keys: Vec<String> = self.counters.keys().cloned().collect();
        runtime.spawn(async move {
            let taken_back = store.remove_checks(&keys, &[], now, window_start).await;
            if let Err(err) = taken_back {
                tracing::warn!(error = %err, "could not take back a cancelled password check");
            }
        });
    }
}

/// How a password check went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CheckOutcome {
    /// The password was right.
    Succeeded,
    /// The password was wrong (or named no account).
    Failed,
    /// The check did not happen (the hashing queue was full, storage failed).
    Abandoned,
}

impl AttemptCounter {
    /// Forgets failures older than the window and running checks past their hold.
    fn refresh(&mut self, now: i64, window_start: i64) {
        if self.updated_at < window_start {
            self.failures = 0;
            self.locked_until = None;
        }
        if self.checking_until.is_none_or(|until| until <= now) {
            self.checking = 0;
            self.checking_until = None;
        }
    }
}

impl Latchkey {
    /// Counts a password check against `subjects` before it runs.
    ///
    /// # Errors
    ///
    /// [`Error::TooManyAttempts`] if a counter is locked, or past its free attempts with
    /// another check still running; storage errors.
    pub(crate) async fn begin_password_check(
        &self,
        subjects: &[Subject<'_>],
    ) -> Result<PasswordCheck> {
        let policy = self.settings.policies.lockout.clone();
        if policy.lockout_after == 0 {
            return Ok(PasswordCheck::default());
        }
        let counters: HashMap<String, (u32, bool)> = subjects
            .iter()
            .map(|s| (s.key(), (s.scale(&policy), s.forgotten_on_success())))
            .collect();
        let (now, window_start) = (self.now(), self.window_start());
        let store = Arc::clone(&self.store);
        // Counted in a task of its own: a request cancelled while the count commits (its
        // client went away) must not leave a check counted that no one will end. If the
        // caller is gone when it is counted, the check is dropped there, which takes it
        // back.
        let (sender, receiver) = tokio::sync::oneshot::channel();
        tokio::spawn(async move {
            let counted = count_check(store, counters, &policy, now, window_start).await;
            drop(sender.send(counted));
        });
        let counted = receiver.await.map_err(|_| {
            Error::Unexpected(anyhow::anyhow!("the password check's count was lost"))
        })?;
        if let Err(Error::TooManyAttempts { .. }) = &counted {
            self.telemetry.lockout();
        }
        counted
    }

    /// Records how a check begun with [`Latchkey::begin_password_check`] went: a failure
    /// counts, and delays or locks the counters past their free attempts; a success
    /// forgets the name's failures.
    ///
    /// # Errors
    ///
    /// Storage errors.
    pub(crate) async fn end_password_check(
        &self,
        mut check: PasswordCheck,
        outcome: CheckOutcome,
    ) -> Result<()> {
        if check.counters.is_empty() {
            return Ok(());
        }
        let policy = self.settings.policies.lockout.clone();
        let (now, window_start) = (self.now(), self.window_start());
        let store = Arc::clone(&self.store);
        let counters = std::mem::take(&mut check.counters);
        // Ended in a task of its own, which runs to the end even if this request is
        // cancelled meanwhile: nothing is left for the drop to take back.
        check.unended = None;
        let ended = tokio::spawn(async move {
            record_outcome(store, &counters, &policy, outcome, now, window_start).await
        });
        ended
            .await
            .map_err(|err| Error::Unexpected(anyhow::anyhow!("ending a password check: {err}")))?
    }

    /// Failures before this time are forgotten.
    pub(super) fn window_start(&self) -> i64 {
        let window =
            i64::try_from(self.settings.policies.lockout.window_seconds).unwrap_or(i64::MAX);
        self.now().saturating_sub(window)
    }
}

/// Counts a check against each counter of `counters`, and takes it back if one of them
/// refuses it.
async fn count_check(
    store: Arc<dyn Store>,
    counters: HashMap<String, (u32, bool)>,
    policy: &Lockout,
    now: i64,
    window_start: i64,
) -> Result<PasswordCheck> {
    let keys: Vec<String> = counters.keys().cloned().collect();
    let counted = store
        .add_checks(&keys, now, now + CHECK_HOLD_SECONDS, window_start)
        .await?;
    let wait = counted
        .iter()
        .filter_map(|counter| {
            let scale = counters.get(&counter.key).map_or(1, |c| c.0);
            refusal(counter, policy.free_attempts.saturating_mul(scale), now)
        })
        .max();
    if let Some(retry_after) = wait {
        store.remove_checks(&keys, &[], now, window_start).await?;
        return Err(Error::TooManyAttempts {
            retry_after: retry_after.max(1),
        });
    }
    Ok(PasswordCheck {
        counters,
        unended: Some(Unended {
            store,
            now,
            window_start,
        }),
    })
}

/// Whether `counter`, with this check counted among its running ones, refuses it, and
/// for how many seconds: while it is locked, or while it is past its `free` attempts
/// (failures and the other running checks) with another check still running.
fn refusal(counter: &AttemptCounter, free: u32, now: i64) -> Option<u64> {
    if let Some(until) = counter.locked_until.filter(|&until| until > now) {
        return Some(u64::try_from(until - now).unwrap_or(1));
    }
    let others = counter.checking.saturating_sub(1);
    (counter.failures.saturating_add(others) >= free && others > 0).then_some(1)
}

/// Records how a check went on each counter of `counters`: a failure counts, and delays
/// or locks the counters past their free attempts; a success forgets the name's failures.
async fn record_outcome(
    store: Arc<dyn Store>,
    counters: &HashMap<String, (u32, bool)>,
    policy: &Lockout,
    outcome: CheckOutcome,
    now: i64,
    window_start: i64,
) -> Result<()> {
    let forget: Vec<String> = match outcome {
        CheckOutcome::Failed => {
            return record_failure(store, counters, policy, now, window_start).await;
        }
        CheckOutcome::Succeeded => counters
            .iter()
            .filter(|(_, (_, forgotten))| *forgotten)
            .map(|(key, _)| key.clone())
            .collect(),
        CheckOutcome::Abandoned => Vec::new(),
    };
    let keys: Vec<String> = counters.keys().cloned().collect();
    Ok(store
        .remove_checks(&keys, &forget, now, window_start)
        .await?)
}

/// Records a failed check: each counter counts it, and is delayed or locked past its
/// free attempts.
async fn record_failure(
    store: Arc<dyn Store>,
    counters: &HashMap<String, (u32, bool)>,
    policy: &Lockout,
    now: i64,
    window_start: i64,
) -> Result<()> {
    let keys: Vec<String> = counters.keys().cloned().collect();
    store
        .update_attempts(&keys, &mut |found| {
            for counter in found.iter_mut() {
                counter.refresh(now, window_start);
                counter.checking = counter.checking.saturating_sub(1);
                counter.failures = counter.failures.saturating_add(1);
                counter.updated_at = now;
                let scale = counters.get(&counter.key).map_or(1, |c| c.0);
                if let Some(wait) = delay(policy, scale, counter.failures) {
                    let wait = i64::try_from(wait).unwrap_or(i64::MAX);
                    counter.locked_until = Some(now.saturating_add(wait));
                    if counter.failures == policy.lockout_after.saturating_mul(scale) {
                        tracing::warn!(
                            key = counter.key,
                            seconds = wait,
                            "locked out after repeated failures"
                        );
                    }
                }
            }
        })
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counter(failures: u32, checking: u32, locked_until: Option<i64>) -> AttemptCounter {
        AttemptCounter {
            key: "account:a@203.0.113.7".into(),
            failures,
            locked_until,
            updated_at: 100,
            checking,
            checking_until: Some(160),
        }
    }

    #[test]
    fn a_check_is_refused_for_the_others_it_finds_never_for_itself() {
        // Its own check is counted in `checking`: alone, it always runs.
        assert_eq!(refusal(&counter(0, 1, None), 5, 100), None);
        assert_eq!(refusal(&counter(9, 1, None), 5, 100), None);
        // Side by side while failures and the other checks stay under the free attempts.
        assert_eq!(refusal(&counter(2, 3, None), 5, 100), None);
        assert_eq!(refusal(&counter(3, 3, None), 5, 100), Some(1));
        assert_eq!(refusal(&counter(0, 6, None), 5, 100), Some(1));
        // A lock refuses for its remaining time, and no longer once it is over.
        assert_eq!(refusal(&counter(0, 1, Some(130)), 5, 100), Some(30));
        assert_eq!(refusal(&counter(0, 1, Some(100)), 5, 100), None);
    }
}
