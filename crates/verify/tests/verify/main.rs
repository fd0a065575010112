//! Integration tests of the verify library: the token rules, the remote key cache and
//! the axum layer. One binary, one module per area; run them with `--all-features`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod forgery;
#[cfg(feature = "axum")]
mod http;
#[cfg(feature = "remote")]
mod remote;
mod rules;
mod support;
