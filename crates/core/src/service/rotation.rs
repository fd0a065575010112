//! Refresh-token rotation with reuse detection and a grace window.
//!
//! A rotating session's row holds the generation of its one valid refresh token. A refresh
//! with that generation moves the row to the next generation in one compare-and-set
//! (`UPDATE … WHERE generation = G AND revoked_at IS NULL`), so that of many concurrent
//! refreshes, on one instance or several, exactly one wins, and a revoke is ordered
//! before or after it by the same row lock. The access token issued with a generation is
//! recorded, so a refresh with the generation just retired, within the grace window, gets
//! the very same tokens (a lost response, two tabs refreshing at once). Any older
//! generation, or the retired one after the window, is a replay: the whole session, and
//! nothing else, is revoked.

use latchkey_proto::Scope;

use super::audit::Event;
use super::dpop::Binding;
use super::grants::access_for;
use super::{IssuedTokens, Latchkey};
use crate::audit::EventKind;
use crate::ids::TokenId;
use crate::store::{IssuedAccess, SessionRecord};
use crate::telemetry::RefreshReuse;
use crate::{Error, Result};

impl Latchkey {
    pub(super) async fn refresh_rotating(
        &self,
        mut session: SessionRecord,
        presented: u64,
        expiration: Option<u64>,
        scope: Scope,
        binding: Binding<'_>,
    ) -> Result<IssuedTokens> {
        let now = self.now();
        if presented == session.generation {
            let access = access_for(&session, &scope, expiration, binding.access);
            let lifetime = self.access_lifetime(access.kind, expiration)?;
            let issued = IssuedAccess {
                jti: TokenId::generate()?.to_string(),
                expires_at: now.saturating_add(i64::try_from(lifetime).unwrap_or(i64::MAX)),
                scope: scope.clone(),
            };
            if let Some(rotated) = self
                .store
                .rotate_session(&session.id, presented, &issued, now)
                .await?
            {
                tracing::debug!(sid = %rotated.id, generation = rotated.generation, "refresh token rotated");
                return self.reissue(&rotated, binding);
            }
            // Another refresh of the same token won the race: read what it issued.
            session =
                self.store
                    .live_session(&session.id, now)
                    .await?
                    .ok_or(Error::InvalidGrant(
                        "the refresh token has been revoked or has expired",
                    ))?;
        }
        let within_grace = session.rotated_at.is_some_and(|at| {
            now - at
                <= i64::try_from(self.settings.policies.rotation.grace_seconds).unwrap_or(i64::MAX)
        });
        if presented.checked_add(1) == Some(session.generation) && within_grace {
            tracing::info!(sid = %session.id, generation = session.generation, "retired refresh token reused within the grace window; same tokens returned");
            self.telemetry.refresh_reused(RefreshReuse::Grace);
            return self.reissue(&session, binding);
        }
        self.store.revoke_session_by_id(&session.id, now).await?;
        self.status_lists_changed().await;
        self.telemetry.refresh_reused(RefreshReuse::Detected);
        let mut event = Event::new(EventKind::RefreshTokenReuseDetected)
            .account(&session.account_id)
            .detail(format!("session {}", session.id));
        if let Some(client) = session.client_id.as_deref() {
            event = event.client(client);
        }
        self.audit(event).await;
        tracing::warn!(
            sid = %session.id,
            account = %session.account_id,
            presented,
            current = session.generation,
            "refresh token reuse detected; the session has been revoked"
        );
        Err(Error::InvalidGrant(
            "this refresh token was already used; its session has been revoked",
        ))
    }

    /// Mints again, identically, the tokens of a session's current generation.
    fn reissue(&self, session: &SessionRecord, binding: Binding<'_>) -> Result<IssuedTokens> {
        let (Some(issued), Some(issued_at)) = (&session.issued_access, session.rotated_at) else {
            return Err(Error::Unexpected(anyhow::anyhow!(
                "rotated session {} has no issued access token",
                session.id
            )));
        };
        let key = self.keys.signing_key();
        let access = access_for(session, &issued.scope, None, binding.access);
        let mut tokens = self.sign_access(
            &key,
            &access,
            issued_at,
            issued.expires_at,
            issued.jti.clone(),
        )?;
        tokens.refresh_token =
            Some(self.mint_refresh(&key, session, issued_at, binding.refresh)?);
        Ok(tokens)
    }
}
