//! Integration tests: the real `latchkey-nodes` on a free port, trusting a fake issuer
//! that publishes a JWKS, driven over HTTP the way the seeds' curl sample does.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod dpop;
mod helpers;
mod revocation;
mod status;
