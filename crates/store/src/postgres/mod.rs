//! PostgreSQL, for several `latchkeyd` instances sharing one database.
//!
//! One pool; an `acquire_timeout` of a few seconds makes requests answer 503 quickly when
//! the database is gone, and a connection that sat idle is checked before use, so the pool
//! recovers by itself when the database comes back.

use std::str::FromStr as _;
use std::time::Duration;

use anyhow::Context as _;
use sqlx::Connection as _;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::StoreOptions;
use crate::db::Db;
use crate::migrate;
use crate::sql::{Pools, RotationBatches};

/// A connection idle for longer than this is pinged before it is handed out. sqlx already
/// pings every connection as it goes back to the pool, so a busy connection was known
/// to be alive a moment ago; pinging it again before each use too (sqlx's
/// `test_before_acquire`) cost every query a second round trip to PostgreSQL. One that
/// dies in between (a server restart) fails the one request that meets it, with 503
/// (`crate::errors`), and is closed at its release.
///
/// In alternating benchmark runs (three pairs each) this raised client-credentials grants
/// by 8 % and logins from 87–92 % to 92–95 % of raw argon2id.
const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

/// A rotation batch holds its row locks until it commits, so it could deadlock with a
/// multi-row revoke (password change, logout everywhere) locking the same rows in
/// another order, and PostgreSQL might then fail the revoke. The batch stops waiting
/// well before PostgreSQL's deadlock check (1 s by default), so it is the one that
/// fails: it is rolled back and its rotations run one by one, and the revoke goes on.
const ROTATION_BATCH_SETUP: &[&str] = &["SET LOCAL lock_timeout = '200ms'"];

/// Connects to `url` and runs the migrations (under PostgreSQL's advisory lock, so
/// instances starting together do not race). One pool serves reads and writes, and a
/// smaller one the lockout's counters.
///
/// # Errors
///
/// If the database cannot be reached or a migration fails.
pub(crate) async fn open(url: &str, options: &StoreOptions) -> anyhow::Result<Pools> {
    let connect = PgConnectOptions::from_str(url).context("invalid PostgreSQL URL")?;
    let pool = pool_options(options.max_connections, options)
        .connect_with(connect.clone())
        .await
        .context("cannot connect to PostgreSQL")?;
    migrate::migrator(migrate::POSTGRES)
        .await?
        .run(&pool)
        .await
        .context("PostgreSQL migrations failed")?;
    // The lockout's counters: their writes may be lost in a database crash (the WAL
    // writer's last fraction of a second), not held up by an fsync while every login
    // from one address waits for the same row.
    let counters = pool_options(options.max_connections.div_ceil(2), options)
        .connect_with(connect.options([("synchronous_commit", "off")]))
        .await
        .context("cannot connect to PostgreSQL")?;
    let (pool, counters) = (
        Db::postgres(pool, PING_AFTER_IDLE),
        Db::postgres(counters, PING_AFTER_IDLE),
    );
    Ok(Pools {
        write: pool.clone(),
        read: pool.clone(),
        probed: vec![("postgres", pool), ("postgres_counters", counters.clone())],
        counters,
        rotations: RotationBatches::Transaction {
            setup: ROTATION_BATCH_SETUP,
        },
        companion: None,
    })
}

/// A pool of at most `size` connections, pinged only after sitting idle.
fn pool_options(size: u32, options: &StoreOptions) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(size.max(1))
        .acquire_timeout(options.acquire_timeout)
        .test_before_acquire(false)
        .before_acquire(|connection, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_AFTER_IDLE {
                    connection.ping().await?;
                }
                Ok(true)
            })
        })
}
