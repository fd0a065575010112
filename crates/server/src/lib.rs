//! `latchkeyd`, the Latchkey token service: an HTTP JSON API over [`latchkey_core`].
//!
//! # Layout
//!
//! - [`config`]: command line, environment and TOML file, resolved into one [`Config`].
//! - [`app`]: [`Application`] — `build(config)`, `port()`, `run_until_stopped(shutdown)`.
//! - `routes`: the router and one thin handler file per resource.
//! - `extract`: request extractors (lenient JSON bodies, HTTP Basic, bearer tokens).
//! - `error`: [`ApiError`], the one place where errors become HTTP responses.
//! - `oauth_error`: `OAuthError`, the same for the OAuth 2 endpoints (RFC 6749 bodies).
//! - [`telemetry`]: logging setup.
//! - [`admin`]: operator commands (`latchkeyd user add`).

pub mod admin;
pub mod app;
pub mod config;
mod error;
mod extract;
mod oauth_error;
mod routes;
pub mod telemetry;

pub use app::Application;
pub use config::Config;
pub use error::ApiError;
