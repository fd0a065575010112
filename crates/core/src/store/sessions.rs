//! Refresh sessions: one record per refresh-token family.

use async_trait::async_trait;
use latchkey_proto::{Kind, Scope};

use super::{KeyLimits, StoreError};
use crate::ids::{AccountId, ClientId, SessionId};

/// A refresh session: one refresh-token family, from the grant that started it.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    /// The session id (`sid` claim).
    pub id: SessionId,
    /// The owning account.
    pub account_id: AccountId,
    /// `ClientRefresh` or `AccountRefresh`.
    pub kind: Kind,
    /// The client key (client sessions) or the application id (offline logins).
    pub client_id: Option<String>,
    /// The scopes the session may grant.
    pub scope: Scope,
    /// Creation time.
    pub created_at: i64,
    /// Expiry, or `None` for account refresh tokens.
    pub expires_at: Option<i64>,
    /// Last refresh (updated at most once a minute).
    pub last_used_at: Option<i64>,
    /// The generation of the current refresh token (rotation increments it).
    pub generation: u64,
    /// Whether each refresh returns a new refresh token and retires the one presented.
    pub rotates: bool,
    /// When the current generation was issued (rotating sessions that have rotated).
    pub rotated_at: Option<i64>,
    /// The access token issued with the current generation, kept so that a retry within
    /// the grace window gets the very same tokens back.
    pub issued_access: Option<IssuedAccess>,
    /// The session's status-list index: every access token minted from it names it.
    pub status_idx: Option<u64>,
}

/// What is needed to mint an access token again, identically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedAccess {
    /// Its `jti`.
    pub jti: String,
    /// Its `exp`.
    pub expires_at: i64,
    /// Its scope.
    pub scope: Scope,
}

/// What must still hold when a session is stored, checked in the statement that stores
/// it, so that a concurrent password change or key deletion cannot leave it behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionGuard {
    /// The account is still at this credential generation (the password checked is still
    /// its password): offline logins.
    CredentialGeneration(i64),
    /// The session's client key still exists, and belongs to the session's account:
    /// client-credentials grants.
    ClientKey,
}

/// What [`Sessions::token_standing`] reads.
#[derive(Debug, Clone)]
pub struct TokenStanding {
    /// The account's tokens issued before this time are refused.
    pub tokens_not_before: i64,
    /// The account owning the client key asked about; `None` if none was asked or it
    /// is gone.
    pub key_account: Option<AccountId>,
    /// The session asked about, if it is live.
    pub session: Option<SessionRecord>,
}

/// Storage of refresh sessions.
#[async_trait]
pub trait Sessions: Send + Sync {
    /// Adds a session if `guard` holds; `Ok(false)`, storing nothing, if it does not.
    async fn insert_session(
        &self,
        session: &SessionRecord,
        guard: SessionGuard,
    ) -> Result<bool, StoreError>;
    /// The session, if it is neither revoked nor expired at `now`.
    async fn live_session(
        &self,
        id: &SessionId,
        now: i64,
    ) -> Result<Option<SessionRecord>, StoreError>;
    /// As [`Sessions::live_session`], with the limits of the client key a client session
    /// was made from (`None` for other sessions): what a refresh needs. A client session
    /// whose key is gone is not live (its key's deletion revoked it).
    async fn live_session_with_key(
        &self,
        id: &SessionId,
        now: i64,
    ) -> Result<Option<(SessionRecord, Option<KeyLimits>)>, StoreError>;
    /// What decides whether a token of `account` is still live, in one read: the
    /// account's `tokens_not_before`, the owner of the client key `client` (if one is
    /// named and still there) and the session `session` if it is live at `now`. `None`
    /// if the account is gone.
    async fn token_standing(
        &self,
        account: &AccountId,
        client: Option<&ClientId>,
        session: Option<&SessionId>,
        now: i64,
    ) -> Result<Option<TokenStanding>, StoreError>;
    /// Records that a session was used at `now`.
    async fn touch_session(&self, id: &SessionId, now: i64) -> Result<(), StoreError>;
    /// The account's live sessions, newest first.
    async fn sessions(
        &self,
        account: &AccountId,
        now: i64,
    ) -> Result<Vec<SessionRecord>, StoreError>;
    /// Revokes one of the account's live sessions; `Ok(false)` if there is no such live session.
    async fn revoke_session(
        &self,
        account: &AccountId,
        id: &SessionId,
        now: i64,
    ) -> Result<bool, StoreError>;
    /// In one atomic step: if the session is live and still at generation `from`, moves it
    /// to `from + 1`, recording `now` as its rotation time and `access` as the access token
    /// issued with it, and returns the updated session; otherwise (another refresh won the
    /// race, or the session was revoked or expired) returns `None`.
    async fn rotate_session(
        &self,
        id: &SessionId,
        from: u64,
        access: &IssuedAccess,
        now: i64,
    ) -> Result<Option<SessionRecord>, StoreError>;
    /// Revokes a session whoever owns it (refresh-token reuse detection); `Ok(false)` if it
    /// was not live.
    async fn revoke_session_by_id(&self, id: &SessionId, now: i64) -> Result<bool, StoreError>;
    /// Revokes all of the account's live sessions and says how many there were.
    async fn revoke_sessions(&self, account: &AccountId, now: i64) -> Result<u64, StoreError>;
    /// Whether a live (unrevoked, unexpired at `now`) session holds a refresh token
    /// signed between `from` and `to` (its last rotation, or its creation).
    async fn live_sessions_signed_between(
        &self,
        from: i64,
        to: i64,
        now: i64,
    ) -> Result<bool, StoreError>;
    /// Deletes up to `limit` sessions that expired or were revoked before `before`;
    /// returns how many went.
    async fn purge_ended_sessions(&self, before: i64, limit: u32) -> Result<u64, StoreError>;
}
