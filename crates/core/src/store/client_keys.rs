//! Client keys: the client ID and secret (as its digest) a program trades for tokens.

use async_trait::async_trait;
use latchkey_proto::Scope;

use super::{AttemptRecord, StoreError};
use std::net::IpAddr;

use crate::ids::{AccountId, ClientId};
use crate::network::Networks;
use crate::secret::SecretDigest;

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
    /// Last time the key made a token (updated at most once a minute, or when the
    /// address changes).
    pub last_used_at: Option<i64>,
    /// Whether refresh tokens made from this key rotate; `None` follows the deployment.
    pub rotation: Option<bool>,
    /// When the key stops working (Unix seconds); `None`: never.
    pub expires_at: Option<i64>,
    /// The networks token requests may come from; empty: anywhere.
    pub allowed_networks: Networks,
    /// The address the key last made a token from.
    pub last_used_ip: Option<IpAddr>,
    /// The secret replaced by the last rotation, while its overlap lasts.
    pub previous_secret: Option<PreviousSecret>,
    /// Whether token requests must carry a DPoP proof (RFC 9449).
    pub dpop_bound: bool,
}

/// A rotated-out secret that keeps working until `expires_at`.
#[derive(Debug, Clone)]
pub struct PreviousSecret {
    /// SHA-256 of the old secret.
    pub digest: SecretDigest,
    /// When it stops working (Unix seconds).
    pub expires_at: i64,
}

/// Where and until when a client key may be used: what a refresh made from the key
/// must still satisfy, read with its session (and then remembered: they never change).
#[derive(Debug, Clone, Default)]
pub struct KeyLimits {
    /// When the key stops working (Unix seconds); `None`: never.
    pub expires_at: Option<i64>,
    /// The networks token requests may come from; empty: anywhere.
    pub allowed_networks: Networks,
}

/// Storage of client keys.
#[async_trait]
pub trait ClientKeys: Send + Sync {
    /// Adds a client key.
    async fn insert_client_key(&self, key: &ClientKeyRecord) -> Result<(), StoreError>;
    /// Finds a client key by id.
    async fn client_key(&self, id: &ClientId) -> Result<Option<ClientKeyRecord>, StoreError>;
    /// A client key with the failed-attempt counters of `attempt_keys` (at most two) that
    /// exist, in one query (the client-credentials grant must not pay a second round trip).
    async fn client_key_with_attempts(
        &self,
        id: &ClientId,
        attempt_keys: &[String],
    ) -> Result<Option<(ClientKeyRecord, Vec<AttemptRecord>)>, StoreError>;
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
    /// Records that a key was used at `now`, from `ip` if known.
    async fn touch_client_key(
        &self,
        id: &ClientId,
        now: i64,
        ip: Option<IpAddr>,
    ) -> Result<(), StoreError>;
    /// In one statement: makes `secret` the account's key's secret, keeping the current
    /// one as its previous secret until `previous_expires_at` (a previous secret from an
    /// earlier rotation is dropped). A grant reading the key sees the row before or after,
    /// never between: one of the two secrets works throughout. `Ok(None)` if the account
    /// has no such key.
    async fn rotate_client_secret(
        &self,
        account: &AccountId,
        id: &ClientId,
        secret: &SecretDigest,
        previous_expires_at: i64,
    ) -> Result<Option<ClientKeyRecord>, StoreError>;
}
