//! The storage boundary: the [`Store`] trait and the records it reads and writes.
//!
//! Operations are at the grain of the domain, not of tables, so that each backend can
//! make them atomic its own way (a transaction with row locks on PostgreSQL, a write
//! transaction on SQLite). Times are Unix seconds.

use async_trait::async_trait;
use latchkey_proto::{Kind, Scope};
use latchkey_verify::Algorithm;

use crate::email::Email;
use crate::ids::{AccountId, ClientId, SessionId};
use crate::secret::SecretDigest;

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness constraint refused the write (e.g. an email already registered).
    #[error("already exists")]
    Conflict,
    /// The database cannot be reached (connection refused, pool timed out, …).
    #[error("database unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// Any other failure.
    #[error("database error")]
    Other(#[source] anyhow::Error),
}

/// A stored account.
#[derive(Debug, Clone)]
pub struct AccountRecord {
    /// The account id.
    pub id: AccountId,
    /// The normalised email.
    pub email: Email,
    /// The argon2id PHC string.
    pub password_hash: String,
    /// Creation time.
    pub created_at: i64,
    /// Account access tokens issued before this time are refused (set by a password change).
    pub tokens_not_before: i64,
}

/// A stored client key (the secret only as its digest).
#[derive(Debug, Clone)]
pub struct ClientKeyRecord {
    /// The client ID.
    pub id: ClientId,
    /// The owning account.
    pub account_id: AccountId,
    /// An optional label.
    pub name: Option<String>,
    /// SHA-256 of the secret.
    pub secret_digest: SecretDigest,
    /// The scopes the key may grant.
    pub scope: Scope,
    /// Creation time.
    pub created_at: i64,
    /// Last time the key made a token (updated at most once a minute).
    pub last_used_at: Option<i64>,
    /// Whether refresh tokens made from this key rotate; `None` follows the deployment.
    pub rotation: Option<bool>,
}

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

/// Failed attempts counted against one key (an account, a login name, a source
/// address or a client ID), for brute-force protection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttemptRecord {
    /// What the failures are counted against, e.g. `account:ID`.
    pub key: String,
    /// Failures in the current window.
    pub failures: u32,
    /// Until when attempts are refused, if they are.
    pub locked_until: Option<i64>,
}

/// One event of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Its position in the trail (assigned by storage; 0 before it is stored).
    pub id: i64,
    /// When it happened (Unix seconds).
    pub at: i64,
    /// What happened, e.g. `login_failed` (see `EventKind`).
    pub kind: String,
    /// The account concerned, if any.
    pub account_id: Option<String>,
    /// The client key concerned, if any.
    pub client_id: Option<String>,
    /// Where the request came from, if known.
    pub source: Option<String>,
    /// A short detail (a key id, a session id); never a secret.
    pub detail: Option<String>,
}

/// Which events to read, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only this account's.
    pub account_id: Option<String>,
    /// Only this kind.
    pub kind: Option<String>,
    /// Only at or after this time (Unix seconds).
    pub since: Option<i64>,
    /// Only before this position (paging).
    pub before: Option<i64>,
    /// At most this many.
    pub limit: u32,
}

/// A stored signing key.
#[derive(Debug, Clone)]
pub struct SigningKeyRecord {
    /// Key id: the RFC 7638 thumbprint of the public key.
    pub kid: String,
    /// The algorithm.
    pub algorithm: Algorithm,
    /// The private key, PKCS#8 DER.
    pub private_key: Vec<u8>,
    /// Creation time.
    pub created_at: i64,
    /// When the key starts signing (it is published from creation).
    pub activates_at: i64,
    /// When the key stops signing, if scheduled.
    pub retires_at: Option<i64>,
    /// When the key stops being published, if scheduled.
    pub expires_at: Option<i64>,
}

/// Storage, as the domain needs it. Implemented by `latchkey-store` for SQLite and PostgreSQL.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Checks that the database answers.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Adds an account; [`StoreError::Conflict`] if the email is taken.
    async fn insert_account(&self, account: &AccountRecord) -> Result<(), StoreError>;
    /// Finds an account by id.
    async fn account_by_id(&self, id: &AccountId) -> Result<Option<AccountRecord>, StoreError>;
    /// Finds an account by normalised email.
    async fn account_by_email(&self, email: &Email) -> Result<Option<AccountRecord>, StoreError>;
    /// In one transaction: stores a new password hash, sets `tokens_not_before` to `now`,
    /// and revokes every live session of the account.
    async fn change_password(
        &self,
        id: &AccountId,
        password_hash: &str,
        now: i64,
    ) -> Result<(), StoreError>;

    /// Adds a client key.
    async fn insert_client_key(&self, key: &ClientKeyRecord) -> Result<(), StoreError>;
    /// Finds a client key by id.
    async fn client_key(&self, id: &ClientId) -> Result<Option<ClientKeyRecord>, StoreError>;
    /// Lists an account's client keys, oldest first.
    async fn client_keys(&self, account: &AccountId) -> Result<Vec<ClientKeyRecord>, StoreError>;
    /// In one transaction: deletes the account's key and revokes every session made from
    /// it. `Ok(false)` if the account has no such key.
    async fn delete_client_key(
        &self,
        account: &AccountId,
        id: &ClientId,
        now: i64,
    ) -> Result<bool, StoreError>;
    /// Records that a key was used at `now`.
    async fn touch_client_key(&self, id: &ClientId, now: i64) -> Result<(), StoreError>;

    /// Adds a session.
    async fn insert_session(&self, session: &SessionRecord) -> Result<(), StoreError>;
    /// The session, if it is neither revoked nor expired at `now`.
    async fn live_session(
        &self,
        id: &SessionId,
        now: i64,
    ) -> Result<Option<SessionRecord>, StoreError>;
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

    /// Every stored signing key.
    async fn signing_keys(&self) -> Result<Vec<SigningKeyRecord>, StoreError>;
    /// Adds a signing key.
    async fn insert_signing_key(&self, key: &SigningKeyRecord) -> Result<(), StoreError>;
    /// Schedules a rotation, atomically: every key signing at `now` (active, not
    /// retired) retires at `next.activates_at` and leaves the JWKS at
    /// `retiring_expires_at`, and `next` is added. Returns `false`, changing nothing, if
    /// no key was left to retire (another instance rotated first).
    async fn rotate_signing_key(
        &self,
        next: &SigningKeyRecord,
        now: i64,
        retiring_expires_at: i64,
    ) -> Result<bool, StoreError>;
    /// Brings a scheduled key forward to sign from `now`, retiring the keys signing now
    /// as [`Store::rotate_signing_key`] does. Returns `false` if the key was not
    /// scheduled (anymore).
    async fn advance_signing_key(
        &self,
        kid: &str,
        now: i64,
        retiring_expires_at: i64,
    ) -> Result<bool, StoreError>;
    /// Replaces a key's stored private key (to encrypt it at rest).
    async fn reseal_signing_key(&self, kid: &str, private_key: &[u8]) -> Result<(), StoreError>;
    /// Deletes a key; returns whether it existed.
    async fn delete_signing_key(&self, kid: &str) -> Result<bool, StoreError>;
    /// Whether a live (unrevoked, unexpired at `now`) session holds a refresh token
    /// signed between `from` and `to` (its last rotation, or its creation).
    async fn live_sessions_signed_between(
        &self,
        from: i64,
        to: i64,
        now: i64,
    ) -> Result<bool, StoreError>;

    /// The failed-attempt counters of `keys` (absent keys have none).
    async fn attempts(&self, keys: &[String]) -> Result<Vec<AttemptRecord>, StoreError>;
    /// Counts one more failure for `key` (starting afresh if its last failure was
    /// before `window_start`); returns the count.
    async fn record_failed_attempt(
        &self,
        key: &str,
        now: i64,
        window_start: i64,
    ) -> Result<u32, StoreError>;
    /// Refuses attempts for `key` until `until`.
    async fn lock_attempts(&self, key: &str, until: i64) -> Result<(), StoreError>;
    /// Forgets `key`'s failures.
    async fn clear_attempts(&self, key: &str) -> Result<(), StoreError>;
    /// A client key with the failed-attempt counter of `attempts_key`, in one query (the
    /// client-credentials grant must not pay a second round trip).
    async fn client_key_with_attempts(
        &self,
        id: &ClientId,
        attempts_key: &str,
    ) -> Result<Option<(ClientKeyRecord, AttemptRecord)>, StoreError>;
    /// Deletes counters last touched before `before` and not locked past it.
    async fn purge_attempts(&self, before: i64) -> Result<u64, StoreError>;

    /// Appends an event to the audit trail.
    async fn insert_audit_event(&self, event: &AuditRecord) -> Result<(), StoreError>;
    /// Reads events, newest first.
    async fn audit_events(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>, StoreError>;

    /// Deletes up to `limit` sessions that expired or were revoked before `before`;
    /// returns how many went.
    async fn purge_ended_sessions(&self, before: i64, limit: u32) -> Result<u64, StoreError>;
}
