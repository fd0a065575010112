//! WAL checkpoints off the write path.
//!
//! A checkpoint copies the pages committed to the WAL back into the database file and
//! `fsync`s it. Left to SQLite, it runs inside the commit that crosses
//! `wal_autocheckpoint`, on the single writer, and every write queued behind that commit
//! waits for the `fsync`. Here a task of its own, on a connection of its own, runs a
//! `PASSIVE` checkpoint every [`EVERY`]: such a checkpoint takes no lock a writer needs, so
//! most of the copying and `fsync`ing happens beside the writer instead of in its commits
//! (which, under `synchronous = NORMAL`, otherwise only append to the WAL).
//!
//! Under sustained writes the checkpointer never quite catches up: the writer appends new
//! frames while it copies, and SQLite can only start the WAL over once every frame has
//! been copied. So the writer keeps a `wal_autocheckpoint` of its own, [`BACKSTOP_PAGES`]:
//! when it fires, the checkpointer has already copied almost every frame, the writer
//! copies the rest and the WAL starts over. That bounds the WAL at about 4 MB.
//!
//! Alternating 8-second runs, two pairs each (docs/PERFORMANCE.md): rotation p99
//! 9.62/9.64 ms with the writer checkpointing every 300 pages, 9.08/9.03 ms with this;
//! client-credentials p99 7.14/6.67 against 8.75/8.52 ms, both within the 10 ms target,
//! and the same throughput. With a 10,000-page backstop the WAL reached 40 MB for no
//! gain; without a checkpointer, writer checkpoints every 10,000 pages gave a 30 ms p99.

use std::sync::{Arc, Weak};
use std::time::Duration;

use anyhow::Context as _;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions as _, Executor as _};

/// How often the checkpointer runs.
const EVERY: Duration = Duration::from_millis(100);

/// The writer's own `wal_autocheckpoint`, SQLite's default: it finishes what the
/// checkpointer could not, so the WAL can start over.
pub(super) const BACKSTOP_PAGES: u32 = 1_000;

/// Keeps the checkpointer running; it stops when the last clone is dropped.
#[derive(Debug, Clone)]
pub(super) struct Checkpointer {
    _alive: Arc<()>,
}

impl Checkpointer {
    /// Opens the checkpointer's connection and starts its task.
    pub(super) async fn start(connect: &SqliteConnectOptions) -> anyhow::Result<Self> {
        let mut connection = connect
            .connect()
            .await
            .context("cannot open the SQLite checkpoint connection")?;
        let alive = Arc::new(());
        let watch = Arc::downgrade(&alive);
        tokio::spawn(async move { run(&mut connection, &watch).await });
        Ok(Self { _alive: alive })
    }
}

/// Checkpoints every [`EVERY`] until the store is dropped. A failure is logged once, when
/// checkpoints start failing, and again when they succeed again; meanwhile the writer's
/// own checkpoints still bound the WAL.
async fn run(connection: &mut SqliteConnection, alive: &Weak<()>) {
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing = false;
    while alive.strong_count() > 0 {
        tick.tick().await;
        match connection.execute("PRAGMA wal_checkpoint(PASSIVE)").await {
            Err(err) if !failing => {
                tracing::warn!(error = %err, "WAL checkpoints are failing; the writer takes them over");
                failing = true;
            }
            Ok(_) if failing => {
                tracing::info!("WAL checkpoints succeed again");
                failing = false;
            }
            _ => {}
        }
    }
}
