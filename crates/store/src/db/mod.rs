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
mod rows;
mod statement;

use latchkey_core::StoreError;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Decode, PgPool, Postgres, Row as _, Sqlite, SqlitePool, Type};

pub(crate) use rows::{Column, RowsStatement};
pub(crate) use statement::{Arg, Sql};

use crate::errors::OrStoreError as _;
use crate::pool_usage::PoolUsage;

/// A connection pool of either backend.
#[derive(Debug, Clone)]
pub(crate) enum Db {
    /// SQLite.
    Sqlite(SqlitePool),
    /// PostgreSQL.
    Postgres(PgPool),
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
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    /// On PostgreSQL.
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Db {
    /// Runs a statement; returns how many rows it changed.
    pub(crate) async fn execute(&self, sql: Sql<'_>) -> Result<u64, StoreError> {
        let done = match self {
            Self::Sqlite(pool) => sql
                .for_sqlite()
                .query()
                .execute(pool)
                .await
                .map(|d| d.rows_affected()),
            Self::Postgres(pool) => sql.query().execute(pool).await.map(|d| d.rows_affected()),
        };
        done.store_err()
    }

    /// Runs a query that returns at most one row.
    pub(crate) async fn fetch_optional(&self, sql: Sql<'_>) -> Result<Option<Row>, StoreError> {
        match self {
            Self::Sqlite(pool) => Ok(sql
                .for_sqlite()
                .query()
                .fetch_optional(pool)
                .await
                .store_err()?
                .map(Row::Sqlite)),
            Self::Postgres(pool) => Ok(sql
                .query()
                .fetch_optional(pool)
                .await
                .store_err()?
                .map(Row::Postgres)),
        }
    }

    /// Runs a query that returns exactly one row.
    pub(crate) async fn fetch_one(&self, sql: Sql<'_>) -> Result<Row, StoreError> {
        match self {
            Self::Sqlite(pool) => Ok(Row::Sqlite(
                sql.for_sqlite().query().fetch_one(pool).await.store_err()?,
            )),
            Self::Postgres(pool) => Ok(Row::Postgres(
                sql.query().fetch_one(pool).await.store_err()?,
            )),
        }
    }

    /// Runs a query and returns every row.
    pub(crate) async fn fetch_all(&self, sql: Sql<'_>) -> Result<Vec<Row>, StoreError> {
        match self {
            Self::Sqlite(pool) => Ok(sql
                .for_sqlite()
                .query()
                .fetch_all(pool)
                .await
                .store_err()?
                .into_iter()
                .map(Row::Sqlite)
                .collect()),
            Self::Postgres(pool) => Ok(sql
                .query()
                .fetch_all(pool)
                .await
                .store_err()?
                .into_iter()
                .map(Row::Postgres)
                .collect()),
        }
    }

    /// Starts a transaction.
    pub(crate) async fn begin(&self) -> Result<Tx, StoreError> {
        match self {
            Self::Sqlite(pool) => Ok(Tx::Sqlite(pool.begin().await.store_err()?)),
            Self::Postgres(pool) => Ok(Tx::Postgres(pool.begin().await.store_err()?)),
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
            Self::Sqlite(p) => (p.size(), p.num_idle(), p.options().get_max_connections()),
            Self::Postgres(p) => (p.size(), p.num_idle(), p.options().get_max_connections()),
        };
        PoolUsage {
            pool: name,
            open,
            idle: u32::try_from(idle).unwrap_or(u32::MAX),
            max,
        }
    }
}

impl Tx {
    /// Runs a statement in the transaction; returns how many rows it changed.
    pub(crate) async fn execute(&mut self, sql: Sql<'_>) -> Result<u64, StoreError> {
        let done = match self {
            Self::Sqlite(tx) => sql
                .for_sqlite()
                .query()
                .execute(&mut **tx)
                .await
                .map(|d| d.rows_affected()),
            Self::Postgres(tx) => sql
                .query()
                .execute(&mut **tx)
                .await
                .map(|d| d.rows_affected()),
        };
        done.store_err()
    }

    /// Runs a query that returns at most one row, in the transaction.
    pub(crate) async fn fetch_optional(&mut self, sql: Sql<'_>) -> Result<Option<Row>, StoreError> {
        match self {
            Self::Sqlite(tx) => Ok(sql
                .for_sqlite()
                .query()
                .fetch_optional(&mut **tx)
                .await
                .store_err()?
                .map(Row::Sqlite)),
            Self::Postgres(tx) => Ok(sql
                .query()
                .fetch_optional(&mut **tx)
                .await
                .store_err()?
                .map(Row::Postgres)),
        }
    }

    /// Runs a query in the transaction and returns every row.
    pub(crate) async fn fetch_all(&mut self, sql: Sql<'_>) -> Result<Vec<Row>, StoreError> {
        match self {
            Self::Sqlite(tx) => Ok(sql
                .for_sqlite()
                .query()
                .fetch_all(&mut **tx)
                .await
                .store_err()?
                .into_iter()
                .map(Row::Sqlite)
                .collect()),
            Self::Postgres(tx) => Ok(sql
                .query()
                .fetch_all(&mut **tx)
                .await
                .store_err()?
                .into_iter()
                .map(Row::Postgres)
                .collect()),
        }
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
