//! What the workspace's tests share, so that a new feature's test starts from one line:
//! `let app = TestApp::spawn().await;`.
//!
//! # Layout
//!
//! - [`scratch`]: names no other test uses, directories removed on drop, free ports.
//! - [`database`]: a fresh SQLite or PostgreSQL database per test ([`TestDatabase`]), and
//!   [`backend_tests!`], which runs a test once per storage backend.
//! - [`postgres`]: [`PgDatabase`], a PostgreSQL database created for one test and dropped
//!   after it.
//! - [`tokens`]: [`TestKey`]s that sign tokens the way latchkeyd does, [`claims`] as it
//!   issues them, and [`decode`] for reading a token back.
//! - [`issuer`]: [`FakeIssuer`], a JWKS served on a free port.
//! - [`openapi`]: [`OpenApi`], which holds an answer against `crates/server/openapi.json`
//!   (a small validator for the JSON-Schema subset the document uses).
//! - `app` (feature `app`): [`TestApp`], the real latchkeyd on a fresh database behind a
//!   proxy that checks every answer against the OpenAPI document, with the SDK at hand;
//!   [`LatchkeydProcess`], the same around the `latchkeyd` binary.
//!
//! This crate is a dev-dependency only: no library or binary of the workspace uses it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(feature = "app")]
pub mod app;
pub mod database;
pub mod issuer;
pub mod openapi;
pub mod postgres;
pub mod scratch;
pub mod tokens;

#[cfg(feature = "app")]
pub use app::{
    LatchkeydProcess, Reply, TestApp, TestClock, assert_api_error, require_dpop_nonces, text_at,
};
pub use database::{Backend, OnBackend, TestDatabase, run_on};
pub use issuer::FakeIssuer;
pub use openapi::OpenApi;
pub use postgres::PgDatabase;
pub use scratch::{TempDir, free_address, run_with_stdin, unique_name, unix_now};
pub use tokens::{TestKey, b64, claims, decode, jwks};

/// The password every test account gets (strong enough for the password policy).
pub const PASSWORD: &str = "correct horse battery staple";

#[cfg(test)]
mod tests {
    /// The kit is for tests: no library or binary of the workspace may depend on it.
    #[test]
    fn only_dev_dependencies_name_the_test_kit() {
        let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for entry in std::fs::read_dir(crates).unwrap() {
            let manifest = entry.unwrap().path().join("Cargo.toml");
            let Ok(text) = std::fs::read_to_string(&manifest) else {
                continue;
            };
            let mut section = "";
            for line in text.lines().map(str::trim) {
                if line.starts_with('[') {
                    section = line;
                } else if line.starts_with("latchkey-testkit") {
                    assert_eq!(section, "[dev-dependencies]", "{}", manifest.display());
                }
            }
        }
    }
}
