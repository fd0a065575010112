//! Failed-attempt counters.

use async_trait::async_trait;
use latchkey_core::StoreError;
use latchkey_core::store::{AttemptRecord, Attempts};

use super::SqlStore;
use crate::db::{Row, Sql};
use crate::errors::corrupt;

#[async_trait]
impl Attempts for SqlStore {
    async fn attempts(&self, keys: &[String]) -> Result<Vec<AttemptRecord>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new("SELECT key, failures, locked_until FROM attempts WHERE key IN (");
        for (n, key) in keys.iter().enumerate() {
            if n > 0 {
                sql.push(", ");
            }
            sql.push_bind(key);
        }
        sql.push(")");
        let found = self.read.fetch_all(sql).await?;
        found.iter().map(attempt).collect()
    }

    async fn record_failed_attempt(
        &self,
        key: &str,
        now: i64,
        window_start: i64,
    ) -> Result<u32, StoreError> {
        let sql = Sql::new(
            "INSERT INTO attempts (key, failures, locked_until, updated_at) VALUES ($1, 1, NULL, $2) \
             ON CONFLICT (key) DO UPDATE SET \
             failures = CASE WHEN attempts.updated_at < $3 THEN 1 ELSE attempts.failures + 1 END, \
             locked_until = CASE WHEN attempts.updated_at < $3 THEN NULL ELSE attempts.locked_until END, \
             updated_at = $2 \
             RETURNING failures",
        )
        .bind(key)
        .bind(now)
        .bind(window_start);
        let failures = self.write.fetch_one(sql).await?.int("failures")?;
        Ok(u32::try_from(failures).unwrap_or(u32::MAX))
    }

    async fn lock_attempts(&self, key: &str, until: i64) -> Result<(), StoreError> {
        let sql = Sql::new("UPDATE attempts SET locked_until = $1 WHERE key = $2")
            .bind(until)
            .bind(key);
        self.write.execute(sql).await.map(drop)
    }

    async fn clear_attempts(&self, key: &str) -> Result<(), StoreError> {
        let sql = Sql::new("DELETE FROM attempts WHERE key = $1").bind(key);
        self.write.execute(sql).await.map(drop)
    }

    async fn purge_attempts(&self, before: i64) -> Result<u64, StoreError> {
        let sql = Sql::new(
            "DELETE FROM attempts WHERE updated_at < $1 AND (locked_until IS NULL OR locked_until < $2)",
        )
        .bind(before)
        .bind(before);
        self.write.execute(sql).await
    }
}

fn attempt(row: &Row) -> Result<AttemptRecord, StoreError> {
    Ok(AttemptRecord {
        key: row.text("key")?,
        failures: u32::try_from(row.int("failures")?).map_err(|_| corrupt("failures"))?,
        locked_until: row.opt_int("locked_until")?,
    })
}

/// The counter of a `LEFT JOIN attempts`: none counted yet when the row is absent.
pub(super) fn attempt_or_none(row: &Row) -> Result<AttemptRecord, StoreError> {
    Ok(match row.opt_text("key")? {
        Some(key) => AttemptRecord {
            key,
            failures: row
                .opt_int("failures")?
                .and_then(|f| u32::try_from(f).ok())
                .unwrap_or(0),
            locked_until: row.opt_int("locked_until")?,
        },
        None => AttemptRecord::default(),
    })
}
