//! `seed`: a million refresh sessions inserted straight into the database, one
//! statement, for the growth scenario (on PostgreSQL then vacuumed and checkpointed).
//! They belong to the seed account, live (not expired, not revoked), like the sessions of
//! a busy service.

use std::path::Path;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::read;

pub async fn run(database: &str, dir: &Path, count: u64) -> anyhow::Result<()> {
    let account = read(dir, "seed_account")?;
    let client = read(dir, "seed_client")?;
    let now = i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs())?;
    let expires = now + 365 * 86_400;
    let count = i64::try_from(count)?;
    let started = Instant::now();
    if database.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(database).await?;
        insert(
            &pool,
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
             INSERT INTO sessions (id, account_id, kind, client_id, scope, created_at, expires_at, generation) \
             SELECT printf('%032x', i), $2, 'client_refresh', $3, 'nodes:read nodes:write', $4, $5, 0 FROM n",
            (count, &account, &client, now, expires),
        )
        .await?;
    } else {
        let pool = sqlx::PgPool::connect(database).await?;
        insert(
            &pool,
            "INSERT INTO sessions (id, account_id, kind, client_id, scope, created_at, expires_at, generation) \
             SELECT lpad(to_hex(i), 32, '0'), $2, 'client_refresh', $3, 'nodes:read nodes:write', $4, $5, 0 \
             FROM generate_series(1, $1::bigint) AS i",
            (count, &account, &client, now, expires),
        )
        .await?;
        // What a table that grew over months would look like: vacuumed, analysed, its pages
        // on disk. Without the CHECKPOINT, the seed's ≈ 500 MB of WAL made PostgreSQL start
        // one (`checkpoint starting: wal` in its log) during the scenarios that follow, and
        // their p99 rose to 49–50 ms in two of three runs.
        sqlx::query("VACUUM (ANALYZE) sessions")
            .execute(&pool)
            .await?;
        sqlx::query("CHECKPOINT").execute(&pool).await?;
    }
    eprintln!(
        "seeded {count} sessions in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Runs one dialect's seeding `sql` on `pool`; its `$1` to `$5` are, in order, the count,
/// the account, the client, the creation and the expiry time.
async fn insert<DB>(
    pool: &sqlx::Pool<DB>,
    sql: &str,
    (count, account, client, now, expires): (i64, &str, &str, i64, i64),
) -> anyhow::Result<()>
where
    DB: sqlx::Database,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    sqlx::query::<DB>(sql)
        .bind(count)
        .bind(account)
        .bind(client)
        .bind(now)
        .bind(expires)
        .execute(pool)
        .await?;
    Ok(())
}
