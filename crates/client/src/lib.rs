//! The Rust SDK for Latchkey.
//!
//! # Layout
//!
//! - [`Client`]: one typed method per endpoint of the native API.
//! - [`Error`]: an API error with its stable [`ErrorCode`], or a transport failure, so
//!   that callers can tell `invalid_grant` from `invalid_client` from a network outage.
//!
//! ```no_run
//! # async fn demo() -> Result<(), latchkey_client::Error> {
//! use latchkey_client::Client;
//! let latchkey = Client::new("http://127.0.0.1:8400")?;
//! let tokens = latchkey.client_credentials("0123…", "abcd…").await?;
//! println!("access token: {}", tokens.access_token);
//! # Ok(()) }
//! ```

mod client;
mod error;

pub use client::Client;
pub use error::{Error, Result};
pub use latchkey_proto::{ErrorCode, Kind, Scope, api};
