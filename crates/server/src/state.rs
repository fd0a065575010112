//! What every handler and layer shares: [`AppState`], and the [`HttpPolicy`] the layers
//! apply. Its own room, below both the application that builds it (`app.rs`) and the
//! router and layers that read it (`routes`, `middleware`, `extract`).

use std::ops::Deref;
use std::sync::Arc;

use axum::http::HeaderValue;
use latchkey_core::Latchkey;

use crate::metrics::Metrics;

/// Shared state of the handlers: one pointer, so that the copy each extractor takes
/// costs one reference count, not one per part.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// What [`AppState`] points to.
pub struct Shared {
    /// The domain service.
    pub latchkey: Arc<Latchkey>,
    /// Request and domain metrics.
    pub metrics: Arc<Metrics>,
    /// CORS, TLS and metrics placement.
    pub http: Arc<HttpPolicy>,
}

impl AppState {
    /// The state of one server.
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The HTTP-level policies of one `latchkeyd`.
#[derive(Debug, Clone, Default)]
pub struct HttpPolicy {
    /// Origins allowed to call the API from a browser.
    pub cors_allowed_origins: Vec<HeaderValue>,
    /// Whether the listener speaks TLS (adds HSTS).
    pub tls: bool,
    /// Whether `/metrics` is served by the main listener (else by its own).
    pub metrics_on_main_listener: bool,
    /// Peers whose `X-Forwarded-For` is believed (`[http] trusted_proxies`).
    pub trusted_proxies: latchkey_core::network::Networks,
}
