//! The group-committed session writes (see `crate::batch`): many inserts in one
//! statement, and rotations grouped the way the backend takes them best.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use latchkey_core::StoreError;
use latchkey_core::ids::SessionId;
use latchkey_core::store::{IssuedAccess, SessionGuard, SessionRecord};

use super::sessions::{COLUMNS, generation, session};
use crate::db::{Arg, Column, Db, RowsStatement, Sql, Tx};

/// One queued refresh-token rotation: the arguments of `Sessions::rotate_session`.
#[derive(Debug, Clone)]
pub(crate) struct Rotation {
    pub(crate) id: SessionId,
    pub(crate) from: u64,
    pub(crate) access: IssuedAccess,
    pub(crate) now: i64,
}

/// How a batch of rotations is written.
#[derive(Debug, Clone, Copy)]
pub(crate) enum RotationBatches {
    /// One `UPDATE … FROM (VALUES …)` for the whole batch: one trip to SQLite's single
    /// writer thread instead of one per rotation, and the statement is its own
    /// transaction.
    OneStatement,
    /// One transaction, one compare-and-set `UPDATE` per rotation in session-id order,
    /// after running `setup` in it. PostgreSQL: rows locked in a fixed order cannot
    /// deadlock with another instance's batch.
    Transaction {
        /// Statements run first in each batch's transaction.
        setup: &'static [&'static str],
    },
}

/// The columns of [`insert_sessions`]'s rows: the session's, then its guard's (the
/// credential generation to check, NULL for none; whether its client key must exist).
const INSERTED: &[(&str, Column)] = &[
    ("id", Column::Text),
    ("account_id", Column::Text),
    ("kind", Column::Text),
    ("client_id", Column::Text),
    ("scope", Column::Text),
    ("created_at", Column::Int),
    ("expires_at", Column::Int),
    ("last_used_at", Column::Int),
    ("generation", Column::Int),
    ("rotates", Column::Int),
    ("status_idx", Column::Int),
    ("credential_generation", Column::Int),
    ("needs_key", Column::Int),
];

/// The columns of [`rotate_at_once`]'s rows: the session, the generation it must be at,
/// the time, and the access token it now issues. No name is one of `sessions`' own, so
/// the `RETURNING` list needs no table name.
const ROTATED: &[(&str, Column)] = &[
    ("rotated_id", Column::Text),
    ("at_generation", Column::Int),
    ("at_time", Column::Int),
    ("jti", Column::Text),
    ("jti_expires_at", Column::Int),
    ("jti_scope", Column::Text),
];

/// Inserts a batch of sessions with one statement, each only if its guard holds (its
/// account still at the credential generation it names, its client key still there),
/// and says which were stored. On PostgreSQL the rows the guards read stay share-locked
/// until the insert commits: a password change or a key deletion running at the same
/// time waits for it, then revokes the new session with the others; or it went first,
/// and the guard fails.
pub(super) async fn insert_sessions(
    db: Db,
    sessions: Vec<(SessionRecord, SessionGuard)>,
) -> Result<Vec<bool>, StoreError> {
    static INSERT: RowsStatement = RowsStatement::new(
        "INSERT INTO sessions (id, account_id, kind, client_id, scope, created_at, expires_at, \
         last_used_at, generation, rotates, status_idx) \
         SELECT v.id, v.account_id, v.kind, v.client_id, v.scope, v.created_at, v.expires_at, \
         v.last_used_at, v.generation, v.rotates, v.status_idx FROM ",
        INSERTED,
        |db| {
            let lock = db.share_lock();
            format!(
                " WHERE (v.credential_generation IS NULL OR EXISTS (SELECT 1 FROM accounts a \
                 WHERE a.id = v.account_id AND a.credential_generation = v.credential_generation{lock})) \
                 AND (v.needs_key = 0 OR EXISTS (SELECT 1 FROM client_keys k \
                 WHERE k.id = v.client_id AND k.account_id = v.account_id{lock}))"
            )
        },
    );
    let rows = sessions
        .iter()
        .map(|(s, guard)| {
            let (credential_generation, needs_key) = match *guard {
                SessionGuard::CredentialGeneration(g) => (Some(g), 0),
                SessionGuard::ClientKey => (None, 1),
            };
            vec![
                s.id.as_str().into(),
                s.account_id.as_str().into(),
                s.kind.as_str().into(),
                s.client_id.as_deref().into(),
                s.scope.to_string().into(),
                s.created_at.into(),
                s.expires_at.into(),
                s.last_used_at.into(),
                generation(s.generation).into(),
                i64::from(s.rotates).into(),
                s.status_idx.map(super::status_indexes::stored_index).into(),
                credential_generation.into(),
                i64::from(needs_key).into(),
            ]
        })
        .collect();
    let insert = INSERT.sql(&db, rows);
    // Nearly always every guard holds: the count says so without a row per session
    // coming back (on SQLite, each returned row is one more hand-off from the database
    // thread). Only when some were refused do we ask which.
    let inserted = db.execute(insert).await?;
    if usize::try_from(inserted).is_ok_and(|n| n == sessions.len()) {
        return Ok(vec![true; sessions.len()]);
    }
    let mut find = Sql::new("SELECT id FROM sessions WHERE id IN (");
    find.push_list(sessions.iter().map(|(s, _)| s.id.as_str()));
    find.push(")");
    let stored: HashSet<String> = db
        .fetch_all(find)
        .await?
        .iter()
        .map(|row| row.text("id"))
        .collect::<Result<_, _>>()?;
    Ok(sessions
        .iter()
        .map(|(s, _)| stored.contains(s.id.as_str()))
        .collect())
}

/// Rotates a batch of sessions as `strategy` says, and returns each rotation's result in
/// the batch's order. Two rotations of one session keep their order, so the second sees
/// the first's generation, exactly as if they had run one after the other.
pub(super) async fn rotate_sessions(
    db: Db,
    strategy: RotationBatches,
    batch: Vec<Rotation>,
) -> Result<Vec<Option<SessionRecord>>, StoreError> {
    match strategy {
        RotationBatches::OneStatement => rotate_at_once(db, batch).await,
        RotationBatches::Transaction { setup } => rotate_in_transaction(db, setup, batch).await,
    }
}

/// The whole batch in one statement. Its `SET` and `WHERE` are [`rotate_one`]'s
/// compare-and-set, row by row: change them together. A batch in which a session appears
/// twice (two refreshes of one token racing) goes through [`rotate_in_transaction`]
/// instead, which keeps their order.
async fn rotate_at_once(
    db: Db,
    batch: Vec<Rotation>,
) -> Result<Vec<Option<SessionRecord>>, StoreError> {
    static ROTATE: RowsStatement = RowsStatement::new(
        "UPDATE sessions SET generation = generation + 1, rotated_at = v.at_time, \
         last_used_at = v.at_time, access_jti = v.jti, access_expires_at = v.jti_expires_at, \
         access_scope = v.jti_scope FROM ",
        ROTATED,
        |_| {
            format!(
                " WHERE sessions.id = v.rotated_id AND sessions.generation = v.at_generation \
                 AND sessions.revoked_at IS NULL \
                 AND (sessions.expires_at IS NULL OR sessions.expires_at > v.at_time) \
                 RETURNING {COLUMNS}"
            )
        },
    );
    let mut ids: Vec<&SessionId> = batch.iter().map(|r| &r.id).collect();
    ids.sort_unstable();
    ids.dedup();
    if batch.len() < 2 || ids.len() < batch.len() {
        return rotate_in_transaction(db, &[], batch).await;
    }
    let rows = batch
        .iter()
        .map(|r| -> Vec<Arg<'_>> {
            vec![
                r.id.as_str().into(),
                generation(r.from).into(),
                r.now.into(),
                r.access.jti.as_str().into(),
                r.access.expires_at.into(),
                r.access.scope.to_string().into(),
            ]
        })
        .collect();
    let update = ROTATE.sql(&db, rows);
    let mut updated = HashMap::with_capacity(batch.len());
    for row in db.fetch_all(update).await? {
        let session = session(&row)?;
        updated.insert(session.id.clone(), session);
    }
    Ok(batch.iter().map(|r| updated.remove(&r.id)).collect())
}

/// The batch in one transaction, one compare-and-set each, rows locked in session-id
/// order (a stable sort: one session's rotations stay in order), so two instances'
/// batches cannot deadlock on PostgreSQL.
async fn rotate_in_transaction(
    db: Db,
    setup: &[&str],
    batch: Vec<Rotation>,
) -> Result<Vec<Option<SessionRecord>>, StoreError> {
    if let [one] = batch.as_slice() {
        let row = db.fetch_optional(rotate_one(one)).await?;
        return Ok(vec![row.as_ref().map(session).transpose()?]);
    }
    let mut order: Vec<usize> = (0..batch.len()).collect();
    order.sort_by(|&a, &b| batch[a].id.cmp(&batch[b].id));
    let mut results = vec![None; batch.len()];
    let mut tx: Tx = db.begin().await?;
    for statement in setup {
        tx.execute(Sql::new(*statement)).await?;
    }
    for i in order {
        let row = tx.fetch_optional(rotate_one(&batch[i])).await?;
        results[i] = row.as_ref().map(session).transpose()?;
    }
    tx.commit().await?;
    Ok(results)
}

/// One rotation's compare-and-set. [`rotate_at_once`] runs the same one for a whole
/// batch in one statement: change them together.
fn rotate_one(r: &Rotation) -> Sql<'_> {
    static ROTATE: LazyLock<String> = LazyLock::new(|| {
        format!(
            "UPDATE sessions SET generation = generation + 1, rotated_at = $1, last_used_at = $2, \
             access_jti = $3, access_expires_at = $4, access_scope = $5 \
             WHERE id = $6 AND generation = $7 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $8) \
             RETURNING {COLUMNS}"
        )
    });
    Sql::new(ROTATE.as_str())
        .bind(r.now)
        .bind(r.now)
        .bind(r.access.jti.as_str())
        .bind(r.access.expires_at)
        .bind(r.access.scope.to_string())
        .bind(r.id.as_str())
        .bind(generation(r.from))
        .bind(r.now)
}
