//! The application: built from a [`Config`], bound to a port, run until a shutdown signal.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use latchkey_core::{Clock, Latchkey, SystemClock};
use tokio::net::TcpListener;

use crate::config::Config;
use crate::routes;

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    /// The domain service.
    pub latchkey: Arc<Latchkey>,
}

/// A built, bound, not yet running `latchkeyd`.
pub struct Application {
    listener: TcpListener,
    state: AppState,
}

impl Application {
    /// Binds the listener, opens the database (running migrations) and loads the keys.
    ///
    /// # Errors
    ///
    /// If the address cannot be bound, the database cannot be opened, or the keys
    /// cannot be loaded.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        Self::build_with_clock(config, Arc::new(SystemClock)).await
    }

    /// As [`Application::build`], with a clock of the caller's (tests move time with it).
    ///
    /// # Errors
    ///
    /// As [`Application::build`].
    pub async fn build_with_clock(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let address = listener
            .local_addr()
            .context("the listener has no address")?;
        let mut settings = config.settings;
        settings.issuer = config.issuer.unwrap_or_else(|| format!("http://{address}"));
        settings.audience = config.audience.unwrap_or_else(|| settings.issuer.clone());
        let store = latchkey_store::open(&config.database_url, &config.store).await?;
        let latchkey = Latchkey::new(store, settings, clock)
            .await
            .context("cannot start the token service")?;
        Ok(Self {
            listener,
            state: AppState {
                latchkey: Arc::new(latchkey),
            },
        })
    }

    /// The bound address.
    ///
    /// # Errors
    ///
    /// If the socket has no local address.
    pub fn address(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// The bound port (useful when the configuration asked for port 0).
    #[must_use]
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map_or(0, |a| a.port())
    }

    /// The issuer URL in use.
    #[must_use]
    pub fn issuer(&self) -> &str {
        &self.state.latchkey.settings().issuer
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests and returns.
    ///
    /// # Errors
    ///
    /// If the server fails.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let latchkey = Arc::clone(&self.state.latchkey);
        let interval = Duration::from_secs(latchkey.settings().key_reload_interval.max(1));
        let reloader = tokio::spawn(async move {
            let mut ticker = tokio::time::interval(interval);
            ticker.tick().await;
            loop {
                ticker.tick().await;
                if let Err(err) = latchkey.key_ring().reload().await {
                    tracing::warn!(error = %err, "could not reload signing keys");
                }
            }
        });
        tracing::info!(address = %self.address()?, issuer = self.issuer(), "latchkeyd listening");
        let served = axum::serve(self.listener, routes::router(self.state))
            .with_graceful_shutdown(shutdown)
            .await;
        reloader.abort();
        served.context("the HTTP server failed")
    }
}
