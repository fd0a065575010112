//! Storage for Latchkey: the SQLite and PostgreSQL implementations of
//! [`latchkey_core::Store`].
//!
//! # Layout
//!
//! - [`open`] picks the backend from the database URL (`sqlite:…` or `postgres://…`),
//!   connects and runs that backend's migrations.
//! - `sqlite`: the embedded default, one write connection and a pool of readers (WAL).
//! - `postgres`: several instances on one database; atomicity by transactions and row locks.
//! - `migrate`: each backend's migrations, embedded in the binary.
//! - `pool_usage`: [`open_with_probe`], connection-pool use for the metrics.
//! - `batch`: group commit of session inserts (one multi-row insert per batch) and of
//!   rotations (one transaction per batch, one compare-and-set `UPDATE` each);
//!   `batch_writes` holds their SQL.
//! - `store_impl`: the one body of `Store`, stamped for each backend.
//! - `rows` and `errors`: row decoding and error mapping shared by both backends.

mod batch;
mod batch_writes;
mod errors;
mod migrate;
mod pool_usage;
mod postgres;
mod rows;
mod sqlite;
mod store_impl;

use std::sync::Arc;
use std::time::Duration;

use latchkey_core::Store;

pub use pool_usage::{PoolProbe, PoolUsage, open_with_probe};
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

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
pub async fn open(url: &str, options: &StoreOptions) -> anyhow::Result<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::open(url, options).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::open(url, options).await?))
    } else {
        anyhow::bail!("unsupported database URL (expected sqlite:PATH or postgres://…)")
    }
}
