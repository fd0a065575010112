//! `latchkey-gate`: forward auth for reverse proxies. nginx (`auth_request`), Traefik
//! (`forwardAuth`), Caddy (`forward_auth`) and Envoy (`ext_authz`, HTTP) ask it whether a
//! request may pass; it answers from the request's Latchkey token and a rules file,
//! checked locally with `latchkey-verify` (no call to latchkeyd per request).
//!
//! # Layout
//!
//! - [`Config`]: where to listen, which issuer to trust, the rules.
//! - [`rules`]: the rules file (`[[route]]` prefix, methods, scope, public), checked at
//!   start and kept longest prefix first.
//! - [`path`]: the normalisation of the original path, refusing ambiguous ones.
//! - [`original`]: reading the original method and path from each proxy's headers.
//! - [`htu`]: the original absolute URI, which DPoP proofs must name (the public URL, or
//!   the proxy's `X-Forwarded-Proto` and `X-Forwarded-Host`).
//! - [`decide`]: [`Gate`], the decision for one request and its answer.
//! - [`metrics`]: the decision counters behind `/metrics`.
//! - [`routes`]: the handlers; [`router`] puts them together, [`serve`] serves them.
//!
//! ```no_run
//! # async fn run() -> anyhow::Result<()> {
//! let config = latchkey_gate::Config::new("127.0.0.1:8402", "http://127.0.0.1:8400");
//! let gate = config.gate()?;
//! let listener = tokio::net::TcpListener::bind(&config.service.listen).await?;
//! latchkey_gate::serve(listener, gate, latchkey_verify::shutdown_signal()).await?;
//! # Ok(())
//! # }
//! ```

pub mod decide;
pub mod htu;
pub mod metrics;
pub mod original;
pub mod path;
pub mod routes;
pub mod rules;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::routing::{any, get};
pub use decide::Gate;
pub use htu::PublicUrl;
use latchkey_verify::ServiceConfig;
pub use rules::{Rules, RulesError};
use tokio::net::TcpListener;

/// How the gate is set up.
///
/// ```
/// let config = latchkey_gate::Config::new("127.0.0.1:0", "http://127.0.0.1:8400");
/// assert_eq!(config.rules.routes().len(), 1);
/// ```
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen, the issuer, the audience: as every resource service.
    pub service: ServiceConfig,
    /// The rules; without a file, every path needs a valid access token.
    pub rules: Rules,
    /// The scheme and authority clients use to reach the protected API, which DPoP
    /// proofs must name; `None`: the proxy's `X-Forwarded-Proto` and `X-Forwarded-Host`.
    pub public_url: Option<PublicUrl>,
}

impl Config {
    /// A configuration whose rules ask a valid access token everywhere.
    #[must_use]
    pub fn new(listen: impl Into<String>, issuer: impl Into<String>) -> Self {
        Self {
            service: ServiceConfig::new(listen, issuer),
            rules: Rules::token_everywhere(),
            public_url: None,
        }
    }

    /// The gate for this configuration. Must be called inside a Tokio runtime.
    ///
    /// # Errors
    ///
    /// An invalid issuer or audience URL, or no Tokio runtime.
    pub fn gate(&self) -> Result<Gate, latchkey_verify::BuildError> {
        let gate = Gate::new(self.service.verifier()?, self.rules.clone());
        Ok(match &self.public_url {
            Some(url) => gate.with_public_url(url.clone()),
            None => gate,
        })
    }
}

/// The gate's routes: any method on `/verify` and `/verify/…`, `GET /healthz`,
/// `GET /readyz`, `GET /metrics`.
pub fn router(gate: Gate) -> Router {
    Router::new()
        .route("/verify", any(routes::verify))
        .route("/verify/", any(routes::verify_path))
        .route("/verify/{*rest}", any(routes::verify_path))
        .route("/healthz", get(routes::healthz))
        .route("/readyz", get(routes::readyz))
        .route("/metrics", get(routes::metrics))
        .with_state(Arc::new(gate))
}

/// Serves the gate on `listener` until `shutdown` resolves, then lets requests in flight
/// finish.
///
/// # Errors
///
/// I/O errors from the listener.
pub async fn serve(
    listener: TcpListener,
    gate: Gate,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(gate))
        .with_graceful_shutdown(shutdown)
        .await
}
