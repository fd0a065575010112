//! The one place where the backends differ in how a statement runs.
//!
//! [`Db`] is a SQLite or a PostgreSQL pool, [`Tx`] a transaction on either and [`Row`] a
//! row of either; [`Sql`] is a statement with its arguments. The SQL text itself is the
//! same for both backends: `$n` placeholders (SQLite reads them as numbered parameters),
//! `INSERT … ON CONFLICT … RETURNING`, integers for booleans. Two things differ, and
//! [`Db`] says how: the share-lock clause ([`Db::share_lock`]) and a row source of many
//! rows ([`RowsStatement`]). So every resource module
//! (`crate::sql`) writes its SQL once, and nothing outside this module names a backend's
//! pool, row or argument types.

mod binds;
mod held;
mod rows;
mod statement;

use std::sync::Arc;
use std::time::Duration;

use latchkey_core::StoreError;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Decode, PgPool, Postgres, Row as _, Sqlite, SqlitePool, Type};

pub(crate) use rows::{Column, RowsStatement};
pub(crate) use statement::{Arg, Sql};

use held::{Held, HeldTx};

use crate::errors::OrStoreError as _;
use crate::pool_usage::PoolUsage;

/// A connection pool of either backend (its connections kept between statements: see
/// [`held`]).
#[derive(Debug, Clone)]
pub(crate) enum Db {
    /// SQLite.
    Sqlite(Arc<Held<Sqlite>>),
    /// PostgreSQL.
    Postgres(Arc<Held<Postgres>>),
}

/// A row of either backend.
pub(crate) enum Row {
    /// From SQLite.
    Sqlite(SqliteRow),
    /// From PostgreSQL.
    Postgres(PgRow),
}

/// An open transaction on either backend; rolled back if dropped uncommitted.
#[derive(Debug)]
pub(crate) enum Tx {
    /// On SQLite.
    Sqlite(HeldTx<Sqlite>),
    /// On PostgreSQL.
    Postgres(HeldTx<Postgres>),
}

impl Db {
    /// A SQLite pool.
    pub(crate) fn sqlite(pool: SqlitePool) -> Self {
        Self::Sqlite(Held::new(pool, None, held::GIVE_BACK_AFTER))
    }

    /// A PostgreSQL pool whose connections idle for `ping_after_idle` are pinged before
    /// they are used.
    pub(crate) fn postgres(pool: PgPool, ping_after_idle: Duration) -> Self {
        Self::Postgres(Held::new(
            pool,
            Some(ping_after_idle),
            held::GIVE_BACK_AFTER,
        ))
    }

    /// Runs a statement; returns how many rows it changed.
    pub(crate) async fn execute(&self, sql: Sql<'_>) -> Result<u64, StoreError> {
        let done = match self {
            Self::Sqlite(held) => {
                let sql = sql.for_sqlite();
                let done = held.run(async |c| sql.query().execute(c).await).await;
                done.map(|d| d.rows_affected())
            }
            Self::Postgres(held) => {
                let done = held.run(async |c| sql.query().execute(c).await).await;
                done.map(|d| d.rows_affected())
            }
        };
        done.store_err()
    }

    /// Runs a query that returns at most one row.
    pub(crate) async fn fetch_optional(&self, sql: Sql<'_>) -> Result<Option<Row>, StoreError> {
        let row = match self {
            Self::Sqlite(held) => {
                let sql = sql.for_sqlite();
                let row = held
                    .run(async |c| sql.query().fetch_optional(c).await)
                    .await;
                row.map(|r| r.map(Row::Sqlite))
            }
            Self::Postgres(held) => {
                let row = held
                    .run(async |c| sql.query().fetch_optional(c).await)
                    .await;
                row.map(|r| r.map(Row::Postgres))
            }
        };
        row.store_err()
    }

    /// Runs a query that returns exactly one row.
    pub(crate) async fn fetch_one(&self, sql: Sql<'_>) -> Result<Row, StoreError> {
        let row = match self {
            Self::Sqlite(held) => {
                let sql = sql.for_sqlite();
                let row = held.run(async |c| sql.query().fetch_one(c).await).await;
                row.map(Row::Sqlite)
            }
            Self::Postgres(held) => {
                let row = held.run(async |c| sql.query().fetch_one(c).await).await;
                row.map(Row::Postgres)
            }
        };
        row.store_err()
    }

    /// Runs a query and returns every row.
    pub(crate) async fn fetch_all(&self, sql: Sql<'_>) -> Result<Vec<Row>, StoreError> {
        let rows = match self {
            Self::Sqlite(held) => {
                let sql = sql.for_sqlite();
                let rows = held.run(async |c| sql.query().fetch_all(c).await).await;
                rows.map(|rows| rows.into_iter().map(Row::Sqlite).collect())
            }
            Self::Postgres(held) => {
                let rows = held.run(async |c| sql.query().fetch_all(c).await).await;
                rows.map(|rows| rows.into_iter().map(Row::Postgres).collect())
            }
        };
        rows.store_err()
    }

    /// Starts a transaction.
    pub(crate) async fn begin(&self) -> Result<Tx, StoreError> {
        match self {
            Self::Sqlite(held) => Ok(Tx::Sqlite(held.begin().await.store_err()?)),
            Self::Postgres(held) => Ok(Tx::Postgres(held.begin().await.store_err()?)),
        }
    }

    /// The clause that makes a row read in a sub-select hold a share lock until the
    /// transaction ends, so that a concurrent update or delete of it waits (PostgreSQL:
    /// `FOR SHARE`). SQLite needs none: its single writer runs one write at a time.
    pub(crate) fn share_lock(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "",
            Self::Postgres(_) => " FOR SHARE",
        }
    }

    /// The pool's use, under the name `name`.
    pub(crate) fn usage(&self, name: &'static str) -> PoolUsage {
        let (open, idle, max) = match self {
            Self::Sqlite(held) => usage(held),
            Self::Postgres(held) => usage(held),
        };
        PoolUsage {
            pool: name,
            open,
            idle: u32::try_from(idle).unwrap_or(u32::MAX),
            max,
        }
    }
}

/// A pool's open, idle (in sqlx's pool or kept) and most connections.
fn usage<DB: sqlx::Database>(held: &Held<DB>) -> (u32, usize, u32) {
    let pool = held.pool();
    let idle = pool.num_idle().saturating_add(held.kept());
    (pool.size(), idle, pool.options().get_max_connections())
}

impl Tx {
    /// Runs a statement in the transaction; returns how many rows it changed.
    pub(crate) async fn execute(&mut self, sql: Sql<'_>) -> Result<u64, StoreError> {
        let done = match self {
            Self::Sqlite(tx) => {
                let conn = tx.conn().store_err()?;
                let done = sql.for_sqlite().query().execute(conn).await;
                done.map(|d| d.rows_affected())
            }
            Self::Postgres(tx) => {
                let conn = tx.conn().store_err()?;
                let done = sql.query().execute(conn).await;
                done.map(|d| d.rows_affected())
            }
        };
        done.store_err()
    }

    /// Runs a query that returns at most one row, in the transaction.
    pub(crate) async fn fetch_optional(&mut self, sql: Sql<'_>) -> Result<Option<Row>, StoreError> {
        let row = match self {
            Self::Sqlite(tx) => {
                let conn = tx.conn().store_err()?;
                let row = sql.for_sqlite().query().fetch_optional(conn).await;
                row.map(|r| r.map(Row::Sqlite))
            }
            Self::Postgres(tx) => {
                let conn = tx.conn().store_err()?;
                let row = sql.query().fetch_optional(conn).await;
                row.map(|r| r.map(Row::Postgres))
            }
        };
        row.store_err()
    }

    /// Runs a query in the transaction and returns every row.
    pub(crate) async fn fetch_all(&mut self, sql: Sql<'_>) -> Result<Vec<Row>, StoreError> {
        let rows = match self {
            Self::Sqlite(tx) => {
                let conn = tx.conn().store_err()?;
                let rows = sql.for_sqlite().query().fetch_all(conn).await;
                rows.map(|rows| rows.into_iter().map(Row::Sqlite).collect())
            }
            Self::Postgres(tx) => {
                let conn = tx.conn().store_err()?;
                let rows = sql.query().fetch_all(conn).await;
                rows.map(|rows| rows.into_iter().map(Row::Postgres).collect())
            }
        };
        rows.store_err()
    }

    /// Commits the transaction.
    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(tx) => tx.commit().await.store_err(),
            Self::Postgres(tx) => tx.commit().await.store_err(),
        }
    }
}

impl Row {
    /// The value of `column`.
    fn get<T>(&self, column: &str) -> Result<T, StoreError>
    where
        T: for<'r> Decode<'r, Sqlite>
            + Type<Sqlite>
            + for<'r> Decode<'r, Postgres>
            + Type<Postgres>,
    {
        match self {
            Self::Sqlite(row) => row.try_get(column).store_err(),
            Self::Postgres(row) => row.try_get(column).store_err(),
        }
    }

    /// A text column.
    pub(crate) fn text(&self, column: &str) -> Result<String, StoreError> {
        self.get(column)
    }

    /// A nullable text column.
    pub(crate) fn opt_text(&self, column: &str) -> Result<Option<String>, StoreError> {
        self.get(column)
    }

    /// An integer column.
    pub(crate) fn int(&self, column: &str) -> Result<i64, StoreError> {
        self.get(column)
    }

    /// A nullable integer column.
    pub(crate) fn opt_int(&self, column: &str) -> Result<Option<i64>, StoreError> {
        self.get(column)
    }

    /// A bytes column.
    pub(crate) fn bytes(&self, column: &str) -> Result<Vec<u8>, StoreError> {
        self.get(column)
    }

    /// A nullable bytes column.
    pub(crate) fn opt_bytes(&self, column: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.get(column)
    }
}
