//! Failed-attempt counters.

use async_trait::async_trait;
use latchkey_core::StoreError;
use latchkey_core::store::{AttemptCounter, AttemptRecord, Attempts};

use super::SqlStore;
use crate::db::{Arg, Row, Sql};
use crate::errors::corrupt;

#[async_trait]
impl Attempts for SqlStore {
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

    async fn update_attempts(
        &self,
        keys: &[String],
        change: &mut (dyn for<'c> FnMut(&'c mut [AttemptCounter]) + Send),
    ) -> Result<(), StoreError> {
        // In key order, so that two transactions over the same counters cannot deadlock.
        let mut keys: Vec<&String> = keys.iter().collect();
        keys.sort_unstable();
        keys.dedup();
        if keys.is_empty() {
            return Ok(());
        }
        let mut tx = self.write.begin_lossy().await?;
        // One statement creates the missing counters, locks them all (a conflicting
        // insert locks the row it updates) and reads them back.
        let mut upsert =
            Sql::new("INSERT INTO attempts (key, failures, locked_until, updated_at) VALUES ");
        upsert.push_values(&keys, |key| {
            vec![key.as_str().into(), 0.into(), Arg::Int(None), 0.into()]
        });
        upsert.push(
            " ON CONFLICT (key) DO UPDATE SET checking = attempts.checking \
             RETURNING key, failures, locked_until, updated_at, checking, checking_until",
        );
        let rows = tx.fetch_all(upsert).await?;
        let mut counters = rows.iter().map(counter).collect::<Result<Vec<_>, _>>()?;
        counters.sort_unstable_by(|a, b| a.key.cmp(&b.key));
        change(&mut counters);
        let (forgotten, kept): (Vec<&AttemptCounter>, Vec<&AttemptCounter>) = counters
            .iter()
            .partition(|c| c.failures == 0 && c.locked_until.is_none() && c.checking == 0);
        if !forgotten.is_empty() {
            let mut delete = Sql::new("DELETE FROM attempts WHERE key IN (");
            delete.push_list(forgotten.iter().map(|c| c.key.as_str()));
            delete.push(")");
            tx.execute(delete).await?;
        }
        if !kept.is_empty() {
            // VALUES columns: column1 the key, then the five values in SET order.
            let mut update = Sql::new(
                "UPDATE attempts SET failures = v.column2, locked_until = v.column3, \
                 updated_at = v.column4, checking = v.column5, checking_until = v.column6 \
                 FROM (VALUES ",
            );
            update.push_values(&kept, |c| {
                vec![
                    c.key.as_str().into(),
                    i64::from(c.failures).into(),
                    c.locked_until.into(),
                    c.updated_at.into(),
                    i64::from(c.checking).into(),
                    c.checking_until.into(),
                ]
            });
            update.push(") AS v WHERE attempts.key = v.column1");
            tx.execute(update).await?;
        }
        tx.commit().await
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

/// The columns [`attempt_if_any`] reads from the `n`th `LEFT JOIN attempts a{n}`.
pub(super) fn joined_columns(n: usize) -> String {
    format!(
        ", a{n}.key AS key{n}, a{n}.failures AS failures{n}, a{n}.locked_until AS locked_until{n}"
    )
}

/// The counter of the `n`th `LEFT JOIN attempts` (its columns as [`joined_columns`] names
/// them), if the row has one.
pub(super) fn attempt_if_any(row: &Row, n: usize) -> Result<Option<AttemptRecord>, StoreError> {
    Ok(match row.opt_text(&format!("key{n}"))? {
        Some(key) => Some(AttemptRecord {
            key,
            failures: row
                .opt_int(&format!("failures{n}"))?
                .and_then(|f| u32::try_from(f).ok())
                .unwrap_or(0),
            locked_until: row.opt_int(&format!("locked_until{n}"))?,
        }),
        None => None,
    })
}

fn counter(row: &Row) -> Result<AttemptCounter, StoreError> {
    let count = |column| {
        row.int(column)
            .and_then(|n| u32::try_from(n).map_err(|_| corrupt(column)))
    };
    Ok(AttemptCounter {
        key: row.text("key")?,
        failures: count("failures")?,
        locked_until: row.opt_int("locked_until")?,
        updated_at: row.int("updated_at")?,
        checking: count("checking")?,
        checking_until: row.opt_int("checking_until")?,
    })
}
