//! The storage boundary: one trait per resource, and [`Store`], their sum.
//!
//! Operations are at the grain of the domain, not of tables, so that each backend can
//! make them atomic its own way (a transaction with row locks on PostgreSQL, a write
//! transaction on SQLite). Times are Unix seconds. A new resource adds a file here with
//! its records and its trait, and one more bound on [`Store`] (see docs/ARCHITECTURE.md).

mod accounts;
mod attempts;
mod audit;
mod client_keys;
mod console_sessions;
mod sessions;
mod signing_keys;
mod status_indexes;

use async_trait::async_trait;

pub use accounts::{AccountRecord, Accounts};
pub use attempts::{AttemptCounter, AttemptRecord, Attempts};
pub use audit::{Audit, AuditQuery, AuditRecord};
pub use client_keys::{ClientKeyRecord, ClientKeys, KeyLimits, PreviousSecret};
pub use console_sessions::{ConsoleLiveness, ConsoleSessionRecord, ConsoleSessions};
pub use sessions::{IssuedAccess, SessionGuard, SessionRecord, Sessions, TokenStanding};
pub use signing_keys::{KeyRevocation, SigningKeyRecord, SigningKeys};
pub use status_indexes::{StatusChanges, StatusIndexes};

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness constraint refused the write (e.g. an email already registered).
    #[error("already exists")]
    Conflict,
    /// The database cannot be reached (connection refused, pool timed out, …).
    #[error("database unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// Any other failure.
    #[error("database error")]
    Other(#[source] anyhow::Error),
}

/// Whether the database answers.
#[async_trait]
pub trait Health: Send + Sync {
    /// Checks that the database answers.
    async fn ping(&self) -> Result<(), StoreError>;
}

/// Storage, as the domain needs it: every resource's trait. Implemented by
/// `latchkey-store` for SQLite and PostgreSQL; anything that implements each resource's
/// trait is a `Store`.
pub trait Store:
    Health
    + Accounts
    + ClientKeys
    + Sessions
    + SigningKeys
    + Attempts
    + Audit
    + ConsoleSessions
    + StatusIndexes
    + 'static
{
}

impl<T> Store for T where
    T: Health
        + Accounts
        + ClientKeys
        + Sessions
        + SigningKeys
        + Attempts
        + Audit
        + ConsoleSessions
        + StatusIndexes
        + 'static
{
}
