//! The application: built from a [`Config`], bound to a port, run until a shutdown signal.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use latchkey_core::{Clock, Latchkey, SystemClock};
use tokio::net::TcpListener;

use crate::config::Config;
use crate::metrics::Metrics;
use crate::middleware::metrics_router;
use crate::routes;
use crate::serve::{ConnectionLimits, serve};
use crate::state::{AppState, HttpPolicy, Shared};
use crate::tls::{self, TlsListener};

/// A built, bound, not yet running `latchkeyd`.
pub struct Application {
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    limits: ConnectionLimits,
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
        let tls = config.tls.as_ref().map(tls::acceptor).transpose()?;
        let metrics_listener = match config.metrics_listen {
            Some(at) => Some(
                TcpListener::bind(at)
                    .await
                    .with_context(|| format!("cannot listen on {at} for metrics"))?,
            ),
            None => None,
        };
        let settings = config.settings(address);
        let (store, pools) =
            latchkey_store::open_with_probe(&config.database_url, &config.store).await?;
        let latchkey = Latchkey::new(store, settings, clock)
            .await
            .context("cannot start the token service")?;
        let http = HttpPolicy {
            cors_allowed_origins: config.cors_allowed_origins,
            tls: tls.is_some(),
            metrics_on_main_listener: config.metrics_on_api_listener && metrics_listener.is_none(),
            trusted_proxies: config.trusted_proxies,
        };
        Ok(Self {
            limits: config.limits,
            listener,
            metrics_listener,
            tls,
            state: AppState::new(Shared {
                metrics: Arc::new(Metrics::new(Arc::clone(latchkey.telemetry()), pools)),
                latchkey: Arc::new(latchkey),
                http: Arc::new(http),
            }),
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

    /// The domain service (embedders and tests drive key upkeep with it).
    #[must_use]
    pub fn latchkey(&self) -> Arc<Latchkey> {
        Arc::clone(&self.state.latchkey)
    }

    /// The bound port (useful when the configuration asked for port 0).
    #[must_use]
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map_or(0, |a| a.port())
    }

    /// The port of the separate metrics listener, if there is one.
    #[must_use]
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
            .map(|a| a.port())
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
        let upkeep = tokio::spawn(upkeep(Arc::clone(&self.state.latchkey)));
        tracing::info!(address = %self.address()?, issuer = self.issuer(), tls = self.tls.is_some(), "latchkeyd listening");
        // Scrapes are idempotent: the metrics listener simply stops with the main one.
        let metrics = self.metrics_listener.map(|listener| {
            tracing::info!(address = ?listener.local_addr().ok(), "metrics listening");
            let router = metrics_router(self.state.clone());
            tokio::spawn(async move { axum::serve(listener, router).await })
        });
        let router = routes::router(self.state);
        match self.tls {
            Some(acceptor) => {
                let listener = TlsListener::new(self.listener, acceptor)?;
                serve(listener, router, self.limits, shutdown).await;
            }
            None => serve(self.listener, router, self.limits, shutdown).await,
        }
        upkeep.abort();
        if let Some(task) = metrics {
            task.abort();
        }
        Ok(())
    }
}

/// How often the status lists read what other instances ended (a revocation made at one
/// instance shows in every instance's lists within this plus one query).
const STATUS_POLL_INTERVAL: Duration = Duration::from_millis(250);

/// How often ended sessions are purged.
const PURGE_INTERVAL: Duration = Duration::from_secs(600);

/// Background upkeep: key reloads and rotation every `key_reload_interval`, the status
/// lists' poll every 250 ms, and the purge of ended sessions (refresh and console) every
/// ten minutes. Failures are logged and retried on the next tick.
async fn upkeep(latchkey: Arc<Latchkey>) {
    let interval = Duration::from_secs(latchkey.settings().policies.key_reload_interval.max(1));
    // The first round comes one interval after start: the key ring was loaded by the
    // build, and tests that move the clock know no upkeep runs behind their back.
    let start = tokio::time::Instant::now();
    let mut keys = tokio::time::interval_at(start + interval, interval);
    let mut purge = tokio::time::interval_at(start + PURGE_INTERVAL, PURGE_INTERVAL);
    let mut lists = tokio::time::interval_at(start + STATUS_POLL_INTERVAL, STATUS_POLL_INTERVAL);
    lists.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    keys.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    purge.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = keys.tick() => {
                if let Err(err) = latchkey.key_ring().maintain().await {
                    tracing::warn!(error = %err, "signing-key upkeep failed");
                }
            }
            _ = lists.tick() => {
                if let Err(err) = latchkey.sync_status_lists().await {
                    tracing::warn!(error = %err, "could not poll the status lists");
                }
            }
            _ = purge.tick() => {
                if let Err(err) = latchkey.purge_ended_sessions().await {
                    tracing::warn!(error = %err, "could not purge ended sessions");
                }
                if let Err(err) = latchkey.purge_attempts().await {
                    tracing::warn!(error = %err, "could not purge failed-attempt counters");
                }
                if let Err(err) = latchkey.purge_console_sessions().await {
                    tracing::warn!(error = %err, "could not purge ended console sessions");
                }
            }
        }
    }
}
