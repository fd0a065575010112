//! The SQL of the group commits (see `crate::batch`), stamped by [`batch_writes!`] for
//! each backend beside the store body: session inserts, and session rotations.

use latchkey_core::ids::SessionId;
use latchkey_core::store::IssuedAccess;

/// One queued refresh-token rotation: the arguments of `Store::rotate_session`.
#[derive(Debug, Clone)]
pub(crate) struct Rotation {
    pub(crate) id: SessionId,
    pub(crate) from: u64,
    pub(crate) access: IssuedAccess,
    pub(crate) now: i64,
}

/// Defines `insert_sessions` and `rotate_sessions` for database `$db` and pool `$pool`;
/// `$setup` lists statements run first in each rotation batch's transaction.
macro_rules! batch_writes {
    ($db:ty, $pool:ty, $setup:expr) => {
        /// Inserts a batch of sessions with one statement (see `crate::batch`).
        pub(super) async fn insert_sessions(
            pool: $pool,
            sessions: Vec<SessionRecord>,
        ) -> Result<Vec<()>, StoreError> {
            let mut insert = sqlx::QueryBuilder::new(
                "INSERT INTO sessions (id, account_id, kind, client_id, scope, created_at, expires_at, last_used_at, generation, rotates) ",
            );
            insert.push_values(&sessions, |mut row, s| {
                row.push_bind(s.id.as_str())
                    .push_bind(s.account_id.as_str())
                    .push_bind(kind_name(s.kind))
                    .push_bind(s.client_id.as_deref())
                    .push_bind(s.scope.to_string())
                    .push_bind(s.created_at)
                    .push_bind(s.expires_at)
                    .push_bind(s.last_used_at)
                    .push_bind(rows::generation(s.generation))
                    .push_bind(i64::from(s.rotates));
            });
            insert.build().execute(&pool).await.store_err()?;
            Ok(vec![(); sessions.len()])
        }

        /// Rotates a batch of sessions in one transaction, one compare-and-set `UPDATE`
        /// each (see `crate::batch`), and returns each rotation's result in the batch's
        /// order. Two rotations of one session keep their order, so the second sees the
        /// first's generation, exactly as if they had run one after the other.
        pub(super) async fn rotate_sessions(
            pool: $pool,
            batch: Vec<crate::batch_writes::Rotation>,
        ) -> Result<Vec<Option<SessionRecord>>, StoreError> {
            if let [one] = batch.as_slice() {
                return Ok(vec![rotate_one(&pool, one).await?]);
            }
            // Rows are locked in session-id order (a stable sort: one session's rotations
            // stay in order), so two instances' batches cannot deadlock on PostgreSQL.
            let mut order: Vec<usize> = (0..batch.len()).collect();
            order.sort_by(|&a, &b| batch[a].id.cmp(&batch[b].id));
            let mut results = vec![None; batch.len()];
            let mut tx = pool.begin().await.store_err()?;
            for setup in $setup {
                sqlx::query(setup).execute(&mut *tx).await.store_err()?;
            }
            for i in order {
                results[i] = rotate_one(&mut *tx, &batch[i]).await?;
            }
            tx.commit().await.store_err()?;
            Ok(results)
        }

        /// One rotation's compare-and-set. SQLite runs the same one for a whole batch in
        /// one statement (`rotate_sessions_at_once`): change them together.
        async fn rotate_one<'e>(
            executor: impl sqlx::Executor<'e, Database = $db>,
            r: &crate::batch_writes::Rotation,
        ) -> Result<Option<SessionRecord>, StoreError> {
            let sql = format!(
                "UPDATE sessions SET generation = generation + 1, rotated_at = $1, last_used_at = $2, \
                 access_jti = $3, access_expires_at = $4, access_scope = $5 \
                 WHERE id = $6 AND generation = $7 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $8) \
                 RETURNING {SESSION_COLUMNS}"
            );
            let row = sqlx::query(&sql)
                .bind(r.now)
                .bind(r.now)
                .bind(&r.access.jti)
                .bind(r.access.expires_at)
                .bind(r.access.scope.to_string())
                .bind(r.id.as_str())
                .bind(rows::generation(r.from))
                .bind(r.now)
                .fetch_optional(executor)
                .await
                .store_err()?;
            row.as_ref().map(rows::session).transpose()
        }
    };
}

pub(crate) use batch_writes;
