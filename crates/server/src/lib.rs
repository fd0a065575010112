//! `latchkeyd`, the Latchkey token service: an HTTP JSON API over [`latchkey_core`].
//!
//! # Layout
//!
//! - [`config`]: the command line, the TOML file, and their resolution into one
//!   [`Config`]; the default issuer ([`config::issuer_for`]).
//! - [`app`]: [`Application`] — `build(config)`, `port()`, `run_until_stopped(shutdown)`.
//! - `routes`: the router and one thin handler file per resource.
//! - `console`: the account console's pages under `/console/` (askama templates).
//! - `extract`: request extractors (lenient JSON bodies, HTTP Basic, bearer tokens).
//! - `error`: [`ApiError`], the one place where errors become HTTP responses.
//! - `oauth_error`: `OAuthError`, the same for the OAuth 2 endpoints (RFC 6749 bodies).
//! - [`telemetry`]: logging setup.
//! - [`metrics`]: `/metrics` (Prometheus) and the middleware that times requests.
//! - `state`: `AppState` and `HttpPolicy`, shared by the app, the routes and the layers.
//! - `middleware`: security headers and CORS on every response.
//! - [`tls`]: optional TLS on the listener (rustls).
//! - [`admin`]: operator commands (`latchkeyd user add`).

pub mod admin;
pub mod app;
pub mod config;
mod console;
mod error;
mod extract;
#[doc(hidden)]
pub mod fuzzing;
pub mod metrics;
mod middleware;
mod oauth_error;
mod routes;
mod serve;
mod serve_body;
mod state;
pub mod telemetry;
pub mod tls;

pub use app::Application;
pub use config::Config;
pub use error::ApiError;
