//! The kept connections, on both backends.

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
