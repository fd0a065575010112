//! Refresh sessions. Inserts and rotations are queued for group commit
//! (`super::session_batches`); the rest runs statement by statement.

use std::sync::LazyLock;

use async_trait::async_trait;
use latchkey_core::ids::{AccountId, ClientId, SessionId};
use latchkey_core::store::{
    IssuedAccess, KeyLimits, SessionGuard, SessionRecord, Sessions, TokenStanding,
};
use latchkey_core::{Kind, StoreError};

use super::client_keys::stored_networks;
use super::session_batches::Rotation;
use super::{SqlStore, account_id, scope};
use crate::db::{Row, Sql};
use crate::errors::corrupt;

/// Columns of `sessions`, as [`session`] reads them.
pub(super) const COLUMNS: &str = "id, account_id, kind, client_id, scope, created_at, expires_at, last_used_at, \
     generation, rotates, rotated_at, access_jti, access_expires_at, access_scope, status_idx";

/// The session `$1` if it is live at time `$2`: not revoked, not expired. Every read of
/// a live session starts from it (made once: a refresh reads it every time).
static LIVE_BY_ID: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {COLUMNS} FROM sessions WHERE id = $1 AND revoked_at IS NULL \
         AND (expires_at IS NULL OR expires_at > $2)"
    )
});

#[async_trait]
impl Sessions for SqlStore {
    async fn insert_session(
        &self,
        s: &SessionRecord,
        guard: SessionGuard,
    ) -> Result<bool, StoreError> {
        self.sessions.submit((s.clone(), guard)).await
    }

    async fn live_session(
        &self,
        id: &SessionId,
        now: i64,
    ) -> Result<Option<SessionRecord>, StoreError> {
        let sql = Sql::new(LIVE_BY_ID.as_str()).bind(id.as_str()).bind(now);
        let row = self.read.fetch_optional(sql).await?;
        row.as_ref().map(session).transpose()
    }

    async fn live_session_with_key(
        &self,
        id: &SessionId,
        now: i64,
    ) -> Result<Option<(SessionRecord, Option<KeyLimits>)>, StoreError> {
        let Some(session) = self.live_session(id, now).await? else {
            return Ok(None);
        };
        // Only a client session's `client_id` names a client key (an offline login's names
        // an application), and only a key of the session's own account.
        let client = match (session.kind, session.client_id.as_deref()) {
            (Kind::ClientRefresh, Some(client)) => client.to_owned(),
            _ => return Ok(Some((session, None))),
        };
        if let Some(limits) = self.key_limits.get(&client, &session.account_id) {
            return Ok(Some((session, Some(limits))));
        }
        let sql = Sql::new(
            "SELECT expires_at, allowed_cidrs FROM client_keys WHERE id = $1 AND account_id = $2",
        )
        .bind(client.as_str())
        .bind(session.account_id.as_str());
        // No key: it was deleted after the session was read, and the deletion revoked it.
        let Some(row) = self.read.fetch_optional(sql).await? else {
            return Ok(None);
        };
        let limits = KeyLimits {
            expires_at: row.opt_int("expires_at")?,
            allowed_networks: stored_networks(row.opt_text("allowed_cidrs")?)?,
        };
        self.key_limits
            .insert(&client, &session.account_id, &limits);
        Ok(Some((session, Some(limits))))
    }

    async fn token_standing(
        &self,
        account: &AccountId,
        client: Option<&ClientId>,
        sid: Option<&SessionId>,
        now: i64,
    ) -> Result<Option<TokenStanding>, StoreError> {
        static STANDING: LazyLock<String> = LazyLock::new(|| {
            format!(
                "SELECT a.tokens_not_before AS account_not_before, \
                 (SELECT k.account_id FROM client_keys k WHERE k.id = $4) AS key_account, s.* \
                 FROM accounts a LEFT JOIN ({}) s ON 1 = 1 WHERE a.id = $3",
                *LIVE_BY_ID
            )
        });
        let sql = Sql::new(STANDING.as_str())
            .bind(sid.map(SessionId::as_str))
            .bind(now)
            .bind(account.as_str())
            .bind(client.map(ClientId::as_str));
        let Some(row) = self.read.fetch_optional(sql).await? else {
            return Ok(None);
        };
        Ok(Some(TokenStanding {
            tokens_not_before: row.int("account_not_before")?,
            key_account: row
                .opt_text("key_account")?
                .as_deref()
                .map(account_id)
                .transpose()?,
            session: match row.opt_text("id")? {
                Some(_) => Some(session(&row)?),
                None => None,
            },
        }))
    }

    async fn touch_session(&self, id: &SessionId, now: i64) -> Result<(), StoreError> {
        let sql = Sql::new("UPDATE sessions SET last_used_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id.as_str());
        self.write.execute(sql).await.map(drop)
    }

    async fn sessions(
        &self,
        account: &AccountId,
        now: i64,
    ) -> Result<Vec<SessionRecord>, StoreError> {
        let sql = Sql::new(format!(
            "SELECT {COLUMNS} FROM sessions WHERE account_id = $1 AND revoked_at IS NULL \
             AND (expires_at IS NULL OR expires_at > $2) ORDER BY created_at DESC, id"
        ))
        .bind(account.as_str())
        .bind(now);
        let found = self.read.fetch_all(sql).await?;
        found.iter().map(session).collect()
    }

    async fn revoke_session(
        &self,
        account: &AccountId,
        id: &SessionId,
        now: i64,
    ) -> Result<bool, StoreError> {
        let sql = Sql::new(
            "UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND account_id = $3 AND revoked_at IS NULL \
             AND (expires_at IS NULL OR expires_at > $4)",
        )
        .bind(now)
        .bind(id.as_str())
        .bind(account.as_str())
        .bind(now);
        Ok(self.write.execute(sql).await? > 0)
    }

    async fn rotate_session(
        &self,
        id: &SessionId,
        from: u64,
        access: &IssuedAccess,
        now: i64,
    ) -> Result<Option<SessionRecord>, StoreError> {
        let rotation = Rotation {
            id: id.clone(),
            from,
            access: access.clone(),
            now,
        };
        self.rotations.submit(rotation).await
    }

    async fn revoke_session_by_id(&self, id: &SessionId, now: i64) -> Result<bool, StoreError> {
        let sql =
            Sql::new("UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(now)
                .bind(id.as_str());
        Ok(self.write.execute(sql).await? > 0)
    }

    async fn revoke_sessions(&self, account: &AccountId, now: i64) -> Result<u64, StoreError> {
        let sql = Sql::new(
            "UPDATE sessions SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL \
             AND (expires_at IS NULL OR expires_at > $3)",
        )
        .bind(now)
        .bind(account.as_str())
        .bind(now);
        self.write.execute(sql).await
    }

    async fn live_sessions_signed_between(
        &self,
        from: i64,
        to: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        let sql = Sql::new(
            "SELECT 1 FROM sessions WHERE revoked_at IS NULL \
             AND (expires_at IS NULL OR expires_at > $1) \
             AND COALESCE(rotated_at, created_at) BETWEEN $2 AND $3 LIMIT 1",
        )
        .bind(now)
        .bind(from)
        .bind(to);
        Ok(self.read.fetch_optional(sql).await?.is_some())
    }

    async fn purge_ended_sessions(&self, before: i64, limit: u32) -> Result<u64, StoreError> {
        let sql = Sql::new(
            "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions \
             WHERE expires_at < $1 OR revoked_at < $2 LIMIT $3)",
        )
        .bind(before)
        .bind(before)
        .bind(i64::from(limit));
        self.write.execute(sql).await
    }
}

/// A generation as stored (SQL has no unsigned integers).
pub(super) fn generation(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn kind(text: &str) -> Result<Kind, StoreError> {
    match text {
        "client_refresh" => Ok(Kind::ClientRefresh),
        "account_refresh" => Ok(Kind::AccountRefresh),
        _ => Err(corrupt("session kind")),
    }
}

pub(super) fn session(row: &Row) -> Result<SessionRecord, StoreError> {
    Ok(SessionRecord {
        id: SessionId::parse(&row.text("id")?).ok_or_else(|| corrupt("session id"))?,
        account_id: account_id(&row.text("account_id")?)?,
        kind: kind(&row.text("kind")?)?,
        client_id: row.opt_text("client_id")?,
        scope: scope(&row.text("scope")?)?,
        created_at: row.int("created_at")?,
        expires_at: row.opt_int("expires_at")?,
        last_used_at: row.opt_int("last_used_at")?,
        generation: u64::try_from(row.int("generation")?)
            .map_err(|_| corrupt("session generation"))?,
        rotates: row.int("rotates")? != 0,
        rotated_at: row.opt_int("rotated_at")?,
        issued_access: issued_access(row)?,
        status_idx: row
            .opt_int("status_idx")?
            .map(super::status_indexes::loaded_index)
            .transpose()?,
    })
}

fn issued_access(row: &Row) -> Result<Option<IssuedAccess>, StoreError> {
    let jti = row.opt_text("access_jti")?;
    let expires_at = row.opt_int("access_expires_at")?;
    let access_scope = row.opt_text("access_scope")?;
    Ok(match (jti, expires_at, access_scope) {
        (Some(jti), Some(expires_at), Some(s)) => Some(IssuedAccess {
            jti,
            expires_at,
            scope: scope(&s)?,
        }),
        _ => None,
    })
}
