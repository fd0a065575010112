//! The kept connections, on both backends.

use std::time::Duration;

use latchkey_testkit::TempDir;
use latchkey_testkit::postgres::PgDatabase;
use sqlx::SqlitePool;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use super::Held;
use crate::db::{Db, Sql};

/// A pool on `dir`'s database with `options` that gives up waiting for a connection
/// after 3 s (a connection stranded here would show as a timeout, not as a hang).
async fn sqlite_pool(dir: &TempDir, options: SqlitePoolOptions) -> SqlitePool {
    let connect = SqliteConnectOptions::new()
        .filename(dir.path().join("held.db"))
        .create_if_missing(true);
    options
        .acquire_timeout(Duration::from_secs(3))
        .connect_with(connect)
        .await
        .unwrap()
}

/// A pool of at most `max` connections.
async fn sqlite(dir: &TempDir, max: u32) -> Db {
    Db::sqlite(sqlite_pool(dir, SqlitePoolOptions::new().max_connections(max)).await)
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

/// A one-connection SQLite pool whose connections live at most `lifetime`, given back
/// to sqlx once kept idle for `give_back_after`.
async fn sqlite_with(dir: &TempDir, lifetime: Duration, give_back_after: Duration) -> Db {
    let options = SqlitePoolOptions::new()
        .max_connections(1)
        .max_lifetime(lifetime);
    let pool = sqlite_pool(dir, options).await;
    Db::Sqlite(Held::new(pool, None, give_back_after))
}

/// Waits (at most 3 s) until sqlx's pool holds `idle` idle and `open` open connections:
/// a connection goes back to it from a task that sqlx spawns.
async fn until_sqlx_holds(db: &Db, idle: usize, open: u32) {
    let Db::Sqlite(held) = db else { unreachable!() };
    for _ in 0..300 {
        if held.pool().num_idle() == idle && held.pool().size() == open {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "sqlx holds {} idle of {} open, not {idle} of {open}",
        held.pool().num_idle(),
        held.pool().size()
    );
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

/// A pool of one connection: a transaction takes the connection kept by the statements
/// and keeps it again once committed, however they interleave; also many at once, none
/// waiting past the timeout.
#[tokio::test]
async fn statements_and_transactions_share_a_pool_of_one_connection() {
    let dir = TempDir::new();
    let db = sqlite(&dir, 1).await;
    create_table(&db).await;
    assert_eq!(kept(&db), 1);
    let mut tx = db.begin().await.unwrap();
    assert_eq!(kept(&db), 0, "the transaction took the kept connection");
    tx.execute(Sql::new("INSERT INTO t (n) VALUES (0)"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(kept(&db), 1, "and it is kept again once committed");
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
    assert_eq!(kept(&db), 0, "rolled back on its way back through sqlx");
    assert_eq!(count(&db).await, 0);
    db.execute(Sql::new("INSERT INTO t (n) VALUES (2)"))
        .await
        .unwrap();
    // Committed on its own, not inside a transaction left open: another pool sees it.
    let other = postgres(&url, 1).await;
    assert_eq!(count(&other).await, 1);
}

/// A connection kept idle long enough goes back to sqlx, whose own idle timeout and
/// minimum then apply; the next statement takes it from there and keeps it again.
#[tokio::test]
async fn a_connection_kept_idle_goes_back_to_sqlx() {
    let dir = TempDir::new();
    let db = sqlite_with(&dir, Duration::from_secs(600), Duration::from_millis(100)).await;
    create_table(&db).await;
    assert_eq!(kept(&db), 1);
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(kept(&db), 0, "given back after 100 ms idle");
    until_sqlx_holds(&db, 1, 1).await;
    assert_eq!(count(&db).await, 0);
    assert_eq!(kept(&db), 1, "taken from sqlx and kept again");
    until_sqlx_holds(&db, 0, 1).await;
}

/// A connection in steady use is never idle for long: past the pool's maximum lifetime
/// it still goes back to sqlx at its next release, and sqlx closes it.
#[tokio::test]
async fn a_connection_past_the_pools_lifetime_is_not_kept() {
    let dir = TempDir::new();
    let db = sqlite_with(&dir, Duration::from_millis(500), Duration::from_secs(600)).await;
    create_table(&db).await;
    for n in 0..3 {
        db.execute(Sql::new("INSERT INTO t (n) VALUES ($1)").bind(n))
            .await
            .unwrap();
        assert_eq!(kept(&db), 1);
    }
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(count(&db).await, 3);
    assert_eq!(kept(&db), 0, "past its lifetime: given back, not kept");
    until_sqlx_holds(&db, 0, 0).await;
    assert_eq!(
        count(&db).await,
        3,
        "a new connection serves the next statement"
    );
    assert_eq!(kept(&db), 1);
}
