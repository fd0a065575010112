//! The one place where the backends differ in how a statement runs.
//!
//! [`Db`] is a SQLite or a PostgreSQL pool, [`Tx`] a transaction on either and [`Row`] a
//! row of either; [`Sql`] is a statement with its arguments. The SQL text itself is the
//! same for both backends: `$n` placeholders (SQLite reads them as numbered parameters),
//! `INSERT … ON CONFLICT … RETURNING`, integers for booleans. So every resource module
//! (`crate::sql`) writes its SQL once, and nothing outside this file names a backend's
//! pool, row or argument types.

use std::borrow::Cow;
use std::fmt::Write as _;

use latchkey_core::StoreError;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Database, Decode, Encode, PgPool, Postgres, Row as _, Sqlite, SqlitePool, Type};

use crate::errors::OrStoreError as _;
use crate::pool_usage::PoolUsage;

/// One argument of a statement.
#[derive(Debug, Clone)]
pub(crate) enum Arg<'a> {
    /// An integer (times, counters, flags).
    Int(Option<i64>),
    /// Text (ids, names, scopes).
    Text(Option<Cow<'a, str>>),
    /// Bytes (digests, keys).
    Bytes(&'a [u8]),
}

impl From<i64> for Arg<'_> {
    fn from(value: i64) -> Self {
        Self::Int(Some(value))
    }
}

impl From<Option<i64>> for Arg<'_> {
    fn from(value: Option<i64>) -> Self {
        Self::Int(value)
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(value: &'a str) -> Self {
        Self::Text(Some(Cow::Borrowed(value)))
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(value: &'a String) -> Self {
        Self::Text(Some(Cow::Borrowed(value)))
    }
}

impl From<String> for Arg<'_> {
    fn from(value: String) -> Self {
        Self::Text(Some(Cow::Owned(value)))
    }
}

impl From<Option<String>> for Arg<'_> {
    fn from(value: Option<String>) -> Self {
        Self::Text(value.map(Cow::Owned))
    }
}

impl<'a> From<Option<&'a str>> for Arg<'a> {
    fn from(value: Option<&'a str>) -> Self {
        Self::Text(value.map(Cow::Borrowed))
    }
}

impl<'a> From<&'a [u8]> for Arg<'a> {
    fn from(value: &'a [u8]) -> Self {
        Self::Bytes(value)
    }
}

impl<'a> From<&'a Vec<u8>> for Arg<'a> {
    fn from(value: &'a Vec<u8>) -> Self {
        Self::Bytes(value)
    }
}

/// A statement and its arguments, in placeholder order.
#[derive(Debug, Clone)]
pub(crate) struct Sql<'a> {
    text: Cow<'a, str>,
    args: Vec<Arg<'a>>,
}

impl<'a> Sql<'a> {
    /// A statement whose text already holds its placeholders (`$1`, `$2`, …).
    pub(crate) fn new(text: impl Into<Cow<'a, str>>) -> Self {
        Self {
            text: text.into(),
            args: Vec::new(),
        }
    }

    /// Adds the argument of the next placeholder.
    pub(crate) fn bind(mut self, arg: impl Into<Arg<'a>>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Appends text to the statement (for statements built piece by piece).
    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.text.to_mut().push_str(text);
        self
    }

    /// Appends the next placeholder to the statement, with its argument.
    pub(crate) fn push_bind(&mut self, arg: impl Into<Arg<'a>>) -> &mut Self {
        self.args.push(arg.into());
        let text = self.text.to_mut();
        let _ = write!(text, "${}", self.args.len());
        self
    }

    /// Appends `(a, b, …), (c, d, …)`: one parenthesised group of placeholders per item,
    /// with the arguments `each` gives it.
    pub(crate) fn push_values<T>(
        &mut self,
        items: impl IntoIterator<Item = T>,
        mut each: impl FnMut(T) -> Vec<Arg<'a>>,
    ) -> &mut Self {
        for (n, item) in items.into_iter().enumerate() {
            self.push(if n == 0 { "(" } else { ", (" });
            for (i, arg) in each(item).into_iter().enumerate() {
                if i > 0 {
                    self.push(", ");
                }
                self.push_bind(arg);
            }
            self.push(")");
        }
        self
    }

    /// The sqlx query of this statement for database `DB`.
    fn query<DB>(&self) -> sqlx::query::Query<'_, DB, <DB as Database>::Arguments<'_>>
    where
        DB: Database,
        for<'q> Option<i64>: Encode<'q, DB> + Type<DB>,
        for<'q> Option<&'q str>: Encode<'q, DB> + Type<DB>,
        for<'q> &'q [u8]: Encode<'q, DB> + Type<DB>,
    {
        let mut query = sqlx::query::<DB>(&self.text);
        for arg in &self.args {
            query = match arg {
                Arg::Int(value) => query.bind(*value),
                Arg::Text(value) => query.bind(value.as_deref()),
                Arg::Bytes(value) => query.bind(*value),
            };
        }
        query
    }
}

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
            Self::Sqlite(pool) => sql.query().execute(pool).await.map(|d| d.rows_affected()),
            Self::Postgres(pool) => sql.query().execute(pool).await.map(|d| d.rows_affected()),
        };
        done.store_err()
    }

    /// Runs a query that returns at most one row.
    pub(crate) async fn fetch_optional(&self, sql: Sql<'_>) -> Result<Option<Row>, StoreError> {
        match self {
            Self::Sqlite(pool) => Ok(sql
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
            Self::Sqlite(pool) => Ok(Row::Sqlite(sql.query().fetch_one(pool).await.store_err()?)),
            Self::Postgres(pool) => Ok(Row::Postgres(
                sql.query().fetch_one(pool).await.store_err()?,
            )),
        }
    }

    /// Runs a query and returns every row.
    pub(crate) async fn fetch_all(&self, sql: Sql<'_>) -> Result<Vec<Row>, StoreError> {
        match self {
            Self::Sqlite(pool) => Ok(sql
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

    /// Starts a transaction whose commit need not wait for the disk, for state that may
    /// lose its last changes in a database crash (the lockout's counters): PostgreSQL
    /// commits it with `synchronous_commit` off, so a row it locks is held for the
    /// statements' time, not an fsync's; SQLite under `synchronous = NORMAL` commits
    /// every transaction so already.
    pub(crate) async fn begin_lossy(&self) -> Result<Tx, StoreError> {
        let mut tx = self.begin().await?;
        if let Tx::Postgres(_) = tx {
            tx.execute(Sql::new("SET LOCAL synchronous_commit TO OFF"))
                .await?;
        }
        Ok(tx)
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
