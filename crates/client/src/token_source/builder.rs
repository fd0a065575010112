//! [`TokenSourceBuilder`]: what a [`TokenSource`] starts with and how it behaves.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use latchkey_proto::secret::{ClientSecret, RefreshToken};
use tokio::sync::watch;

use super::lifetime::Lifetime;
use super::{Access, Credentials, Shared, State, TokenEndpoint, TokenSource, snapshot};
use crate::Client;

/// Builds a [`TokenSource`].
#[derive(Debug)]
pub struct TokenSourceBuilder {
    endpoint: Arc<dyn TokenEndpoint>,
    credentials: Option<Credentials>,
    refresh_client_id: Option<String>,
    access: Option<String>,
    refresh: Option<RefreshToken>,
    margin: Duration,
    retry: (Duration, Duration),
}

impl TokenSourceBuilder {
    /// Client keys: used for the first tokens, and again whenever the refresh token is
    /// expired or revoked.
    #[must_use]
    pub fn client_credentials(mut self, client_id: &str, client_secret: &ClientSecret) -> Self {
        self.credentials = Some(Credentials {
            client_id: client_id.into(),
            client_secret: client_secret.clone(),
        });
        self
    }

    /// Tokens obtained earlier (e.g. loaded from storage); the access token is used
    /// until its `exp` claim, by the wall clock, comes within the margin.
    #[must_use]
    pub fn tokens(
        mut self,
        access_token: Option<&str>,
        refresh_token: Option<&RefreshToken>,
    ) -> Self {
        self.access = access_token.map(Into::into);
        self.refresh = refresh_token.cloned();
        self
    }

    /// The `clientId` to send with the refresh token: needed for an account refresh
    /// token from an offline login, which is bound to that id.
    #[must_use]
    pub fn refresh_client_id(mut self, client_id: &str) -> Self {
        self.refresh_client_id = Some(client_id.into());
        self
    }

    /// How long before expiry a token is refreshed (default 60 s; at most half the
    /// token's lifetime is used).
    #[must_use]
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// The background task's delay after a failed refresh: `first`, doubling up to `max`
    /// (default 1 s to 60 s).
    #[must_use]
    pub fn retry_delays(mut self, first: Duration, max: Duration) -> Self {
        self.retry = (first, max.max(first));
        self
    }

    /// The token source.
    #[must_use]
    pub fn build(self) -> TokenSource {
        let access = self.access.map(|token| Access {
            lifetime: Lifetime::of_stored(&token, self.margin),
            token: token.into(),
        });
        let state = State {
            access,
            refresh: self.refresh,
            ..State::default()
        };
        let (changes, _) = watch::channel(snapshot(&state));
        TokenSource {
            shared: Arc::new(Shared {
                endpoint: self.endpoint,
                credentials: self.credentials,
                refresh_client_id: self.refresh_client_id,
                margin: self.margin,
                retry: self.retry,
                state: Mutex::new(state),
                renewing: tokio::sync::Mutex::new(()),
                changes,
            }),
        }
    }
}

impl TokenSource {
    /// A builder for a source that gets its tokens from `client`.
    #[must_use]
    pub fn builder(client: Client) -> TokenSourceBuilder {
        Self::builder_with(Arc::new(client))
    }

    /// A builder for a source that gets its tokens from any [`TokenEndpoint`].
    #[must_use]
    pub fn builder_with(endpoint: Arc<dyn TokenEndpoint>) -> TokenSourceBuilder {
        TokenSourceBuilder {
            endpoint,
            credentials: None,
            refresh_client_id: None,
            access: None,
            refresh: None,
            margin: Duration::from_secs(60),
            retry: (Duration::from_secs(1), Duration::from_secs(60)),
        }
    }
}
