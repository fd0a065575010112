//! Failed-attempt counters.

use async_trait::async_trait;
use latchkey_core::StoreError;
use latchkey_core::store::{AttemptCounter, AttemptRecord, Attempts};

use super::SqlStore;
use crate::db::{Row, Sql};
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
        if keys.is_empty() {
            return Ok(());
        }
        let mut tx = self.counters.begin().await?;
        // One statement creates the missing counters, locks them all (a conflicting
        // insert locks the row it updates) and reads them back.
        let mut upsert = Sql::new(INSERT_COUNTERS);
        push_counters(&mut upsert, keys, "0, NULL, 0, 0, NULL");
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

    async fn add_checks(
        &self,
        keys: &[String],
        now: i64,
        hold_until: i64,
        window_start: i64,
    ) -> Result<Vec<AttemptCounter>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        // SET reads the row as it was: a stale window or hold is forgotten in the same step
        // as the check is counted.
        let mut upsert = Sql::new(INSERT_COUNTERS)
            .bind(now)
            .bind(hold_until)
            .bind(window_start);
        push_counters(&mut upsert, keys, "0, NULL, $1, 1, $2");
        upsert.push(
            " ON CONFLICT (key) DO UPDATE SET \
             failures = CASE WHEN attempts.updated_at < $3 THEN 0 ELSE attempts.failures END, \
             locked_until = CASE WHEN attempts.updated_at < $3 THEN NULL ELSE attempts.locked_until END, \
             checking = CASE WHEN attempts.checking_until IS NULL OR attempts.checking_until <= $1 \
             THEN 1 ELSE attempts.checking + 1 END, \
             checking_until = $2, updated_at = $1 \
             RETURNING key, failures, locked_until, updated_at, checking, checking_until",
        );
        let rows = self.counters.fetch_all(upsert).await?;
        rows.iter().map(counter).collect()
    }

    async fn remove_checks(
        &self,
        keys: &[String],
        forget: &[String],
        now: i64,
        window_start: i64,
    ) -> Result<(), StoreError> {
        if keys.is_empty() {
            return Ok(());
        }
        // An upsert rather than an UPDATE, for its lock order: it locks the counters in
        // the order of its rows, as `add_checks` and `update_attempts` do, so that none of
        // them can deadlock with another. A counter that is somehow gone comes back empty.
        let mut upsert = Sql::new(INSERT_COUNTERS).bind(now).bind(window_start);
        // The keys to forget are bound next, as $3, $4, …, and named twice below; the
        // counters' own keys come after them.
        let mut forgotten = String::from("attempts.updated_at < $2");
        if !forget.is_empty() {
            let list: Vec<String> = (3..3 + forget.len()).map(|n| format!("${n}")).collect();
            forgotten = format!("{forgotten} OR attempts.key IN ({})", list.join(", "));
            for key in forget {
                upsert = upsert.bind(key.as_str());
            }
        }
        push_counters(&mut upsert, keys, "0, NULL, $1, 0, NULL");
        let ended = "attempts.checking_until IS NULL OR attempts.checking_until <= $1 \
                     OR attempts.checking <= 1";
        upsert.push(&format!(
            " ON CONFLICT (key) DO UPDATE SET \
             checking = CASE WHEN {ended} THEN 0 ELSE attempts.checking - 1 END, \
             checking_until = CASE WHEN {ended} THEN NULL ELSE attempts.checking_until END, \
             failures = CASE WHEN {forgotten} THEN 0 ELSE attempts.failures END, \
             locked_until = CASE WHEN {forgotten} THEN NULL ELSE attempts.locked_until END"
        ));
        self.counters.execute(upsert).await.map(drop)
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

/// How many counters [`joined`] can join to one row.
pub(super) const MAX_JOINED: usize = 2;

/// The columns of each counter `LEFT JOIN attempts a{n} … ON a{n}.key = …` adds to a row,
/// as [`attempt_if_any`] reads them: `key{n}`, `failures{n}`, `locked_until{n}`.
const JOINED: [[&str; 3]; MAX_JOINED] = [
    ["key0", "failures0", "locked_until0"],
    ["key1", "failures1", "locked_until1"],
];

/// The select-list addition and the joins of `n` counters (at most [`MAX_JOINED`]), the
/// joins' keys bound from `$first` on: e.g. for one, `, a0.key AS key0, …` and
/// ` LEFT JOIN attempts a0 ON a0.key = $first`.
pub(super) fn joined(n: usize, first: usize) -> (String, String) {
    let mut columns = String::new();
    let mut joins = String::new();
    for (i, [key, failures, locked_until]) in JOINED.iter().take(n).enumerate() {
        columns.push_str(&format!(
            ", a{i}.key AS {key}, a{i}.failures AS {failures}, a{i}.locked_until AS {locked_until}"
        ));
        joins.push_str(&format!(
            " LEFT JOIN attempts a{i} ON a{i}.key = ${}",
            first + i
        ));
    }
    (columns, joins)
}

/// The counter of the `n`th `LEFT JOIN attempts` (its columns as [`joined`] names them),
/// if the row has one.
pub(super) fn attempt_if_any(row: &Row, n: usize) -> Result<Option<AttemptRecord>, StoreError> {
    let Some([key, failures, locked_until]) = JOINED.get(n) else {
        return Ok(None);
    };
    Ok(match row.opt_text(key)? {
        Some(key) => Some(AttemptRecord {
            key,
            failures: row
                .opt_int(failures)?
                .and_then(|f| u32::try_from(f).ok())
                .unwrap_or(0),
            locked_until: row.opt_int(locked_until)?,
        }),
        None => None,
    })
}

/// The start of every statement that creates or locks counters: rows follow, by
/// [`push_counters`].
const INSERT_COUNTERS: &str = "INSERT INTO attempts \
     (key, failures, locked_until, updated_at, checking, checking_until) VALUES ";

/// Appends one row per counter of `keys` to [`INSERT_COUNTERS`]: its key, then `rest`
/// (the other columns' values). In key order, without repeats: every
/// statement that locks several counters locks them in that order.
fn push_counters<'a>(sql: &mut Sql<'a>, keys: &'a [String], rest: &str) {
    let mut keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    keys.sort_unstable();
    keys.dedup();
    for (n, key) in keys.into_iter().enumerate() {
        sql.push(if n == 0 { "(" } else { ", (" });
        sql.push_bind(key).push(", ").push(rest).push(")");
    }
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
