//! The SDK's tests: the token source against a fake token endpoint on a paused clock,
//! `TokenSource::send` against a small HTTP service that refuses a token, and DPoP nonce
//! retries against a token endpoint that asks for nonces.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod dpop_nonce;
mod fake;
mod send;
mod token_source;
