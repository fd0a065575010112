//! Status-list indexes: the counter they are reserved from, and what ended since a time
//! (revoked sessions, ended login eras).

use async_trait::async_trait;
use latchkey_core::StoreError;
use latchkey_core::store::{StatusChanges, StatusIndexes};

use super::SqlStore;
use crate::db::{Sql, Tx};
use crate::errors::corrupt;

/// Moves the counter past `count` indexes and returns the first of them. The counter's
/// row stays locked until the caller's transaction ends (a statement of its own is its
/// own transaction), so no two callers, on any instance, get the same index.
fn reserve(count: u64) -> Sql<'static> {
    Sql::new(
        "UPDATE status_counter SET next_index = next_index + $1 WHERE id = 0 RETURNING next_index",
    )
    .bind(stored_index(count))
}

/// Reserves one index inside `tx` (a login era's), holding the counter's row lock until
/// `tx` ends.
pub(super) async fn reserve_one(tx: &mut Tx) -> Result<i64, StoreError> {
    let row = tx
        .fetch_optional(reserve(1))
        .await?
        .ok_or_else(|| corrupt("status counter"))?;
    Ok(row.int("next_index")? - 1)
}

/// An index as stored (SQL has no unsigned integers; indexes stay far below 2^63).
pub(super) fn stored_index(idx: u64) -> i64 {
    i64::try_from(idx).unwrap_or(i64::MAX)
}

/// An index as read.
pub(super) fn loaded_index(value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| corrupt("status index"))
}

#[async_trait]
impl StatusIndexes for SqlStore {
    async fn reserve_status_indexes(&self, count: u64) -> Result<u64, StoreError> {
        let row = self.write.fetch_one(reserve(count)).await?;
        let end = loaded_index(row.int("next_index")?)?;
        end.checked_sub(count)
            .ok_or_else(|| corrupt("status counter"))
    }

    async fn status_changes(&self, since: i64) -> Result<StatusChanges, StoreError> {
        let counter = self
            .read
            .fetch_one(Sql::new(
                "SELECT next_index FROM status_counter WHERE id = 0",
            ))
            .await?;
        let ended = Sql::new(
            "SELECT status_idx AS idx FROM sessions WHERE revoked_at >= $1 AND status_idx IS NOT NULL \
             UNION ALL SELECT idx FROM ended_status_indexes WHERE ended_at >= $2",
        )
        .bind(since)
        .bind(since);
        let ended = self
            .read
            .fetch_all(ended)
            .await?
            .iter()
            .map(|row| loaded_index(row.int("idx")?))
            .collect::<Result<_, _>>()?;
        Ok(StatusChanges {
            reserved_until: loaded_index(counter.int("next_index")?)?,
            ended,
        })
    }

    async fn purge_ended_status_indexes(&self, before: i64) -> Result<u64, StoreError> {
        let sql = Sql::new("DELETE FROM ended_status_indexes WHERE ended_at < $1").bind(before);
        self.write.execute(sql).await
    }
}
