//! Latchkey's wire types, shared by the service, the SDKs, the CLI and the verify library.
//!
//! # Layout
//!
//! - [`error`]: the stable, snake_case error codes and the `{error, message}` body.
//! - [`token`]: token kinds, JWT header types and the claims every Latchkey token carries.
//! - [`status`]: the Token Status List: the `status` claim and the list token's claims.
//! - [`grant`]: the grant types ([`GrantType`]) of both token endpoints.
//! - [`scope`]: OAuth-style scope sets (`"nodes:read nodes:write"`).
//! - [`secret`]: client secrets and refresh tokens, redacted in `Debug` and compared in
//!   constant time, plain strings on the wire.
//! - [`lifecycle`]: a client key's expiry, networks, DPoP binding and secret rotation.
//! - [`api`]: request and response bodies of the native JSON API (camelCase, as in the seeds).
//! - [`oauth2`]: answers of the standard OAuth 2 interface (snake_case, as in the RFCs).
//! - [`wazo`]: bodies of the Wazo-compatible interface (snake_case, as wazo-auth has them).
//!
//! This crate depends on nothing but `serde` and `time`, so that any program talking to
//! Latchkey can use it without pulling in the server.

/// `impl Display` for a wire name type: it writes the type's `as_str()`.
macro_rules! display_as_str {
    ($ty:ty) => {
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod api;
pub mod error;
pub mod grant;
pub mod lifecycle;
pub mod oauth2;
pub mod scope;
pub mod secret;
pub mod status;
pub mod token;
pub mod wazo;

pub use error::{ErrorBody, ErrorCode};
pub use grant::GrantType;
pub use scope::{Scope, ScopeError};
pub use token::{Claims, Confirmation, Kind, TokenType};
