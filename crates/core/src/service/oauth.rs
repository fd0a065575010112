//! The OAuth 2 token endpoint's grants (RFC 6749 §4.4 and §6), with client keys as the
//! OAuth clients.
//!
//! Both grants authenticate the client first. A refresh token is usable only by the client
//! key it was issued to: a `client_refresh` token whose `client_id` is the authenticated
//! key. Account refresh tokens from an offline login name an application label, not a
//! client key, so no client can authenticate for them; they stay on the native
//! `POST /auth/token` (`invalid_grant` here).

use latchkey_proto::{Kind, Scope};

use super::audit::Event;
use super::dpop::check_bound;
use super::grants::RefreshRequest;
use super::key_lifecycle::secret_matches;
use super::throttle::Subject;
use super::{IssuedTokens, Latchkey};
use crate::audit::EventKind;
use crate::ids::ClientId;
use crate::secret::{ClientSecret, RefreshToken, SecretDigest};
use crate::store::{AttemptRecord, ClientKeyRecord};
use crate::{Error, Result};
use std::net::IpAddr;

/// A client key presented to an OAuth 2 endpoint (`client_secret_basic` or
/// `client_secret_post`; the server has decoded either into this).
#[derive(Debug)]
pub struct ClientCredentials {
    /// The client ID as presented.
    pub client_id: String,
    /// The client secret as presented.
    pub client_secret: ClientSecret,
    /// Where the request came from, for brute-force protection.
    pub source: Option<IpAddr>,
}

impl Latchkey {
    /// Authenticates a client key.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidClient`] for an unknown key, a wrong secret, an expired key or one
    /// presented from outside its networks, or storage errors.
    pub(super) async fn client_key_for(
        &self,
        client: &ClientCredentials,
    ) -> Result<ClientKeyRecord> {
        let secret = &client.client_secret;
        let Some(id) = ClientId::parse(&client.client_id) else {
            // Compare against a dummy digest, so that a malformed ID takes the same path.
            let _ = SecretDigest::from_bytes(vec![0; 32]).matches(&SecretDigest::of(secret));
            return Err(Error::InvalidClient);
        };
        // Counted per client ID and source address, and per address: never per client ID
        // alone, or anyone who knows an ID could lock its owner out. The grant's one read
        // brings the pair's counter only: an address locked as a whole (by failures at
        // many names) refuses wrong secrets, never a right one (see `throttle`).
        let subjects = Subject::client(&id, client.source);
        let found = self
            .store
            .client_key_with_attempts(&id, &[subjects[0].key()])
            .await?;
        let Some((key, counters)) = found else {
            let _ = SecretDigest::from_bytes(vec![0; 32]).matches(&SecretDigest::of(secret));
            return Err(Error::InvalidClient);
        };
        self.refuse_locked_client(&key, &counters).await?;
        if !secret_matches(&key, &SecretDigest::of(secret), self.now()) {
            self.count_wrong_client_secret(&key, &subjects).await?;
            return Err(Error::InvalidClient);
        }
        self.clear_failures(&subjects[0], &counters).await?;
        self.admit_client_key(&key, client.source).await?;
        Ok(key)
    }

    /// Refuses with 429 (and an audit event) if any of `counters` is locked.
    async fn refuse_locked_client(
        &self,
        key: &ClientKeyRecord,
        counters: &[AttemptRecord],
    ) -> Result<()> {
        let Err(locked) = self.refuse_if_locked(counters) else {
            return Ok(());
        };
        self.audit(
            Event::new(EventKind::ClientLocked)
                .account(&key.account_id)
                .client(key.id.as_str()),
        )
        .await;
        Err(locked)
    }

    /// Counts a wrong secret for `key` against every subject, or refuses with 429 if a
    /// counter the grant's read did not bring (the address's) is locked.
    async fn count_wrong_client_secret(
        &self,
        key: &ClientKeyRecord,
        subjects: &[Subject<'_>],
    ) -> Result<()> {
        let others: Vec<String> = subjects.iter().skip(1).map(Subject::key).collect();
        if !others.is_empty() {
            let counters = self
                .store
                .client_key_with_attempts(&key.id, &others)
                .await?
                .map(|(_, counters)| counters)
                .unwrap_or_default();
            self.refuse_locked_client(key, &counters).await?;
        }
        self.record_failure(subjects).await
    }

    /// `grant_type=client_credentials` at `POST /oauth2/token`: a new session for the
    /// authenticating client key.
    ///
    /// `scope` narrows the key's scope; the session keeps the narrowed scope for every
    /// later refresh. With `dpop` (a checked proof's key thumbprint) the tokens are bound
    /// to that key.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidClient`], [`Error::InvalidScope`], or storage errors.
    pub async fn oauth_client_credentials(
        &self,
        client: &ClientCredentials,
        scope: Option<Scope>,
        dpop: Option<&str>,
    ) -> Result<IssuedTokens> {
        self.client_credentials(client, None, scope, dpop).await
    }

    /// `grant_type=refresh_token` at `POST /oauth2/token`: a new access token from a
    /// session of the authenticating client key.
    ///
    /// `scope` narrows only the access token it returns (RFC 6749 §6: the refresh token
    /// keeps its scope).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidClient`], [`Error::InvalidGrant`] (including a refresh token issued
    /// to another client, or an account refresh token), [`Error::InvalidScope`], or
    /// storage errors.
    pub async fn oauth_refresh(
        &self,
        client: &ClientCredentials,
        refresh_token: &RefreshToken,
        scope: Option<Scope>,
        dpop: Option<&str>,
    ) -> Result<IssuedTokens> {
        let key = self.client_key_for(client).await?;
        // One verification: a token that does not verify is `invalid_grant`, saying why;
        // one issued to another client is refused before its session is read.
        let claims = self.verify_refresh(refresh_token).await?;
        if !(claims.kind == Kind::ClientRefresh
            && claims.client_id.as_deref() == Some(key.id.as_str()))
        {
            return Err(Error::InvalidGrant(
                "the refresh token was not issued to this client",
            ));
        }
        check_bound(claims.dpop_jkt(), dpop)?;
        let request = RefreshRequest {
            client_id: Some(key.id.as_str()),
            expiration: None,
            scope,
            source: client.source,
            dpop,
        };
        self.refresh_verified(claims, request).await
    }
}
