//! Connections kept between statements, instead of going back to sqlx's pool after each.
//!
//! sqlx returns a connection to its pool from a task it spawns, and that task pings the
//! database first: a second round trip for every statement (a `Sync` and its answer on
//! PostgreSQL, a hop to the worker thread and back on SQLite), paid by the database and
//! by us. A connection whose statement was answered in full (rows, or an error from the
//! database itself) is left exactly as that ping would leave it: sqlx drains what is left
//! of an answer before it sends the next statement. So [`Held`] keeps such connections
//! itself and hands them to the next statement. One whose statement failed otherwise (an
//! I/O error) or was cancelled goes back to sqlx, whose ping recovers or closes it.
//! Transactions take theirs from sqlx, whose return path rolls back a transaction
//! dropped uncommitted.
//!
//! The pool's limit stays the limit, and nothing waits on sqlx while a connection sits
//! idle here:
//! - every user of a connection, statement or transaction, holds one of the pool's
//!   `max_connections` permits;
//! - a statement takes a kept connection if there is one, and asks sqlx only if not;
//! - while anyone waits on sqlx, a released connection goes back to sqlx, not here;
//! - a transaction gives one kept connection back to sqlx before it asks sqlx for one.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use sqlx::pool::PoolConnection;
use sqlx::{Connection as _, Database, Pool, Transaction};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// A sqlx pool and the connections kept out of it between statements.
#[derive(Debug)]
pub(crate) struct Held<DB: Database> {
    pool: Pool<DB>,
    permits: Arc<Semaphore>,
    state: Mutex<State<DB>>,
    /// A kept connection idle for this long is pinged before it is used (a server
    /// restarted since is found before a statement fails on it).
    ping_after_idle: Option<Duration>,
}

#[derive(Debug)]
struct State<DB: Database> {
    /// Kept connections, with when each was released; the last released is used first.
    idle: Vec<(PoolConnection<DB>, Instant)>,
    /// Callers waiting for sqlx to hand out a connection.
    waiting: usize,
}

/// Counts its holder among those waiting on sqlx for as long as it lives.
struct Waiting<'a, DB: Database>(&'a Held<DB>);

impl<DB: Database> Drop for Waiting<'_, DB> {
    fn drop(&mut self) {
        self.0.state().waiting -= 1;
    }
}

impl<DB: Database> Held<DB> {
    /// Keeps connections of `pool` between statements.
    pub(crate) fn new(pool: Pool<DB>, ping_after_idle: Option<Duration>) -> Self {
        let max = usize::try_from(pool.options().get_max_connections()).unwrap_or(usize::MAX);
        Self {
            permits: Arc::new(Semaphore::new(max.max(1))),
            pool,
            state: Mutex::new(State {
                idle: Vec::new(),
                waiting: 0,
            }),
            ping_after_idle,
        }
    }

    /// The sqlx pool.
    pub(crate) fn pool(&self) -> &Pool<DB> {
        &self.pool
    }

    /// Connections kept here, idle.
    pub(crate) fn kept(&self) -> usize {
        self.state().idle.len()
    }

    fn state(&self) -> MutexGuard<'_, State<DB>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs one statement on a connection: a kept one if any, else one from sqlx. The
    /// connection is kept again if the statement was answered (rows, or an error from the
    /// database itself); otherwise, or if this future is dropped before it ends, it goes
    /// back to sqlx, whose ping recovers or closes it.
    ///
    /// # Errors
    ///
    /// The statement's, [`sqlx::Error::PoolTimedOut`] after the pool's acquire timeout,
    /// or what sqlx answers when asked for a connection.
    pub(crate) async fn run<T>(
        &self,
        statement: impl AsyncFnOnce(&mut DB::Connection) -> Result<T, sqlx::Error>,
    ) -> Result<T, sqlx::Error> {
        let permit = self.within_timeout(self.permits.acquire()).await?;
        let mut conn = self.connection().await?;
        let result = statement(&mut conn).await;
        if matches!(
            result,
            Ok(_) | Err(sqlx::Error::Database(_) | sqlx::Error::RowNotFound)
        ) {
            self.release(conn);
        }
        drop(permit);
        result
    }

    /// A kept connection if any (pinged first if it has been idle long), else one from
    /// sqlx. The caller holds a permit.
    async fn connection(&self) -> Result<PoolConnection<DB>, sqlx::Error> {
        loop {
            let kept = {
                let mut state = self.state();
                let kept = state.idle.pop();
                if kept.is_none() {
                    state.waiting += 1;
                }
                kept
            };
            let Some((mut conn, since)) = kept else {
                let _waiting = Waiting(self);
                return self.pool.acquire().await;
            };
            let stale = self.ping_after_idle.is_some_and(|d| since.elapsed() >= d);
            if !stale || conn.ping().await.is_ok() {
                return Ok(conn);
            }
            // Broken: dropped, sqlx closes it on its way back.
        }
    }

    /// A transaction on a connection from sqlx (after giving one kept connection back,
    /// so that sqlx has one to give), and the permit it holds until it ends.
    ///
    /// # Errors
    ///
    /// As [`Held::acquire`].
    pub(crate) async fn begin(
        &self,
    ) -> Result<(Transaction<'static, DB>, OwnedSemaphorePermit), sqlx::Error> {
        let permit = self
            .within_timeout(Arc::clone(&self.permits).acquire_owned())
            .await?;
        let given_back = {
            let mut state = self.state();
            state.waiting += 1;
            state.idle.pop()
        };
        let _waiting = Waiting(self);
        drop(given_back);
        Ok((self.pool.begin().await?, permit))
    }

    async fn within_timeout<P, E>(
        &self,
        permit: impl Future<Output = Result<P, E>>,
    ) -> Result<P, sqlx::Error> {
        match tokio::time::timeout(self.pool.options().get_acquire_timeout(), permit).await {
            Ok(Ok(permit)) => Ok(permit),
            // The semaphore is never closed; a timeout is the pool's.
            Ok(Err(_)) | Err(_) => Err(sqlx::Error::PoolTimedOut),
        }
    }

    /// Keeps `conn`, or gives it back to sqlx if someone waits there.
    fn release(&self, conn: PoolConnection<DB>) {
        let mut state = self.state();
        if state.waiting == 0 {
            state.idle.push((conn, Instant::now()));
        } else {
            drop(state);
            drop(conn);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use latchkey_testkit::TempDir;
    use latchkey_testkit::postgres::PgDatabase;
    use sqlx::postgres::PgPoolOptions;
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

    use crate::db::{Db, Sql};

    /// A pool of at most `max` connections that gives up waiting for one after 3 s (a
    /// connection stranded here would show as a timeout, not as a hang).
    async fn sqlite(dir: &TempDir, max: u32) -> Db {
        let connect = SqliteConnectOptions::new()
            .filename(dir.path().join("held.db"))
            .create_if_missing(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(3))
            .connect_with(connect)
            .await
            .unwrap();
        Db::sqlite(pool)
    }

    async fn postgres(url: &str, max: u32) -> Db {
        let pool = PgPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(3))
            .connect(url)
            .await
            .unwrap();
        Db::postgres(pool, Duration::from_secs(1))
    }

    fn kept(db: &Db) -> usize {
        match db {
            Db::Sqlite(held) => held.kept(),
            Db::Postgres(held) => held.kept(),
        }
    }

    async fn create_table(db: &Db) {
        db.execute(Sql::new("CREATE TABLE t (n BIGINT PRIMARY KEY)"))
            .await
            .unwrap();
    }

    async fn count(db: &Db) -> i64 {
        db.fetch_one(Sql::new("SELECT COUNT(*) AS n FROM t"))
            .await
            .unwrap()
            .int("n")
            .unwrap()
    }

    /// Inserts each of `numbers` into `t` at once, every third in a transaction of its
    /// own and the others as single statements.
    async fn insert_all_at_once(db: &Db, numbers: std::ops::Range<i64>) {
        let tasks: Vec<_> = numbers
            .map(|n| {
                let db = db.clone();
                tokio::spawn(async move {
                    let insert = Sql::new("INSERT INTO t (n) VALUES ($1)").bind(n);
                    if n % 3 == 0 {
                        let mut tx = db.begin().await?;
                        tx.execute(insert).await?;
                        tx.commit().await
                    } else {
                        db.execute(insert).await.map(drop)
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
    }

    #[tokio::test]
    async fn a_statement_answered_leaves_its_connection_kept_for_the_next() {
        let dir = TempDir::new();
        let db = sqlite(&dir, 4).await;
        create_table(&db).await;
        for n in 0..5 {
            db.execute(Sql::new("INSERT INTO t (n) VALUES ($1)").bind(n))
                .await
                .unwrap();
            assert_eq!(kept(&db), 1, "one connection, kept between statements");
        }
        // An error from the database itself leaves the connection fit to keep.
        let refused = db.execute(Sql::new("INSERT INTO t (n) VALUES (1)")).await;
        assert!(refused.is_err());
        assert_eq!(kept(&db), 1);
        assert_eq!(count(&db).await, 5);
        let Db::Sqlite(held) = &db else {
            unreachable!()
        };
        assert_eq!(held.pool().size(), 1, "no second connection was opened");
    }

    /// A pool of one connection: a transaction must get the connection kept by the
    /// statements, and the statements get it back after the transaction, however they
    /// interleave; also many at once, none waiting past the timeout.
    #[tokio::test]
    async fn statements_and_transactions_share_a_pool_of_one_connection() {
        let dir = TempDir::new();
        let db = sqlite(&dir, 1).await;
        create_table(&db).await;
        let mut tx = db.begin().await.unwrap();
        tx.execute(Sql::new("INSERT INTO t (n) VALUES (0)"))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(count(&db).await, 1);
        insert_all_at_once(&db, 1..61).await;
        assert_eq!(count(&db).await, 61);
    }

    #[tokio::test]
    async fn postgres_statements_and_transactions_share_a_small_pool() {
        let (_database, url) = PgDatabase::create().await;
        let db = postgres(&url, 2).await;
        create_table(&db).await;
        insert_all_at_once(&db, 0..60).await;
        assert_eq!(count(&db).await, 60);
        assert!(kept(&db) >= 1);
    }

    /// A statement dropped before its answer came: its connection is not kept, and the
    /// statements after it get their own answers, on the same one connection.
    #[tokio::test]
    async fn a_statement_cancelled_midway_leaves_no_answer_behind() {
        let (_database, url) = PgDatabase::create().await;
        let db = postgres(&url, 1).await;
        db.fetch_one(Sql::new("SELECT 0::BIGINT AS n"))
            .await
            .unwrap();
        assert_eq!(kept(&db), 1);
        let slow = db.fetch_one(Sql::new("SELECT 1::BIGINT AS n, pg_sleep(0.3) AS s"));
        assert!(
            tokio::time::timeout(Duration::from_millis(50), slow)
                .await
                .is_err()
        );
        assert_eq!(
            kept(&db),
            0,
            "the cancelled statement's connection went back to sqlx"
        );
        for n in 2..6_i64 {
            let row = db
                .fetch_one(Sql::new("SELECT $1::BIGINT AS n").bind(n))
                .await
                .unwrap();
            assert_eq!(row.int("n").unwrap(), n);
        }
        assert_eq!(kept(&db), 1);
    }

    /// A transaction dropped uncommitted is rolled back before its connection serves
    /// anything else, also when the statements share that one connection.
    #[tokio::test]
    async fn a_transaction_dropped_uncommitted_is_rolled_back_before_the_next_statement() {
        let (_database, url) = PgDatabase::create().await;
        let db = postgres(&url, 1).await;
        create_table(&db).await;
        let mut tx = db.begin().await.unwrap();
        tx.execute(Sql::new("INSERT INTO t (n) VALUES (1)"))
            .await
            .unwrap();
        drop(tx);
        assert_eq!(count(&db).await, 0);
        db.execute(Sql::new("INSERT INTO t (n) VALUES (2)"))
            .await
            .unwrap();
        // Committed on its own, not inside a transaction left open: another pool sees it.
        let other = postgres(&url, 1).await;
        assert_eq!(count(&other).await, 1);
    }
}
