//! Verify Latchkey tokens locally, from the keys the service publishes at
//! `<issuer>/.well-known/jwks.json`, without calling the service on each request.
//!
//! # Layout
//!
//! - [`jwk`]: the published keys (`Jwks`, `Jwk`) and the parsed, ready-to-use [`KeySet`].
//! - [`validation`]: the rules a token must pass ([`Validation`]) and [`verify`], which
//!   checks signature, `typ`, `iss`, `aud`, `nbf`/`exp`, `kind` and scopes in one call.
//! - [`error`]: [`VerifyError`], which says which rule a token broke.
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

pub mod error;
pub mod jwk;
mod jws;
pub mod validation;

pub use error::VerifyError;
pub use jwk::{Algorithm, Jwk, Jwks, KeySet};
pub use jws::{Header, decode_header};
pub use latchkey_proto::{Claims, Kind, Scope, TokenType};
pub use validation::{Validation, verify};
