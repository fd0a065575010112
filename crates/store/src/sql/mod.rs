//! The store, written once for both backends: [`SqlStore`] and one module per resource,
//! each holding that resource's SQL, its columns and its row decoding.
//!
//! A store has a `write` and a `read` pool (SQLite: its single writer beside a pool of
//! readers; PostgreSQL: one pool under both names), a `counters` pool for the lockout's
//! counters (SQLite: the writer; PostgreSQL: a few connections whose commits do not wait
//! for the disk), and two group-commit queues
//! (`crate::batch`) for the hottest writes: session inserts and rotations.

mod accounts;
mod attempts;
mod audit;
mod client_keys;
mod console_sessions;
mod key_limits;
mod session_batches;
mod sessions;
mod signing_keys;
mod status_indexes;

use async_trait::async_trait;
use latchkey_core::ids::AccountId;
use latchkey_core::store::{Health, SessionGuard, SessionRecord};
use latchkey_core::{Scope, StoreError};

use crate::batch::Batcher;
use crate::db::{Db, Sql};
use crate::errors::corrupt;
use crate::pool_usage::{PoolProbe, PoolUsage};
pub(crate) use session_batches::{Rotation, RotationBatches};

/// The SQLite and PostgreSQL implementation of [`latchkey_core::Store`].
#[derive(Debug)]
pub struct SqlStore {
    write: Db,
    read: Db,
    /// Where the lockout's counters are written (see [`Pools::counters`]).
    counters: Db,
    /// The pools the metrics report, by name.
    probed: Vec<(&'static str, Db)>,
    sessions: Batcher<(SessionRecord, SessionGuard), bool>,
    rotations: Batcher<Rotation, Option<SessionRecord>>,
    /// Client keys' limits once read (see `key_limits`).
    key_limits: key_limits::KnownLimits,
    /// Whatever else the backend keeps running while the store lives (SQLite's
    /// checkpointer).
    _companion: Option<Box<dyn std::fmt::Debug + Send + Sync>>,
}

/// How a backend's pools are laid out, as its opener hands them to [`SqlStore::new`].
pub(crate) struct Pools {
    /// Where writes go.
    pub(crate) write: Db,
    /// Where reads go.
    pub(crate) read: Db,
    /// Where the lockout's counters are written: state that may lose its last changes in
    /// a database crash, whose rows are locked by every login from one address, so a
    /// commit must not hold them for an fsync's time. PostgreSQL: connections with
    /// `synchronous_commit` off; SQLite under `synchronous = NORMAL` commits every write
    /// so already, and its writer serves.
    pub(crate) counters: Db,
    /// The pools the metrics report, by name.
    pub(crate) probed: Vec<(&'static str, Db)>,
    /// How rotations are grouped.
    pub(crate) rotations: RotationBatches,
    /// Kept alive with the store.
    pub(crate) companion: Option<Box<dyn std::fmt::Debug + Send + Sync>>,
}

impl SqlStore {
    /// The store on `pools`, with its group-commit writers started.
    pub(crate) fn new(pools: Pools) -> Self {
        let sessions = Batcher::spawn({
            let write = pools.write.clone();
            move |rows| session_batches::insert_sessions(write.clone(), rows)
        });
        let rotations = Batcher::spawn({
            let write = pools.write.clone();
            let strategy = pools.rotations;
            move |batch| session_batches::rotate_sessions(write.clone(), strategy, batch)
        });
        Self {
            write: pools.write,
            read: pools.read,
            counters: pools.counters,
            probed: pools.probed,
            sessions,
            rotations,
            key_limits: key_limits::KnownLimits::default(),
            _companion: pools.companion,
        }
    }
}

#[async_trait]
impl Health for SqlStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.read.execute(Sql::new("SELECT 1")).await.map(drop)
    }
}

impl PoolProbe for SqlStore {
    fn pool_usage(&self) -> Vec<PoolUsage> {
        self.probed
            .iter()
            .map(|(name, db)| db.usage(name))
            .collect()
    }
}

/// An account id as stored.
fn account_id(text: &str) -> Result<AccountId, StoreError> {
    AccountId::parse(text).ok_or_else(|| corrupt("account id"))
}

/// A scope as stored (space-separated).
fn scope(text: &str) -> Result<Scope, StoreError> {
    Scope::parse(text).map_err(|_| corrupt("scope"))
}
