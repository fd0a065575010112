//! Integration tests: the real `latchkeyd` on a free port with a fresh database, driven
//! through the project's own SDK (`latchkey-client`) and, for malformed requests, raw HTTP.
//!
//! Each test is one `async fn(TestApp)`; `backend_tests!` runs it once per storage backend.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod helpers;

mod accounts;
mod audit;
mod client_keys;
mod crash;
mod data_files;
mod emails;
mod errors;
mod hardening;
mod hashing;
mod introspection;
mod lockout;
mod oauth2;
mod oauth2_crate;
mod oauth2_kit;
mod offline;
mod operations;
mod postgres;
mod random_requests;
mod rotation;
mod scopes;
mod sessions;
mod signing_keys;
mod tokens;
mod wazo;
