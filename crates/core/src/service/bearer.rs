//! Authentication of account endpoints: a bearer token that is a live account access token.

use super::{Latchkey, Principal};
use crate::ids::{AccountId, SessionId};
use crate::{Error, Result};

impl Latchkey {
    /// Checks a bearer token for an account endpoint.
    ///
    /// The token must verify against the published keys as an access token from this
    /// issuer, be of kind `account_access`, not predate the account's last password
    /// change, and, when it was minted from a refresh session, that session must be live;
    /// else it must belong to the account's current login era.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidToken`] (401) or [`Error::InsufficientTokenKind`] (403), or
    /// storage errors.
    pub async fn authenticate(&self, token: &str) -> Result<Principal> {
        let claims = self
            .keys
            .verify(token, &self.account_rules)
            .await?
            .map_err(|e| Error::from_bearer(&e))?;
        let account_id = AccountId::parse(&claims.sub)
            .ok_or_else(|| Error::InvalidToken("malformed subject".into()))?;
        let now = self.now();
        let account = self
            .store
            .account_by_id(&account_id)
            .await?
            .ok_or_else(|| Error::InvalidToken("the account no longer exists".into()))?;
        if claims.iat < account.tokens_not_before {
            return Err(Error::InvalidToken(
                "the token was revoked (a password change, or a log-out everywhere)".into(),
            ));
        }
        // A plain login's token names its login era's status index: one of an era that
        // ended (a log-out everywhere, a password change) is revoked, even when it was
        // minted within the same second as the end (which `tokens_not_before`, in whole
        // seconds, cannot tell).
        let era = claims.status.as_ref().map(|s| s.status_list.idx);
        if claims.sid.is_none() && era.is_some() && era != account.status_idx {
            return Err(Error::InvalidToken(
                "the token was revoked (a password change, or a log-out everywhere)".into(),
            ));
        }
        if let Some(sid) = &claims.sid {
            let live = match SessionId::parse(sid) {
                Some(sid) => self.store.live_session(&sid, now).await?.is_some(),
                None => false,
            };
            if !live {
                return Err(Error::InvalidToken(
                    "the token's refresh session has been revoked".into(),
                ));
            }
        }
        Ok(Principal {
            account_id,
            claims,
            source: None,
        })
    }
}
