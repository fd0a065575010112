//! The embedded default: SQLite in WAL mode.
//!
//! Writes go through a single connection, so they queue in the pool (fairly, without
//! SQLite's busy-wait) instead of fighting over the database lock; reads use a pool of
//! read-only connections that WAL lets run beside the writer. `synchronous = NORMAL`
//! keeps every committed transaction across a crash of the process (kill -9); only a
//! power loss can lose the last commits, which is SQLite's documented WAL trade-off.
//! Most checkpoint work runs beside the writer rather than in its commits (`checkpoint`).
//! The directory and files are private to the service's user (`files`).
//!
//! sqlx's pools ping a connection as it goes back into the pool and, by default, again
//! before handing it out; for SQLite each ping is a trip to the connection's worker
//! thread. An SQLite connection lives in this process and cannot be dropped by a server
//! or a network, so the second ping is turned off.

mod checkpoint;
mod files;

use std::str::FromStr as _;
use std::time::Duration;

use anyhow::Context as _;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::StoreOptions;
use crate::db::Db;
use crate::migrate;
use crate::sql::{Pools, RotationBatches};
use checkpoint::Checkpointer;

/// Opens (creating if needed) the database at `url` and runs the migrations.
///
/// # Errors
///
/// If the file cannot be created or opened, or a migration fails.
pub(crate) async fn open(url: &str, options: &StoreOptions) -> anyhow::Result<Pools> {
    let connect = SqliteConnectOptions::from_str(url)
        .context("invalid SQLite URL")?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true)
        .pragma("wal_autocheckpoint", checkpoint::BACKSTOP_PAGES.to_string());
    let on_disk = !files::in_memory(url);
    if on_disk {
        files::prepare(connect.get_filename())?;
    }
    let write = SqlitePoolOptions::new()
        .max_connections(1)
        .acquire_timeout(options.acquire_timeout)
        .test_before_acquire(false)
        .connect_with(connect.clone())
        .await
        .with_context(|| {
            format!(
                "cannot open the SQLite database {}",
                connect.get_filename().display()
            )
        })?;
    migrate::migrator(migrate::SQLITE)
        .await?
        .run(&write)
        .await
        .context("SQLite migrations failed")?;
    let read = SqlitePoolOptions::new()
        .max_connections(options.max_connections.max(1))
        .acquire_timeout(options.acquire_timeout)
        .test_before_acquire(false)
        .connect_with(connect.clone().read_only(true))
        .await
        .context("cannot open SQLite read connections")?;
    let checkpointer = Checkpointer::start(&connect).await?;
    if on_disk {
        // The WAL and shared-memory files SQLite just created.
        files::tighten_files(connect.get_filename())?;
    }
    let (write, read) = (Db::sqlite(write), Db::sqlite(read));
    Ok(Pools {
        probed: vec![("write", write.clone()), ("read", read.clone())],
        counters: write.clone(),
        write,
        read,
        rotations: RotationBatches::OneStatement,
        companion: Some(Box::new(checkpointer)),
    })
}
