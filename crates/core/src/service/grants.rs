//! The token endpoint's grants: client credentials and refresh.

use latchkey_proto::api::TokenRequest;
use latchkey_proto::{Claims, GrantType, Kind, Scope};
use latchkey_verify::VerifyError;

use std::net::IpAddr;

use super::dpop::{Binding, check_bound};
use super::{AccessGrant, ClientCredentials, IssuedTokens, Latchkey, last_used_is_stale};
use crate::ids::SessionId;
use crate::secret::{ClientSecret, RefreshToken};
use crate::store::{SessionGuard, SessionRecord};
use crate::{Error, Result};

/// A grant presented to the native token endpoint (`POST /auth/token`, or Wazo's), with
/// what it trades; which [`GrantType`] it is decides its variant.
#[derive(Debug)]
pub enum Grant {
    /// Trade client keys for an access token and a client refresh token.
    ClientCredentials {
        /// The client ID as presented.
        client_id: String,
        /// The client secret as presented.
        client_secret: ClientSecret,
    },
    /// Trade a refresh token for an access token.
    RefreshToken {
        /// The refresh token.
        refresh_token: RefreshToken,
        /// The client ID or application id, which must match the token's if given (and
        /// must be given for an account refresh token).
        client_id: Option<String>,
    },
}

/// What a refresh asks, besides its verified token.
pub(super) struct RefreshRequest<'a> {
    /// The client ID or application id the caller named, which must match the session's.
    pub client_id: Option<&'a str>,
    /// The access token lifetime asked for.
    pub expiration: Option<u64>,
    /// A narrower scope for the access token.
    pub scope: Option<Scope>,
    /// The caller's address, for the client key's `allowedCidrs`.
    pub source: Option<IpAddr>,
    /// The thumbprint of the checked DPoP proof's key, binding the new access token.
    pub dpop: Option<&'a str>,
}

/// A token request: the grant and what the caller asks of the access token.
#[derive(Debug)]
pub struct GrantRequest {
    /// The grant.
    pub grant: Grant,
    /// A shorter access-token lifetime, in seconds.
    pub expiration: Option<u64>,
    /// A narrower scope than the grant's.
    pub scope: Option<Scope>,
    /// Where the request came from, for brute-force protection.
    pub source: Option<IpAddr>,
    /// The thumbprint of the request's DPoP key (its proof already checked by
    /// [`Latchkey::dpop_key`]): the tokens are bound to it.
    pub dpop: Option<String>,
}

fn required<T>(field: Option<T>, name: &str) -> Result<T> {
    field.ok_or_else(|| Error::InvalidRequest(format!("{name} is required")))
}

impl TryFrom<TokenRequest> for GrantRequest {
    type Error = Error;

    fn try_from(request: TokenRequest) -> Result<Self> {
        let grant = match request.grant_type {
            GrantType::ClientCredentials => Grant::ClientCredentials {
                client_id: required(request.client_id, "clientId")?,
                client_secret: required(request.client_secret, "clientSecret")?,
            },
            GrantType::RefreshToken => Grant::RefreshToken {
                refresh_token: required(request.refresh_token, "refreshToken")?,
                client_id: request.client_id,
            },
            GrantType::Unsupported(name) => return Err(Error::unsupported_grant_type(&name)),
        };
        Ok(Self {
            grant,
            expiration: request.expiration,
            scope: request.scope,
            source: None,
            dpop: None,
        })
    }
}

/// What an access token minted from `session` is for.
pub(super) fn access_for<'a>(
    session: &'a SessionRecord,
    scope: &'a Scope,
    expiration: Option<u64>,
    jkt: Option<&'a str>,
) -> AccessGrant<'a> {
    let (kind, client_id) = match session.kind {
        Kind::ClientRefresh => (Kind::ClientAccess, session.client_id.as_deref()),
        _ => (Kind::AccountAccess, None),
    };
    AccessGrant {
        kind,
        account_id: &session.account_id,
        scope,
        expiration,
        client_id,
        session: Some(&session.id),
        status_idx: session.status_idx,
        jkt,
    }
}

/// The scope of a new token: the grant's, or a narrower one the caller asked for.
fn narrowed(granted: &Scope, asked: Option<Scope>) -> Result<Scope> {
    match asked {
        None => Ok(granted.clone()),
        Some(asked) if asked.is_subset(granted) => Ok(asked),
        Some(asked) => Err(Error::InvalidScope(format!(
            "scope {asked} is wider than the grant's ({granted})"
        ))),
    }
}

impl Latchkey {
    /// Runs a grant.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidClient`], [`Error::InvalidGrant`], [`Error::InvalidScope`],
    /// [`Error::InvalidRequest`] for a bad `expiration`, or storage errors.
    pub async fn grant(&self, request: GrantRequest) -> Result<IssuedTokens> {
        let dpop = request.dpop.as_deref();
        match request.grant {
            Grant::ClientCredentials {
                client_id,
                client_secret,
            } => {
                let client = ClientCredentials {
                    client_id,
                    client_secret,
                    source: request.source,
                };
                self.client_credentials(&client, request.expiration, request.scope, dpop)
                    .await
            }
            Grant::RefreshToken {
                refresh_token,
                client_id,
            } => {
                self.refresh(
                    &refresh_token,
                    client_id.as_deref(),
                    request.expiration,
                    request.scope,
                    request.source,
                    dpop,
                )
                .await
            }
        }
    }

    pub(super) async fn client_credentials(
        &self,
        client: &ClientCredentials,
        expiration: Option<u64>,
        scope: Option<Scope>,
        dpop: Option<&str>,
    ) -> Result<IssuedTokens> {
        self.access_lifetime(Kind::ClientAccess, expiration)?;
        let key = self.client_key_for(client).await?;
        if key.dpop_bound && dpop.is_none() {
            return Err(Error::InvalidDpopProof(
                "this client key is DPoP-bound: send a DPoP proof".into(),
            ));
        }
        let scope = narrowed(&key.scope, scope)?;
        let now = self.now();
        let session = SessionRecord {
            id: SessionId::generate()?,
            account_id: key.account_id.clone(),
            kind: Kind::ClientRefresh,
            client_id: Some(key.id.to_string()),
            scope: scope.clone(),
            created_at: now,
            expires_at: Some(now.saturating_add(
                i64::try_from(self.settings.policies.lifetimes.client_refresh).unwrap_or(i64::MAX),
            )),
            last_used_at: None,
            generation: 0,
            rotates: self.rotates(key.rotation),
            rotated_at: None,
            issued_access: None,
            status_idx: Some(self.status_index().await?),
        };
        // The key may be deleted while this grant runs: the session is stored only if the
        // key is still there, atomically with the insert.
        if !self
            .store
            .insert_session(&session, SessionGuard::ClientKey)
            .await?
        {
            return Err(Error::InvalidClient);
        }
        self.record_key_use(&key, now, client.source).await?;
        let signing_key = self.keys.signing_key();
        let mut tokens = self.mint_access(
            &signing_key,
            AccessGrant {
                kind: Kind::ClientAccess,
                account_id: &key.account_id,
                scope: &scope,
                expiration,
                client_id: Some(key.id.as_str()),
                session: Some(&session.id),
                status_idx: session.status_idx,
                jkt: dpop,
            },
        )?;
        tokens.refresh_token = Some(self.mint_refresh(&signing_key, &session, now, dpop)?);
        Ok(tokens)
    }

    pub(super) async fn refresh(
        &self,
        token: &RefreshToken,
        client_id: Option<&str>,
        expiration: Option<u64>,
        scope: Option<Scope>,
        source: Option<IpAddr>,
        dpop: Option<&str>,
    ) -> Result<IssuedTokens> {
        let claims = self.verify_refresh(token).await?;
        check_bound(claims.dpop_jkt(), dpop)?;
        let request = RefreshRequest {
            client_id,
            expiration,
            scope,
            source,
            dpop,
        };
        self.refresh_verified(claims, request).await
    }

    /// The claims of a presented refresh token, or the `invalid_grant` that says why
    /// it is refused.
    pub(super) async fn verify_refresh(&self, token: &RefreshToken) -> Result<Claims> {
        self.keys
            .verify(token.expose(), &self.refresh_rules)
            .await?
            .map_err(|e| match e {
                VerifyError::Expired => Error::InvalidGrant("the refresh token has expired"),
                VerifyError::WrongType => Error::InvalidGrant("not a refresh token"),
                _ => Error::InvalidGrant("the refresh token is invalid"),
            })
    }

    /// A refresh with a token already verified (and its DPoP binding checked): the
    /// session must be live and match, and a client session's key must still admit the
    /// request. The new access token is bound to `request.dpop`.
    pub(super) async fn refresh_verified(
        &self,
        claims: Claims,
        request: RefreshRequest<'_>,
    ) -> Result<IssuedTokens> {
        let RefreshRequest {
            client_id,
            expiration,
            scope,
            source,
            dpop,
        } = request;
        let binding = Binding {
            refresh: claims.dpop_jkt(),
            access: dpop,
        };
        let session_id = claims
            .sid
            .as_deref()
            .and_then(SessionId::parse)
            .ok_or(Error::InvalidGrant("the refresh token is invalid"))?;
        let now = self.now();
        let (session, key) = self
            .store
            .live_session_with_key(&session_id, now)
            .await?
            .filter(|(s, _)| s.kind == claims.kind && s.account_id.as_str() == claims.sub)
            .ok_or(Error::InvalidGrant(
                "the refresh token has been revoked or has expired",
            ))?;
        if session.kind == Kind::ClientRefresh {
            self.admit_refresh_key(&session, key.as_ref(), source)
                .await?;
        }
        match (session.kind, client_id) {
            (Kind::AccountRefresh, None) => {
                return Err(Error::InvalidGrant(
                    "this refresh token needs the clientId it was made for",
                ));
            }
            (_, Some(id)) if Some(id) != session.client_id.as_deref() => {
                return Err(Error::InvalidGrant(
                    "the refresh token was made for another clientId",
                ));
            }
            _ => {}
        }
        let scope = narrowed(&session.scope, scope)?;
        let presented = claims
            .generation
            .ok_or(Error::InvalidGrant("the refresh token is invalid"))?;
        if session.rotates {
            return self
                .refresh_rotating(session, presented, expiration, scope, binding)
                .await;
        }
        if presented != session.generation {
            return Err(Error::InvalidGrant("the refresh token is invalid"));
        }
        let tokens = self.mint_access(
            &self.keys.signing_key(),
            access_for(&session, &scope, expiration, dpop),
        )?;
        if last_used_is_stale(session.last_used_at, now) {
            self.store.touch_session(&session.id, now).await?;
        }
        Ok(tokens)
    }
}

#[cfg(test)]
mod tests {
    use latchkey_proto::api::TokenRequest;

    use super::*;

    #[test]
    fn grants_do_not_show_their_secrets_in_debug() {
        for request in [
            TokenRequest {
                grant_type: GrantType::ClientCredentials,
                client_id: Some("id".into()),
                client_secret: Some("hunter2-secret".into()),
                ..TokenRequest::default()
            },
            TokenRequest {
                grant_type: GrantType::RefreshToken,
                refresh_token: Some("hunter2.refresh.token".into()),
                ..TokenRequest::default()
            },
        ] {
            let grant = GrantRequest::try_from(request).unwrap();
            assert!(!format!("{grant:?}").contains("hunter2"), "{grant:?}");
        }
    }
}
