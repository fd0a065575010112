//! [`TokenSource`]: hands out a valid access token, refreshing it ahead of expiry.
//!
//! - A token is refreshed a margin before it expires (by its own `iat`/`exp`), so a
//!   caller never holds one that is about to die.
//! - Concurrent callers share one refresh in flight: they wait on the same lock, and the
//!   first one through refreshes for all of them — its failure too is shared, so a
//!   thousand callers on a dead service make one request, not a thousand.
//! - The refresh token is tried first; when it is expired or revoked (`invalid_grant`),
//!   or when there is none, the client credentials are used if the source holds them.
//! - A failed refresh never leaves the source stuck: it keeps no "refreshing" flag that
//!   a failure could leave set; the next caller or the next background round simply
//!   tries again, the background task after a growing delay ([`background`]).
//! - [`TokenSource::send`] retries a request once with a fresh token after a 401.

mod background;
mod builder;
mod endpoint;
mod lifetime;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use latchkey_proto::api::{TokenRequest, TokenResponse};
use latchkey_proto::secret::{ClientSecret, RefreshToken};
use latchkey_proto::{ErrorCode, GrantType};
use reqwest::{RequestBuilder, Response, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::watch;
use tokio::time::Instant;

pub use background::BackgroundRefresh;
pub use builder::TokenSourceBuilder;
pub use endpoint::{TokenEndpoint, TokenFuture};
use lifetime::Lifetime;

use crate::{Error, Result};

/// The tokens a [`TokenSource`] holds, for callers that store them (the CLI writes them
/// to its profile after every change).
#[derive(Clone, PartialEq, Eq)]
pub struct Tokens {
    /// The current access token, if any.
    pub access_token: Option<String>,
    /// Its `exp` claim.
    pub expires_at: Option<SystemTime>,
    /// The current refresh token, if any (it changes when the service rotates it).
    pub refresh_token: Option<RefreshToken>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("access_token", &self.access_token.as_ref().map(|_| "…"))
            .field("expires_at", &self.expires_at)
            .field("refresh_token", &self.refresh_token)
            .finish()
    }
}

/// Client keys to fall back on when there is no usable refresh token.
#[derive(Debug, Clone)]
struct Credentials {
    client_id: String,
    client_secret: ClientSecret,
}

#[derive(Debug)]
struct Access {
    token: SecretString,
    lifetime: Lifetime,
}

#[derive(Debug, Default)]
struct State {
    access: Option<Access>,
    refresh: Option<RefreshToken>,
    /// Counts finished renewals, so that callers that waited on one can tell.
    renewals: u64,
    /// How the last renewal failed, shared with the callers that waited on it.
    last_error: Option<Error>,
}

#[derive(Debug)]
struct Shared {
    endpoint: Arc<dyn TokenEndpoint>,
    credentials: Option<Credentials>,
    refresh_client_id: Option<String>,
    margin: Duration,
    retry: (Duration, Duration),
    state: Mutex<State>,
    /// Held while renewing: the single flight.
    renewing: tokio::sync::Mutex<()>,
    changes: watch::Sender<Tokens>,
}

/// Hands out valid access tokens for one client (or account) and keeps them fresh.
/// Cheap to clone; clones share the tokens and the refresh in flight.
///
/// ```no_run
/// # async fn demo() -> latchkey_client::Result<()> {
/// use latchkey_client::{Client, TokenSource};
/// let latchkey = Client::new("http://127.0.0.1:8400")?;
/// let source = TokenSource::builder(latchkey)
///     .client_credentials("0123…", &latchkey_client::ClientSecret::new("abcd…"))
///     .build();
/// let _refresher = source.refresh_in_background();
/// let http = reqwest::Client::new();
/// let status = source
///     .send(|token| http.get("http://127.0.0.1:8401/nodes/v1/status").bearer_auth(token))
///     .await?;
/// println!("{}", status.status());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct TokenSource {
    shared: Arc<Shared>,
}

impl TokenSource {
    /// A valid access token: the current one, or a new one if it is within the margin
    /// of its expiry. While a refresh fails for a passing reason (the network, a service
    /// restarting), a token that has not yet expired is still handed out; once the grant
    /// is gone (`invalid_grant` with no client keys to fall back on, `invalid_client`),
    /// the token is dropped.
    ///
    /// # Errors
    ///
    /// The refresh's error when there is no valid token to hand out: `invalid_grant`
    /// when the refresh token is expired or revoked and there are no client keys,
    /// `invalid_client` when the keys were deleted, [`Error::NoCredentials`] when the
    /// source holds nothing to refresh with, or a transport error.
    pub async fn access_token(&self) -> Result<String> {
        if let Some(token) = self.current(|life| life.refresh_at) {
            return Ok(token);
        }
        let seen = self.lock().renewals;
        let _flight = self.shared.renewing.lock().await;
        if let Some(token) = self.current(|life| life.refresh_at) {
            return Ok(token);
        }
        let shared_failure = {
            let state = self.lock();
            // Another caller's renewal finished (and failed) while this one waited.
            (state.renewals != seen)
                .then(|| state.last_error.clone())
                .flatten()
        };
        if let Some(error) = shared_failure {
            return self.current(|life| life.expires_at).ok_or(error);
        }
        match self.renew().await {
            Ok(token) => Ok(token),
            Err(error) => self.current(|life| life.expires_at).ok_or(error),
        }
    }

    /// Sends the request that `build` makes with a valid access token; after a 401, gets
    /// a fresh token and sends it once more. The answer is returned whatever its status.
    ///
    /// # Errors
    ///
    /// As [`TokenSource::access_token`], or a transport error.
    pub async fn send<F>(&self, build: F) -> Result<Response>
    where
        F: Fn(&str) -> RequestBuilder,
    {
        let token = self.access_token().await?;
        let response = build(&token).send().await.map_err(Error::network)?;
        if response.status() != StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        self.refused(&token);
        let token = self.access_token().await?;
        build(&token).send().await.map_err(Error::network)
    }

    /// Marks `access_token` as refused by a service, so that the next caller gets a new
    /// one (does nothing if the source has already moved on to another token).
    pub fn refused(&self, access_token: &str) {
        let mut state = self.lock();
        if let Some(access) = state.access.as_mut()
            && access.token.expose_secret() == access_token
        {
            access.lifetime = Lifetime::expired();
        }
    }

    /// The tokens held now.
    #[must_use]
    pub fn tokens(&self) -> Tokens {
        snapshot(&self.lock())
    }

    /// A receiver that sees every new set of tokens (to store them, say).
    #[must_use]
    pub fn subscribe(&self) -> watch::Receiver<Tokens> {
        self.shared.changes.subscribe()
    }

    /// Renews the token if it is within the margin of its expiry (the background task's
    /// round: unlike [`TokenSource::access_token`], a failure is reported even while the
    /// old token is still valid).
    async fn renew_if_due(&self) -> Result<()> {
        let _flight = self.shared.renewing.lock().await;
        if self.current(|life| life.refresh_at).is_some() {
            return Ok(());
        }
        self.renew().await.map(drop)
    }

    /// The token handed out now, if it is still before `deadline`.
    fn current(&self, deadline: impl Fn(&Lifetime) -> Instant) -> Option<String> {
        let state = self.lock();
        let access = state.access.as_ref()?;
        (Instant::now() < deadline(&access.lifetime))
            .then(|| access.token.expose_secret().to_owned())
    }

    /// Gets new tokens: by the refresh token, else (or when it is refused) by the client
    /// keys. Called with the `renewing` lock held.
    async fn renew(&self) -> Result<String> {
        let result = self.fetch().await;
        let mut state = self.lock();
        state.renewals += 1;
        match result {
            Ok(response) => {
                state.last_error = None;
                let lifetime = Lifetime::of_fresh(&response.access_token, self.shared.margin);
                let token = response.access_token;
                state.access = Some(Access {
                    token: token.clone().into(),
                    lifetime,
                });
                if let Some(refresh) = response.refresh_token {
                    state.refresh = Some(refresh);
                }
                self.shared.changes.send_replace(snapshot(&state));
                Ok(token)
            }
            Err(error) => {
                if is_final(&error) && state.access.is_some() {
                    // The grant is gone (the key deleted, the session revoked): its access
                    // token was revoked with it, so it is not handed out any more.
                    state.access = None;
                    self.shared.changes.send_replace(snapshot(&state));
                }
                state.last_error = Some(error.clone());
                Err(error)
            }
        }
    }

    async fn fetch(&self) -> Result<TokenResponse> {
        let refresh = self.lock().refresh.clone();
        let credentials = self.shared.credentials.as_ref();
        if let Some(refresh) = refresh {
            let request = TokenRequest {
                grant_type: GrantType::RefreshToken,
                refresh_token: Some(refresh),
                client_id: self.shared.refresh_client_id.clone(),
                ..TokenRequest::default()
            };
            match self.shared.endpoint.token(&request).await {
                Err(error)
                    if error.code() == Some(ErrorCode::InvalidGrant) && credentials.is_some() =>
                {
                    self.lock().refresh = None;
                }
                other => return other,
            }
        }
        let Some(credentials) = credentials else {
            return Err(Error::NoCredentials);
        };
        let request = TokenRequest {
            grant_type: GrantType::ClientCredentials,
            client_id: Some(credentials.client_id.clone()),
            client_secret: Some(credentials.client_secret.clone()),
            ..TokenRequest::default()
        };
        self.shared.endpoint.token(&request).await
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is left consistent at every await point, so a panic elsewhere
        // cannot have left it half-written.
        self.shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Errors that no retry can fix: the grant or the keys are gone.
fn is_final(error: &Error) -> bool {
    matches!(error, Error::NoCredentials)
        || matches!(
            error.code(),
            Some(ErrorCode::InvalidGrant | ErrorCode::InvalidClient)
        )
}

fn snapshot(state: &State) -> Tokens {
    Tokens {
        access_token: state
            .access
            .as_ref()
            .map(|a| a.token.expose_secret().to_owned()),
        expires_at: state
            .access
            .as_ref()
            .and_then(|a| a.lifetime.expires_at_wall),
        refresh_token: state.refresh.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_do_not_show_their_secrets_in_debug() {
        let tokens = Tokens {
            access_token: Some("hunter2.access.token".into()),
            expires_at: None,
            refresh_token: Some(RefreshToken::new("hunter2.refresh.token")),
        };
        assert!(!format!("{tokens:?}").contains("hunter2"));
        let credentials = Credentials {
            client_id: "id".into(),
            client_secret: ClientSecret::new("hunter2-secret"),
        };
        assert!(!format!("{credentials:?}").contains("hunter2"));
    }
}
