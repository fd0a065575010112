//! PostgreSQL, for several `latchkeyd` instances sharing one database.
//!
//! One pool; an `acquire_timeout` of a few seconds makes requests answer 503 quickly when
//! the database is gone, and every connection is checked before use, so the pool recovers
//! by itself when the database comes back.

mod pool_usage;
mod store;

use std::str::FromStr as _;

use anyhow::Context as _;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use latchkey_core::store::SessionRecord;

use crate::StoreOptions;
use crate::batch::Batcher;
use crate::batch_writes::Rotation;
use crate::migrate;

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
            .test_before_acquire(true)
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
