//! The example Nodes service: a resource service that accepts Latchkey access tokens,
//! checked locally against the issuer's published keys.
//!
//! # Layout
//!
//! - [`Config`]: where to listen, which issuer to trust, which audience to expect.
//! - [`router`]: the routes, `GET /nodes/v1/status` (scope `nodes:read`) and
//!   `GET /healthz`, kept apart from serving so tests can drive them directly.
//! - [`serve`]: serves a router on a bound listener until a shutdown future resolves;
//!   [`shutdown_signal`] is that future for ctrl-c and SIGTERM.
//! - [`routes`]: the handlers.
//!
//! ```no_run
//! # async fn run() -> anyhow::Result<()> {
//! let config = latchkey_nodes::Config::new("127.0.0.1:8401", "http://127.0.0.1:8400");
//! let verifier = config.verifier()?;
//! let listener = tokio::net::TcpListener::bind(&config.listen).await?;
//! latchkey_nodes::serve(listener, verifier, latchkey_nodes::shutdown_signal()).await?;
//! # Ok(())
//! # }
//! ```

pub mod routes;

use std::future::Future;
use std::time::Instant;

use axum::Router;
use axum::routing::get;
use latchkey_verify::{AuthLayer, Scope, Verifier};
use tokio::net::TcpListener;

/// Resolves on ctrl-c or, on Unix, SIGTERM: the one shutdown signal of the workspace,
/// from `latchkey-verify` (see `latchkey_verify::shutdown`), re-exported here so that
/// `latchkey_nodes::shutdown_signal` keeps working.
pub use latchkey_verify::shutdown_signal;

/// The scope `GET /nodes/v1/status` requires.
pub const READ_SCOPE: &str = "nodes:read";

/// How the service is set up: where to listen, which issuer to trust, which audience to
/// expect (`latchkey_verify::ServiceConfig`, shared with the other resource services).
///
/// ```
/// let config = latchkey_nodes::Config::new("127.0.0.1:0", "http://127.0.0.1:8400");
/// assert_eq!(config.audience, None);
/// ```
pub use latchkey_verify::ServiceConfig as Config;

/// State shared by the handlers.
#[derive(Clone)]
pub struct AppState {
    /// The verifier, whose key count the status reports.
    pub verifier: Verifier,
    /// When the service started, for the uptime.
    pub started: Instant,
}

/// The service's routes.
///
/// `GET /nodes/v1/status` needs an access token with scope [`READ_SCOPE`];
/// `GET /healthz` is open.
///
/// # Errors
///
/// None in practice: [`READ_SCOPE`] is a valid scope. The `Result` keeps a future typo
/// from turning into a panic or into an unprotected route.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let verifier = latchkey_nodes::Config::new("127.0.0.1:0", "http://127.0.0.1:8400").verifier().unwrap();
/// let app: axum::Router = latchkey_nodes::router(verifier).unwrap();
/// # }
/// ```
pub fn router(verifier: Verifier) -> Result<Router, latchkey_verify::ScopeError> {
    let read = Scope::parse(READ_SCOPE)?;
    let state = AppState {
        verifier: verifier.clone(),
        started: Instant::now(),
    };
    Ok(Router::new()
        .route(
            "/nodes/v1/status",
            get(routes::status).layer(AuthLayer::new(verifier).require_scope(&read)),
        )
        .route("/healthz", get(routes::healthz))
        .fallback(routes::not_found)
        .method_not_allowed_fallback(routes::method_not_allowed)
        .with_state(state))
}

/// Serves the Nodes routes on `listener` until `shutdown` resolves, then lets requests
/// in flight finish.
///
/// # Errors
///
/// I/O errors from the listener, or an invalid built-in scope (see [`router`]).
///
/// ```no_run
/// # async fn run(verifier: latchkey_verify::Verifier) -> anyhow::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
/// let server = tokio::spawn(latchkey_nodes::serve(listener, verifier, async { let _ = stopped.await; }));
/// stop.send(()).ok();
/// server.await??;
/// # Ok(())
/// # }
/// ```
pub async fn serve(
    listener: TcpListener,
    verifier: Verifier,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let app = router(verifier)?;
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}
