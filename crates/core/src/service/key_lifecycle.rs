//! A client key's lifecycle: its expiry, the networks it may be used from, its last use,
//! and secret rotation with an overlap.
//!
//! These rules apply wherever a client key authenticates (the token endpoints,
//! introspection, revocation) and when a refresh token made from it is traded: an
//! expired key, or one presented from outside its `allowedCidrs`, is `invalid_client`
//! and leaves an audit event. The secret is checked first, so that only its holder can
//! make such events.

use std::net::IpAddr;

use super::audit::Event;
use super::{Latchkey, Principal, last_used_is_stale};
use crate::audit::EventKind;
use crate::ids::{AccountId, ClientId};
use crate::network::Networks;
use crate::secret::{ClientSecret, SecretDigest, generate_client_secret};
use crate::store::{ClientKeyRecord, KeyLimits, SessionRecord};
use crate::{Error, Result};

/// The overlap of a rotation when the caller names none: one day.
pub const DEFAULT_OVERLAP_SECONDS: u64 = 86_400;
/// The longest overlap a rotation may ask for: 30 days.
pub const MAX_OVERLAP_SECONDS: u64 = 30 * 86_400;

/// Whether `digest` is the key's secret, or its previous one still in its overlap at
/// `now`. Both comparisons always run, in constant time.
pub(super) fn secret_matches(key: &ClientKeyRecord, digest: &SecretDigest, now: i64) -> bool {
    let current = key.secret_digest.matches(digest);
    let previous = key
        .previous_secret
        .as_ref()
        .is_some_and(|p| p.digest.matches(digest) && now < p.expires_at);
    current | previous
}

/// Why a key that expires at `expires_at` and may be used from `networks` (empty:
/// anywhere) may not be used at `now` from `source`, if it may not.
fn refusal(
    expires_at: Option<i64>,
    networks: &Networks,
    source: Option<IpAddr>,
    now: i64,
) -> Option<(EventKind, &'static str)> {
    if expires_at.is_some_and(|at| at <= now) {
        Some((EventKind::ClientKeyExpired, "the client key has expired"))
    } else if !networks.is_empty() && !source.is_some_and(|ip| networks.contains(ip)) {
        Some((
            EventKind::ClientNetworkRefused,
            "request from outside the key's allowedCidrs",
        ))
    } else {
        None
    }
}

impl Latchkey {
    /// Refuses (with an audit event) a key that has expired or is presented from outside
    /// its networks. Without a known source address a key with networks is refused.
    pub(super) async fn admit_client_key(
        &self,
        key: &ClientKeyRecord,
        source: Option<IpAddr>,
    ) -> Result<()> {
        let refused = refusal(key.expires_at, &key.allowed_networks, source, self.now());
        self.refuse(refused, &key.account_id, key.id.as_str(), source)
            .await
    }

    /// As [`Latchkey::admit_client_key`], for a refresh of a client session: `key` holds
    /// the limits of the key it was made from, read with the session (`None` when the key
    /// is gone: its sessions are revoked with it, so there is nothing left to admit).
    pub(super) async fn admit_refresh_key(
        &self,
        session: &SessionRecord,
        key: Option<&KeyLimits>,
        source: Option<IpAddr>,
    ) -> Result<()> {
        let (Some(key), Some(client)) = (key, session.client_id.as_deref()) else {
            return Ok(());
        };
        let refused = refusal(key.expires_at, &key.allowed_networks, source, self.now());
        self.refuse(refused, &session.account_id, client, source)
            .await
    }

    /// `invalid_client` with its audit event if `refused` says why, else nothing.
    async fn refuse(
        &self,
        refused: Option<(EventKind, &'static str)>,
        account: &AccountId,
        client: &str,
        source: Option<IpAddr>,
    ) -> Result<()> {
        let Some((kind, detail)) = refused else {
            return Ok(());
        };
        self.audit(
            Event::new(kind)
                .account(account)
                .client(client)
                .source(source)
                .detail(detail),
        )
        .await;
        Err(Error::InvalidClient)
    }

    /// Records a key's use: at most once a minute, or at once when the address changed,
    /// so a key used from one place costs no write per grant.
    pub(super) async fn record_key_use(
        &self,
        key: &ClientKeyRecord,
        now: i64,
        source: Option<IpAddr>,
    ) -> Result<()> {
        let moved = source.is_some() && source != key.last_used_ip;
        if moved || last_used_is_stale(key.last_used_at, now) {
            self.store.touch_client_key(&key.id, now, source).await?;
        }
        Ok(())
    }

    /// Gives one of the caller's keys a new secret, returned once. The old secret keeps
    /// working for `overlap_seconds` (default [`DEFAULT_OVERLAP_SECONDS`], 0 ends it at
    /// once); a secret from an earlier rotation still in its overlap stops now. Tokens
    /// already issued are untouched.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] for an overlap over [`MAX_OVERLAP_SECONDS`],
    /// [`Error::NotFound`] if the caller has no such key, or storage errors.
    pub async fn rotate_client_secret(
        &self,
        who: &Principal,
        client_id: &str,
        overlap_seconds: Option<u64>,
    ) -> Result<(ClientKeyRecord, ClientSecret)> {
        let overlap = overlap_seconds.unwrap_or(DEFAULT_OVERLAP_SECONDS);
        if overlap > MAX_OVERLAP_SECONDS {
            return Err(Error::InvalidRequest(format!(
                "overlapSeconds must be between 0 and {MAX_OVERLAP_SECONDS} (30 days)"
            )));
        }
        let id = ClientId::parse(client_id).ok_or(Error::NotFound("client key"))?;
        let secret = generate_client_secret()?;
        let until = self
            .now()
            .saturating_add(i64::try_from(overlap).unwrap_or(i64::MAX));
        let key = self
            .store
            .rotate_client_secret(&who.account_id, &id, &SecretDigest::of(&secret), until)
            .await?
            .ok_or(Error::NotFound("client key"))?;
        self.audit(
            Event::new(EventKind::ClientSecretRotated)
                .by(who)
                .client(id.as_str())
                .detail(format!("previous secret works for {overlap} s")),
        )
        .await;
        Ok((key, secret))
    }
}
