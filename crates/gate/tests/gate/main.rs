//! Integration tests: the real `latchkey-gate` in front of a real latchkeyd (or a fake
//! issuer, for the tokens only a forger makes), asked the way each proxy asks.
//!
//! - `decisions`: the decision table with latchkeyd's own tokens (kinds, scopes,
//!   methods, public routes, `X-Auth-Token`, both header styles and Envoy's).
//! - `refusals`: every reason a token is refused, and 503 while no keys are held.
//! - `dpop`: DPoP-bound tokens with their proofs (every way a proof can be wrong, in each
//!   header style, and the URI proofs must name: public URL or forwarded headers).
//! - `paths`: normalisation attacks on the original path.
//! - `service`: `/healthz`, `/readyz`, `/metrics`.
//! - `rules_file`: the binary refusing bad rules files at start.
//! - `nginx`: a real nginx with `examples/gateway/nginx.conf` (skipped, loudly, when
//!   nginx is not installed; `scripts/test-gate-nginx.sh` installs it and insists).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod decisions;
mod dpop;
mod helpers;
mod nginx;
mod paths;
mod refusals;
mod revocation;
mod rules_file;
mod service;
