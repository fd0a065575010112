//! Integration tests: the real `latchkeyd` on a free port with a fresh database, driven
//! through the project's own SDK (`latchkey-client`) and, for malformed requests, raw HTTP.
//!
//! The set-up comes from `latchkey-testkit`: each test is one `async fn(TestApp)`, and
//! `backend_tests!` runs it once per storage backend. The kit's proxy holds every answer
//! against `crates/server/openapi.json`, so a test fails if the server answers what the
//! document does not describe.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accounts;
mod audit;
mod client_keys;
mod console;
mod console_keys;
mod console_kit;
mod console_sessions;
mod crash;
mod data_files;
mod documented;
mod dpop;
mod dpop_nonce;
mod emails;
mod errors;
mod hardening;
mod hashing;
mod introspection;
mod key_revocation;
mod lifecycle;
mod lockout;
mod nodes_revocation;
mod oauth2;
mod oauth2_crate;
mod oauth2_kit;
mod oauth2_metadata;
mod offline;
mod operations;
mod postgres;
mod races;
mod random_requests;
mod rotation;
mod scopes;
mod sessions;
mod signing_keys;
mod slow_clients;
mod status_lists;
mod tls;
mod tokens;
mod wazo;
