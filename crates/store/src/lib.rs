//! Storage for Latchkey: [`latchkey_core::Store`] on SQLite and PostgreSQL.
//!
//! # Layout
//!
//! - [`open`] picks the backend from the database URL (`sqlite:…` or `postgres://…`),
//!   connects and runs that backend's migrations; nothing else looks at the URL.
//! - `sql`: the store, written once for both backends — [`SqlStore`] and one module per
//!   resource (accounts, client keys, sessions, signing keys, attempts, audit), each with
//!   its SQL, its columns and its row decoding.
//! - `db`: the one place where the backends differ in how a statement runs (pools,
//!   transactions, rows, arguments); `errors` maps database errors to `StoreError`.
//! - `sqlite` and `postgres`: how each backend is opened — connection settings, pools,
//!   SQLite's checkpointer, how rotations are grouped.
//! - `migrate`: each backend's migrations, embedded in the binary.
//! - `batch`: group commit of session inserts and rotations.
//! - `pool_usage`: [`open_with_probe`], connection-pool use for the metrics.

mod batch;
mod db;
mod errors;
mod migrate;
mod pool_usage;
mod postgres;
mod sql;
mod sqlite;

use std::sync::Arc;
use std::time::Duration;

pub use pool_usage::{PoolProbe, PoolUsage, open_with_probe};
pub use sql::SqlStore;

/// Connection-pool settings.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Most connections the pool opens (readers, for SQLite; the writer is one more).
    pub max_connections: u32,
    /// How long a request waits for a free connection before failing with 503.
    pub acquire_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(3),
        }
    }
}

/// Connects to the database at `url`, runs its migrations and returns the store.
///
/// `sqlite:PATH` (or `sqlite://PATH`) opens or creates an SQLite file;
/// `postgres://…` connects to PostgreSQL.
///
/// # Errors
///
/// If the URL's scheme is not supported, the database cannot be reached, or a
/// migration fails.
pub async fn open(url: &str, options: &StoreOptions) -> anyhow::Result<Arc<SqlStore>> {
    let pools = if url.starts_with("sqlite:") {
        sqlite::open(url, options).await?
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        postgres::open(url, options).await?
    } else {
        anyhow::bail!("unsupported database URL (expected sqlite:PATH or postgres://…)")
    };
    Ok(Arc::new(SqlStore::new(pools)))
}
