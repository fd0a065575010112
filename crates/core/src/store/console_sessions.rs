//! Console sessions: the server-side records behind the account console's cookies.
//!
//! The cookie's value is never stored, only its SHA-256 digest. A session is live while
//! its account is still at the credential generation it was opened at (a password change
//! or a log-out-everywhere moves the account on, ending every console session in the
//! statement that does it), it has been used recently enough (idle timeout) and it is
//! young enough (absolute timeout).

use async_trait::async_trait;

use super::StoreError;
use crate::ids::AccountId;

/// A stored console session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSessionRecord {
    /// SHA-256 of the cookie's value.
    pub digest: Vec<u8>,
    /// The signed-in account.
    pub account_id: AccountId,
    /// The account's credential generation when the password was checked.
    pub credential_generation: i64,
    /// When it was opened (Unix seconds).
    pub created_at: i64,
    /// When it was last used (written at most once per touch interval).
    pub last_seen_at: i64,
}

/// Which sessions count as live at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsoleLiveness {
    /// Sessions last seen before this time have idled out.
    pub seen_since: i64,
    /// Sessions opened before this time are too old.
    pub created_since: i64,
}

/// Storage of console sessions.
#[async_trait]
pub trait ConsoleSessions: Send + Sync {
    /// Stores a session if its account is still at the session's credential generation,
    /// in one statement (a password change that came in between leaves nothing behind);
    /// `Ok(false)`, storing nothing, otherwise.
    async fn insert_console_session(
        &self,
        session: &ConsoleSessionRecord,
    ) -> Result<bool, StoreError>;
    /// The session with this digest if it is live: its account is at its credential
    /// generation and it is within both timeouts. One statement reads all of it.
    async fn live_console_session(
        &self,
        digest: &[u8],
        live: ConsoleLiveness,
    ) -> Result<Option<ConsoleSessionRecord>, StoreError>;
    /// Records that the session was used at `now`.
    async fn touch_console_session(&self, digest: &[u8], now: i64) -> Result<(), StoreError>;
    /// Deletes the session (log out); `Ok(false)` if there was none.
    async fn delete_console_session(&self, digest: &[u8]) -> Result<bool, StoreError>;
    /// Deletes sessions that are no longer live by their times; returns how many went.
    /// (Sessions ended by a new credential generation go once their times run out.)
    async fn purge_console_sessions(&self, live: ConsoleLiveness) -> Result<u64, StoreError>;
}
