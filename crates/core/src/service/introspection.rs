//! Token introspection (RFC 7662) and revocation (RFC 7009) for client keys.
//!
//! A client key sees the tokens of its own account, whichever key or login made them;
//! another account's tokens are inactive to it and it cannot revoke them. A token is
//! *active* when its signature, issuer, audience and times verify (with no leeway: the
//! service is the clock), its account still exists and has not changed its password since
//! the token was issued, the client key of a client token still exists, and the refresh
//! session it belongs to (`sid`) is live; a refresh token must also be its session's
//! current generation.
//!
//! `token_type_hint` is not needed (RFC 7009 §2.1 lets the server ignore it): the token's
//! own header says which kind it is.
//!
//! Revoking a refresh token ends its session; revoking an access token ends the session it
//! was minted from (its `sid`), and so every token of that session. An access token from
//! a plain password login belongs to no session: revoking it ends every account access
//! token of the account issued until then ([`Revocation::AccountTokensRefused`]).

use latchkey_proto::{Claims, Kind, TokenType};
use latchkey_verify::Validation;

use super::Latchkey;
use super::audit::Event;
use super::oauth::ClientCredentials;
use crate::Result;
use crate::audit::EventKind;
use crate::ids::{AccountId, ClientId, SessionId};
use crate::store::ClientKeyRecord;

/// What a revocation did (RFC 7009 answers 200 either way).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    /// The token's session was live and is now ended.
    Revoked,
    /// Nothing to do: an unknown, malformed, expired or already revoked token, or another
    /// account's.
    Ignored,
    /// A live account access token of a plain login (it belongs to no session): every
    /// account access token of the account issued until now is refused from now on.
    AccountTokensRefused,
}

impl Latchkey {
    /// Introspects `token` for a client key: its claims if it is active and of the
    /// client's account, `None` otherwise.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidClient`], or storage errors.
    pub async fn introspect(
        &self,
        client: &ClientCredentials,
        token: &str,
    ) -> Result<Option<Claims>> {
        let key = self.client_key_for(client).await?;
        let Some(claims) = self.own_token(&key, token).await? else {
            return Ok(None);
        };
        Ok(self.is_live(&claims).await?.then_some(claims))
    }

    /// Revokes `token` for a client key: ends the session of a refresh token, or the
    /// session an access token was minted from.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidClient`], or storage errors.
    pub async fn revoke_token(
        &self,
        client: &ClientCredentials,
        token: &str,
    ) -> Result<Revocation> {
        let key = self.client_key_for(client).await?;
        let Some(claims) = self.own_token(&key, token).await? else {
            return Ok(Revocation::Ignored);
        };
        let Some(sid) = claims.sid.as_deref() else {
            if !self.is_live(&claims).await? {
                return Ok(Revocation::Ignored);
            }
            // A plain login's token has nothing of its own to revoke: end every account
            // access token of the account issued until now.
            self.store
                .refuse_tokens_before(&key.account_id, self.now())
                .await?;
            self.status_lists_changed().await;
            self.audit(
                Event::new(EventKind::AccountTokensRevoked)
                    .account(&key.account_id)
                    .client(key.id.as_str())
                    .detail("OAuth revocation of an account access token"),
            )
            .await;
            return Ok(Revocation::AccountTokensRefused);
        };
        let Some(sid) = SessionId::parse(sid) else {
            return Ok(Revocation::Ignored);
        };
        if self
            .store
            .revoke_session(&key.account_id, &sid, self.now())
            .await?
        {
            self.status_lists_changed().await;
            tracing::info!(%sid, client_id = %key.id, kind = %claims.kind, "session revoked through OAuth revocation");
            self.audit(
                Event::new(EventKind::RefreshTokenRevoked)
                    .account(&key.account_id)
                    .client(key.id.as_str())
                    .detail(format!("session {sid} (OAuth revocation)")),
            )
            .await;
            Ok(Revocation::Revoked)
        } else {
            Ok(Revocation::Ignored)
        }
    }

    /// The claims of `token` if it verifies as one of this service's unexpired tokens and
    /// belongs to the key's account. The header's `typ` picks the rules (an access token
    /// never passes the refresh-token rules, nor the reverse), so the token is verified
    /// once whatever the caller's `token_type_hint` says.
    async fn own_token(&self, key: &ClientKeyRecord, token: &str) -> Result<Option<Claims>> {
        let typ = latchkey_verify::decode_header(token)
            .ok()
            .and_then(|header| header.typ.as_deref().and_then(TokenType::from_header));
        let rules = match typ {
            Some(TokenType::Access) => {
                Validation::access(&self.settings.issuer, &self.settings.audience).with_leeway(0)
            }
            Some(TokenType::Refresh) => self.refresh_rules.clone().with_leeway(0),
            None => return Ok(None),
        };
        Ok(self
            .keys
            .verify(token, &rules)
            .await?
            .ok()
            .filter(|claims| claims.sub == key.account_id.as_str()))
    }

    /// Whether a verified token is still live: see the module documentation.
    async fn is_live(&self, claims: &Claims) -> Result<bool> {
        let Some(account_id) = AccountId::parse(&claims.sub) else {
            return Ok(false);
        };
        let client = if matches!(claims.kind, Kind::ClientAccess | Kind::ClientRefresh) {
            let Some(id) = claims.client_id.as_deref().and_then(ClientId::parse) else {
                return Ok(false);
            };
            Some(id)
        } else {
            None
        };
        let sid = match claims.sid.as_deref().map(SessionId::parse) {
            Some(None) => return Ok(false),
            parsed => parsed.flatten(),
        };
        // The account, the client key and the session, in one read.
        let Some(standing) = self
            .store
            .token_standing(&account_id, client.as_ref(), sid.as_ref(), self.now())
            .await?
        else {
            return Ok(false);
        };
        if claims.iat < standing.tokens_not_before {
            return Ok(false);
        }
        if client.is_some() && standing.key_account.as_ref() != Some(&account_id) {
            return Ok(false);
        }
        if sid.is_none() {
            // Every refresh token has a session; only account access tokens may lack one.
            return Ok(claims.kind == Kind::AccountAccess);
        }
        let Some(session) = standing.session else {
            return Ok(false);
        };
        if session.account_id != account_id {
            return Ok(false);
        }
        Ok(!claims.kind.is_refresh()
            || (session.kind == claims.kind && claims.generation == Some(session.generation)))
    }
}
