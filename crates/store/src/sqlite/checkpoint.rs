//! WAL checkpoints off the writer.
//!
//! SQLite checkpoints automatically in the connection whose commit pushes the WAL past
//! 1,000 pages: under load that is the single writer, every ≈ 100 ms, and it spends
//! ≈ 6 ms of it in `fsync` while every queued write waits (measured with `perf trace`
//! during the client-credentials benchmark). The writer has automatic checkpoints turned
//! off instead, and this task checkpoints from a connection of its own. Its checkpoints
//! are `PASSIVE`: they never wait for, nor block, the writer or the readers, and they copy
//! whatever the readers no longer need, so the WAL stays as short as before.

use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::SqliteConnectOptions;

/// How often the WAL is checkpointed while it is growing, and while it is not.
const BUSY: Duration = Duration::from_millis(100);
const IDLE: Duration = Duration::from_secs(1);

/// The WAL file is truncated to this size after a checkpoint resets it, so that a burst
/// (seeding a million sessions, say) does not leave a file of hundreds of MiB behind.
pub(super) const JOURNAL_SIZE_LIMIT: &str = "67108864";

/// Options for the writer: no automatic checkpoints, a bounded WAL file.
pub(super) fn writer_options(connect: SqliteConnectOptions) -> SqliteConnectOptions {
    connect
        .pragma("wal_autocheckpoint", "0")
        .pragma("journal_size_limit", JOURNAL_SIZE_LIMIT)
}

/// Starts the checkpointing task on its own connection; it stops when `write` closes.
///
/// # Errors
///
/// If the connection cannot be opened.
pub(super) async fn spawn(connect: SqliteConnectOptions, write: SqlitePool) -> sqlx::Result<()> {
    let own = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(connect)
        .await?;
    tokio::spawn(async move {
        let mut last_frames = 0;
        while !write.is_closed() {
            let result: sqlx::Result<(i64, i64, i64)> =
                sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
                    .fetch_one(&own)
                    .await;
            let frames = match result {
                Ok((_busy, frames, _copied)) => frames,
                Err(error) => {
                    tracing::warn!(%error, "WAL checkpoint failed");
                    0
                }
            };
            // The WAL grew since the last round (or was reset and refilled): keep up.
            let growing = frames != last_frames && frames > 0;
            last_frames = frames;
            tokio::time::sleep(if growing { BUSY } else { IDLE }).await;
        }
        own.close().await;
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::str::FromStr as _;

    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};

    use super::*;

    #[tokio::test]
    async fn the_writer_leaves_checkpoints_to_the_task() {
        let dir = std::env::temp_dir().join(format!("latchkey-checkpoint-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("db.sqlite");
        let connect = SqliteConnectOptions::from_str(&format!("sqlite://{}", file.display()))
            .unwrap()
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal);
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(writer_options(connect.clone()))
            .await
            .unwrap();
        sqlx::query("CREATE TABLE t (x BLOB)")
            .execute(&write)
            .await
            .unwrap();
        // 2,000 pages of commits: past the automatic threshold of 1,000.
        for _ in 0..200 {
            sqlx::query(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10) \
                 INSERT INTO t SELECT randomblob(4000) FROM n",
            )
            .execute(&write)
            .await
            .unwrap();
        }
        let size = || std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        assert!(
            size() < 100_000,
            "the writer did not checkpoint: {}",
            size()
        );

        spawn(connect, write.clone()).await.unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while size() < 1_000_000 {
            assert!(
                std::time::Instant::now() < deadline,
                "no checkpoint: {} bytes",
                size()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        write.close().await;
        std::fs::remove_dir_all(&dir).ok();
    }
}
