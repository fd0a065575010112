//! Verify Latchkey tokens locally, from the keys the service publishes at
//! `<issuer>/.well-known/jwks.json`, without calling the service on each request.
//!
//! # Layout
//!
//! - [`jwk`]: the published keys (`Jwks`, `Jwk`) and the parsed, ready-to-use [`KeySet`].
//! - [`validation`]: the rules a token must pass ([`Validation`]) and [`verify`], which
//!   checks signature, `typ`, `iss`, `aud`, `nbf`/`exp`, `kind` and scopes in one call.
//! - [`error`]: [`VerifyError`], which says which rule a token broke.
//! - [`verifier`]: [`Verifier`], rules and keys together, cheap to clone, `async fn verify`.
//! - [`status_bits`]: the bits of a Token Status List (`lst`: ZLIB, base64url, LSB first).
//! - `status_list` (feature `remote`): the cache of the issuer's status lists that
//!   `Verifier::verify` checks a token's `status` claim against ([`StatusCheck`]).
//! - [`dpop`]: DPoP proofs (RFC 9449) — [`dpop::DpopVerifier`] checks a proof for a
//!   request and returns its key's thumbprint; `dpop_replay` is its bounded replay cache.
//! - [`sender`]: [`Verifier::verify_presented`], a token as the request presented it
//!   (`Bearer`, or `DPoP` with a proof for the request's method and URI).
//! - [`clock`]: where "now" comes from ([`Clock`], [`SystemClock`]), so tests can pin it.
//! - `key_source`: where a verifier's keys come from (fixed, or the remote cache).
//! - `remote` (feature `remote`): `Verifier::builder`, which fetches the JWKS, caches it
//!   (`jwks_cache`), refreshes it in the background and refetches on an unknown `kid`,
//!   rate-limited.
//! - `layer` (feature `axum`): the `VerifiedToken` extractor and the `AuthLayer` tower
//!   layer; `rejection`: the RFC 6750 answers (`TokenRejection`); `bearer`: reading the
//!   bearer token of a request (`bearer_token`), shared with the token service.
//! - `service` (feature `remote`): `ServiceConfig`, the listen address, issuer and
//!   audience every resource service built on this crate starts from.
//! - `shutdown` (feature `axum`): `shutdown_signal`, ctrl-c or SIGTERM, for graceful
//!   shutdown of the services built on this crate.
//!
//! Only the algorithms Latchkey signs with are accepted (`EdDSA` with Ed25519 and
//! `ES256`); `none`, HMAC and RSA tokens are refused before any key is looked at.
//!
//! ```
//! use latchkey_verify::{KeySet, Validation, VerifyError};
//!
//! let keys = KeySet::from_jwks_json(br#"{"keys": []}"#).unwrap();
//! let rules = Validation::access("http://127.0.0.1:8400", "http://127.0.0.1:8400");
//! let err = latchkey_verify::verify("not.a.token", &keys, &rules, 0).unwrap_err();
//! assert!(matches!(err, VerifyError::Malformed(_)));
//! ```

#[cfg(feature = "axum")]
pub mod bearer;
pub mod clock;
pub mod dpop;
mod dpop_replay;
pub mod error;
pub mod jwk;
#[cfg(feature = "remote")]
mod jwks_cache;
mod jws;
mod key_source;
#[cfg(feature = "axum")]
pub mod layer;
#[cfg(feature = "axum")]
pub mod rejection;
#[cfg(feature = "remote")]
pub mod remote;
mod seen;
pub mod sender;
#[cfg(feature = "remote")]
pub mod service;
#[cfg(feature = "axum")]
pub mod shutdown;
pub mod status_bits;
#[cfg(feature = "remote")]
mod status_list;
pub mod validation;
pub mod verifier;

#[cfg(feature = "axum")]
pub use bearer::bearer_token;
pub use clock::{Clock, SystemClock};
pub use error::VerifyError;
pub use jwk::{Algorithm, Jwk, Jwks, KeySet};
pub use jws::{Header, decode_header};
pub use latchkey_proto::status::Status;
pub use latchkey_proto::{
    Claims, Confirmation, ErrorBody, ErrorCode, Kind, Scope, ScopeError, TokenType,
};
#[cfg(feature = "axum")]
pub use layer::{AuthLayer, AuthService, VerifiedToken};
#[cfg(feature = "axum")]
pub use rejection::TokenRejection;
#[cfg(feature = "remote")]
pub use remote::{BuildError, VerifierBuilder};
#[cfg(feature = "remote")]
pub use service::ServiceConfig;
#[cfg(feature = "axum")]
pub use shutdown::shutdown_signal;
#[cfg(feature = "remote")]
pub use status_list::{StatusCheck, StatusStats};
pub use validation::{Validation, verify};
pub use verifier::Verifier;
