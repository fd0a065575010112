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

/// Storage of failed-attempt counters.
#[async_trait]
pub trait Attempts: Send + Sync {
    /// The failed-attempt counters of `keys` (absent keys have none).
    async fn attempts(&self, keys: &[String]) -> Result<Vec<AttemptRecord>, StoreError>;
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
    /// Deletes counters last touched before `before` and not locked past it.
    async fn purge_attempts(&self, before: i64) -> Result<u64, StoreError>;
}
