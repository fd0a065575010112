//! `Store` for SQLite: the shared body (`crate::store_impl`), reads on the reader pool,
//! writes on the single writer connection.

use async_trait::async_trait;
use latchkey_core::email::Email;
use latchkey_core::ids::{AccountId, ClientId, SessionId};
use latchkey_core::store::{
    AccountRecord, AttemptRecord, AuditQuery, AuditRecord, ClientKeyRecord, IssuedAccess,
    SessionRecord, SigningKeyRecord,
};
use latchkey_core::{Store, StoreError};
use sqlx::sqlite::SqliteRow;

use super::SqliteStore;
use crate::batch_writes::{Rotation, batch_writes};
use crate::errors::OrStoreError as _;
use crate::rows::{self, ACCOUNT_COLUMNS, CLIENT_KEY_COLUMNS, SESSION_COLUMNS, kind_name};
use crate::store_impl::store_impl;

store_impl!(SqliteStore, SqliteRow, sqlx::Sqlite);
batch_writes!(sqlx::Sqlite, sqlx::SqlitePool, NO_SETUP);

/// Nothing to set up in a rotation batch: the single writer cannot wait on a row lock.
const NO_SETUP: [&str; 0] = [];

/// Rotates a batch of sessions with one `UPDATE … FROM (VALUES …)`: a single statement
/// is a single trip to the writer thread instead of one per rotation, and the statement
/// is its own transaction. Its `SET` and `WHERE` are `rotate_one`'s compare-and-set
/// (`crate::batch_writes`), row by row: change them together. A batch in which a session
/// appears twice (two refreshes of one token racing) goes through `rotate_sessions`
/// instead, which keeps their order.
pub(super) async fn rotate_sessions_at_once(
    pool: sqlx::SqlitePool,
    batch: Vec<Rotation>,
) -> Result<Vec<Option<SessionRecord>>, StoreError> {
    let mut ids: Vec<&SessionId> = batch.iter().map(|r| &r.id).collect();
    ids.sort_unstable();
    ids.dedup();
    if batch.len() < 2 || ids.len() < batch.len() {
        return rotate_sessions(pool, batch).await;
    }
    // SQLite names the columns of a VALUES list column1, column2, …
    let mut update = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
        "UPDATE sessions SET generation = generation + 1, rotated_at = b.column3, \
         last_used_at = b.column3, access_jti = b.column4, access_expires_at = b.column5, \
         access_scope = b.column6 FROM (",
    );
    update.push_values(&batch, |mut row, r| {
        row.push_bind(r.id.as_str())
            .push_bind(rows::generation(r.from))
            .push_bind(r.now)
            .push_bind(&r.access.jti)
            .push_bind(r.access.expires_at)
            .push_bind(r.access.scope.to_string());
    });
    update.push(
        ") AS b WHERE sessions.id = b.column1 AND sessions.generation = b.column2 \
         AND sessions.revoked_at IS NULL \
         AND (sessions.expires_at IS NULL OR sessions.expires_at > b.column3) RETURNING ",
    );
    update.push(SESSION_COLUMNS);
    let mut updated = std::collections::HashMap::with_capacity(batch.len());
    for row in update.build().fetch_all(&pool).await.store_err()? {
        let session = rows::session(&row)?;
        updated.insert(session.id.clone(), session);
    }
    Ok(batch.iter().map(|r| updated.remove(&r.id)).collect())
}
