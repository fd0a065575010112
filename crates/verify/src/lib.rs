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
//! - [`clock`]: where "now" comes from ([`Clock`], [`SystemClock`]), so tests can pin it.
//! - `remote` (feature `remote`): `Verifier::builder`, which fetches the JWKS, caches it,
//!   refreshes it in the background and refetches on an unknown `kid`, rate-limited.
//! - `layer` (feature `axum`): the `VerifiedToken` extractor, the `AuthLayer` tower
//!   layer and the RFC 6750 answers (`TokenRejection`).
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

pub mod clock;
pub mod error;
pub mod jwk;
mod jws;
#[cfg(feature = "axum")]
pub mod layer;
#[cfg(feature = "remote")]
pub mod remote;
mod seen;
pub mod validation;
pub mod verifier;

pub use clock::{Clock, SystemClock};
pub use error::VerifyError;
pub use jwk::{Algorithm, Jwk, Jwks, KeySet};
pub use jws::{Header, decode_header};
pub use latchkey_proto::{Claims, ErrorBody, ErrorCode, Kind, Scope, ScopeError, TokenType};
#[cfg(feature = "axum")]
pub use layer::{AuthLayer, AuthService, TokenRejection, VerifiedToken, bearer_token};
#[cfg(feature = "remote")]
pub use remote::{BuildError, VerifierBuilder};
pub use validation::{Validation, verify};
pub use verifier::Verifier;
