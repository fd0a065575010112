//! Refresh sessions: list, revoke one, revoke all ("log out everywhere").

use latchkey_proto::Kind;

use super::audit::Event;
use super::{Latchkey, Principal};
use crate::audit::EventKind;
use crate::ids::SessionId;
use crate::store::SessionRecord;
use crate::{Error, Result};

impl Latchkey {
    /// The caller's live refresh tokens, newest first.
    ///
    /// # Errors
    ///
    /// Storage errors.
    pub async fn sessions(&self, who: &Principal) -> Result<Vec<SessionRecord>> {
        Ok(self.store.sessions(&who.account_id, self.now()).await?)
    }

    /// Ends one of the caller's refresh tokens, and every access token minted from it.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] if the caller has no such live refresh token, or storage errors.
    pub async fn revoke_session(&self, who: &Principal, id: &str) -> Result<()> {
        let id = SessionId::parse(id).ok_or(Error::NotFound("refresh token"))?;
        if self
            .store
            .revoke_session(&who.account_id, &id, self.now())
            .await?
        {
            self.status_lists_changed().await;
            self.audit(
                Event::new(EventKind::RefreshTokenRevoked)
                    .by(who)
                    .detail(format!("session {id}")),
            )
            .await;
            Ok(())
        } else {
            Err(Error::NotFound("refresh token"))
        }
    }

    /// Ends the caller's account refresh tokens made for the application `app` (Wazo's
    /// `DELETE /users/{uuid}/tokens/{client_id}`).
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] if there is none, or storage errors.
    pub async fn revoke_app_sessions(&self, who: &Principal, app: &str) -> Result<()> {
        let mut ended = false;
        for session in self.sessions(who).await? {
            if session.kind == Kind::AccountRefresh && session.client_id.as_deref() == Some(app) {
                ended |= self
                    .store
                    .revoke_session(&who.account_id, &session.id, self.now())
                    .await?;
            }
        }
        if ended {
            self.status_lists_changed().await;
            self.audit(
                Event::new(EventKind::RefreshTokenRevoked)
                    .by(who)
                    .client(app),
            )
            .await;
            Ok(())
        } else {
            Err(Error::NotFound("refresh token for this client_id"))
        }
    }

    /// Ends all of the caller's refresh tokens, and every account access token of the
    /// account issued until now, and says how many refresh tokens there were.
    ///
    /// # Errors
    ///
    /// Storage errors.
    pub async fn revoke_all_sessions(&self, who: &Principal) -> Result<u64> {
        let now = self.now();
        // Plain logins' account access tokens have no session: end them by time.
        self.store
            .refuse_tokens_before(&who.account_id, now)
            .await?;
        let ended = self.store.revoke_sessions(&who.account_id, now).await?;
        self.status_lists_changed().await;
        self.audit(
            Event::new(EventKind::RefreshTokensRevoked)
                .by(who)
                .detail(format!("{ended} sessions")),
        )
        .await;
        Ok(ended)
    }
}
