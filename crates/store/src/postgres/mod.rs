//! PostgreSQL, for several `latchkeyd` instances sharing one database.
//!
//! One pool; an `acquire_timeout` of a few seconds makes requests answer 503 quickly when
//! the database is gone, and a connection that sat idle is checked before use, so the pool
//! recovers by itself when the database comes back.

mod pool_usage;
mod store;

use std::str::FromStr as _;
use std::time::Duration;

use anyhow::Context as _;
use sqlx::Connection as _;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use latchkey_core::store::SessionRecord;

use crate::StoreOptions;
use crate::batch::Batcher;
use crate::batch_writes::Rotation;
use crate::migrate;

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

/// The PostgreSQL implementation of [`latchkey_core::Store`].
#[derive(Debug, Clone)]
pub struct PgStore {
    /// The pool, under the two names the shared store body uses (clones of one pool).
    write: PgPool,
    read: PgPool,
    sessions: Batcher<SessionRecord>,
    rotations: Batcher<Rotation, Option<SessionRecord>>,
}

impl PgStore {
    /// Connects to `url` and runs the migrations (under PostgreSQL's advisory lock, so
    /// instances starting together do not race).
    ///
    /// # Errors
    ///
    /// If the database cannot be reached or a migration fails.
    pub async fn open(url: &str, options: &StoreOptions) -> anyhow::Result<Self> {
        let connect = PgConnectOptions::from_str(url).context("invalid PostgreSQL URL")?;
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections.max(1))
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
            .connect_with(connect)
            .await
            .context("cannot connect to PostgreSQL")?;
        migrate::migrator(migrate::POSTGRES)
            .await?
            .run(&pool)
            .await
            .context("PostgreSQL migrations failed")?;
        let sessions = Batcher::spawn({
            let pool = pool.clone();
            move |rows| store::insert_sessions(pool.clone(), rows)
        });
        let rotations = Batcher::spawn({
            let pool = pool.clone();
            move |batch| store::rotate_sessions(pool.clone(), batch)
        });
        Ok(Self {
            read: pool.clone(),
            write: pool,
            sessions,
            rotations,
        })
    }
}
