//! Failed-attempt counters, for brute-force protection.

use async_trait::async_trait;

use super::StoreError;

/// Failed attempts counted against one key (an account, a login name, a source
/// address or a client ID), for brute-force protection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttemptRecord {
    /// What the failures are counted against, e.g. `account:ID`.
    pub key: String,
    /// Failures in the current window.
    pub failures: u32,
    /// Until when attempts are refused, if they are.
    pub locked_until: Option<i64>,
}

/// A counter as a password check reads and rewrites it (see [`Attempts::update_attempts`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttemptCounter {
    /// What the failures are counted against.
    pub key: String,
    /// Failures in the current window.
    pub failures: u32,
    /// Until when attempts are refused, if they are.
    pub locked_until: Option<i64>,
    /// When the counter last changed (a window starts afresh after a quiet one).
    pub updated_at: i64,
    /// Password checks running now.
    pub checking: u32,
    /// When the running checks stop counting (if their instance stopped).
    pub checking_until: Option<i64>,
}

/// Storage of failed-attempt counters.
#[async_trait]
pub trait Attempts: Send + Sync {
    /// Counts one more failure for `key` (starting afresh if its last failure was
    /// before `window_start`); returns the count.
    async fn record_failed_attempt(
        &self,
        key: &str,
        now: i64,
        window_start: i64,
    ) -> Result<u32, StoreError>;
    /// Refuses attempts for `key` until `until`.
    async fn lock_attempts(&self, key: &str, until: i64) -> Result<(), StoreError>;
    /// Forgets `key`'s failures.
    async fn clear_attempts(&self, key: &str) -> Result<(), StoreError>;
    /// Reads the counters of `keys` (an absent one as a fresh counter), lets `change`
    /// rewrite them, and writes them back, in one transaction that holds them locked:
    /// concurrent changes of one counter happen one after the other. A counter left with
    /// nothing to remember is deleted.
    async fn update_attempts(
        &self,
        keys: &[String],
        change: &mut (dyn for<'c> FnMut(&'c mut [AttemptCounter]) + Send),
    ) -> Result<(), StoreError>;
    /// Counts one more running password check on each counter of `keys`, in one
    /// statement, and returns the counters as they now are (one per key, in no particular
    /// order). An absent counter starts at one check; in one that exists, failures last
    /// counted before `window_start` and checks whose hold ended by `now` are forgotten
    /// first. The checks are held until `hold_until`. Concurrent calls on one counter
    /// happen one after the other, so each sees the checks counted before it.
    async fn add_checks(
        &self,
        keys: &[String],
        now: i64,
        hold_until: i64,
        window_start: i64,
    ) -> Result<Vec<AttemptCounter>, StoreError>;
    /// Takes one running check off each counter of `keys` (none are left once their hold
    /// ended by `now`) and forgets the failures of those of them in `forget` (and any
    /// counted before `window_start`), in one statement. Counters left with nothing to
    /// remember stay until [`Attempts::purge_attempts`].
    async fn remove_checks(
        &self,
        keys: &[String],
        forget: &[String],
        now: i64,
        window_start: i64,
    ) -> Result<(), StoreError>;
    /// Deletes counters last touched before `before` and not locked past it.
    async fn purge_attempts(&self, before: i64) -> Result<u64, StoreError>;
}
