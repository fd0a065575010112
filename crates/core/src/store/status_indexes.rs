//! Status-list indexes (draft-ietf-oauth-status-list): each refresh session, and each
//! account's current login era, owns one index; the bit at that index says whether the
//! tokens naming it were ended.
//!
//! Indexes come from one counter that only grows, reserved in blocks, so an index is
//! never handed out twice, on one instance or several. The bits are not stored apart:
//! a session's bit is set by the revocation that sets its `revoked_at` (so every path
//! that ends a session sets it, in the same statement), and a login era's by the
//! password change or log-out everywhere that ends it (recorded, in the same
//! transaction, in the ended eras).

use async_trait::async_trait;

use super::StoreError;

/// What changed in the status lists since a time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusChanges {
    /// The first index never reserved: lists below it exist.
    pub reserved_until: u64,
    /// The indexes whose tokens were ended at or after the time asked about.
    pub ended: Vec<u64>,
}

/// Storage of status-list indexes.
#[async_trait]
pub trait StatusIndexes: Send + Sync {
    /// Atomically reserves `count` consecutive indexes that no caller, on any instance,
    /// was or will be given, and returns the first.
    async fn reserve_status_indexes(&self, count: u64) -> Result<u64, StoreError>;
    /// The first index never reserved, and the indexes ended (sessions revoked, login
    /// eras ended) at or after `since` (Unix seconds; `i64::MIN` for all of them).
    async fn status_changes(&self, since: i64) -> Result<StatusChanges, StoreError>;
    /// Deletes the records of login eras that ended before `before`; returns how many.
    async fn purge_ended_status_indexes(&self, before: i64) -> Result<u64, StoreError>;
}
