//! The Rust SDK for Latchkey.
//!
//! # Layout
//!
//! - [`Client`]: one typed method per endpoint of the native API.
//! - [`TokenSource`]: hands out valid access tokens, refreshing them ahead of expiry (in
//!   the background if asked), one refresh in flight for all callers, falling back to
//!   the client keys when the refresh token is gone, retrying a request once after a 401.
//! - [`DpopKey`]: the client's DPoP key pair (RFC 9449) and the proofs it signs, so
//!   that its tokens are bound to it; [`Client::token_with_dpop`] follows the service's
//!   DPoP nonces (RFC 9449 §8).
//! - [`Error`]: an API error with its stable [`ErrorCode`], or a transport failure, so
//!   that callers can tell `invalid_grant` from `invalid_client` from a network outage.
//!
//! ```no_run
//! # async fn demo() -> Result<(), latchkey_client::Error> {
//! use latchkey_client::Client;
//! let latchkey = Client::new("http://127.0.0.1:8400")?;
//! let secret = latchkey_client::ClientSecret::new("abcd…");
//! let tokens = latchkey.client_credentials("0123…", &secret).await?;
//! println!("access token: {}", tokens.access_token);
//! # Ok(()) }
//! ```

mod client;
pub mod dpop;
mod error;
mod token_source;

pub use client::Client;
pub use dpop::{DpopEndpoint, DpopKey};
pub use error::{Error, Result};
pub use latchkey_proto::secret::{ClientSecret, RefreshToken};
pub use latchkey_proto::{ErrorCode, GrantType, Kind, Scope, api};
pub use token_source::{
    BackgroundRefresh, TokenEndpoint, TokenFuture, TokenSource, TokenSourceBuilder, Tokens,
};
