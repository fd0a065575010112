//! The SDK's tests: the token source against a fake token endpoint on a paused clock,
//! and `TokenSource::send` against a small HTTP service that refuses a token.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fake;
mod send;
mod token_source;
