//! The OAuth 2 token endpoint's grants (RFC 6749 §4.4 and §6), with client keys as the
//! OAuth clients.
//!
//! Both grants authenticate the client first. A refresh token is usable only by the client
//! key it was issued to: a `client_refresh` token whose `client_id` is the authenticated
//! key. Account refresh tokens from an offline login name an application label, not a
//! client key, so no client can authenticate for them; they stay on the native
//! `POST /auth/token` (`invalid_grant` here).

use latchkey_proto::{Claims, Kind, Scope};
use latchkey_verify::{Validation, VerifyError};

use super::audit::{Event, EventKind};
use super::throttle::Subject;
use super::{IssuedTokens, Latchkey};
use crate::ids::ClientId;
use crate::secret::{ClientSecret, SecretDigest};
use crate::store::ClientKeyRecord;
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

/// The grant of an OAuth 2 token request.
#[derive(Debug)]
pub enum OAuthGrant {
    /// `grant_type=client_credentials`: a new session for the client key.
    ClientCredentials,
    /// `grant_type=refresh_token`: a new access token from a session of the client key.
    RefreshToken(String),
}

impl Latchkey {
    /// Authenticates a client key.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidClient`] for an unknown key or a wrong secret, or storage errors.
    pub(super) async fn client_key_for(
        &self,
        client: &ClientCredentials,
    ) -> Result<ClientKeyRecord> {
        let secret = &client.client_secret;
        let Some(id) = ClientId::parse(&client.client_id) else {
            // Compare against a dummy digest, so that a malformed ID takes the same path.
            let _ = SecretDigest::from_bytes(vec![0; 32]).matches(&secret.digest());
            return Err(Error::InvalidClient);
        };
        // Counted per client ID and source address, and per address: never per client ID
        // alone, or anyone who knows an ID could lock its owner out.
        let subjects = Subject::client(&id, client.source);
        let keys: Vec<String> = subjects.iter().map(Subject::key).collect();
        let found = self.store.client_key_with_attempts(&id, &keys).await?;
        let Some((key, counters)) = found else {
            let _ = SecretDigest::from_bytes(vec![0; 32]).matches(&secret.digest());
            return Err(Error::InvalidClient);
        };
        if let Err(locked) = self.refuse_if_locked(&counters) {
            self.audit(
                Event::new(EventKind::ClientLocked)
                    .account(&key.account_id)
                    .client(id.as_str()),
            )
            .await;
            return Err(locked);
        }
        if !key.secret_digest.matches(&secret.digest()) {
            self.record_failure(&subjects).await?;
            return Err(Error::InvalidClient);
        }
        self.clear_failures(&subjects[0], &counters).await?;
        Ok(key)
    }

    /// Runs a grant of `POST /oauth2/token` for an authenticating client.
    ///
    /// `scope` narrows the grant's scope; a client-credentials session keeps the narrowed
    /// scope for every later refresh, while a refresh narrows only the access token it
    /// returns (RFC 6749 §6: the refresh token keeps its scope).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidClient`], [`Error::InvalidGrant`] (including a refresh token issued
    /// to another client, or an account refresh token), [`Error::InvalidScope`], or
    /// storage errors.
    pub async fn oauth_token(
        &self,
        client: &ClientCredentials,
        grant: OAuthGrant,
        scope: Option<Scope>,
    ) -> Result<IssuedTokens> {
        match grant {
            OAuthGrant::ClientCredentials => self.client_credentials(client, None, scope).await,
            OAuthGrant::RefreshToken(token) => {
                let key = self.client_key_for(client).await?;
                // A token that does not verify is left to `refresh`, which says why.
                if let Ok(claims) = self.verified(&token, &self.refresh_rules).await?
                    && !(claims.kind == Kind::ClientRefresh
                        && claims.client_id.as_deref() == Some(key.id.as_str()))
                {
                    return Err(Error::InvalidGrant(
                        "the refresh token was not issued to this client",
                    ));
                }
                self.refresh(&token, Some(key.id.as_str()), None, scope)
                    .await
            }
        }
    }

    /// Verifies `token` against the published keys and `rules`, re-reading the keys once
    /// if the token names one this instance has not loaded yet. The outer error is a
    /// storage failure; the inner one says which rule the token broke.
    pub(super) async fn verified(
        &self,
        token: &str,
        rules: &Validation,
    ) -> Result<std::result::Result<Claims, VerifyError>> {
        let first =
            latchkey_verify::verify(token, self.keys.state().keys_for(rules), rules, self.now());
        Ok(match first {
            Err(VerifyError::UnknownKey(kid)) if self.keys.reload_for_unknown(&kid).await? => {
                latchkey_verify::verify(token, self.keys.state().keys_for(rules), rules, self.now())
            }
            other => other,
        })
    }
}
