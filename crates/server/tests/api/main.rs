//! Integration tests: the real `latchkeyd` on a free port with a fresh database, driven
//! through the project's own SDK (`latchkey-client`) and, for malformed requests, raw HTTP.
//!
//! Each test is one `async fn(TestApp)`; `backend_tests!` runs it once per storage backend.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod helpers;

mod accounts;
mod client_keys;
mod errors;
mod offline;
mod operations;
mod rotation;
mod sessions;
mod tokens;
mod wazo;
