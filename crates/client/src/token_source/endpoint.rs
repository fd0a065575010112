//! [`TokenEndpoint`]: where a [`TokenSource`](super::TokenSource) gets its tokens.

use std::future::Future;
use std::pin::Pin;

use latchkey_proto::api::{TokenRequest, TokenResponse};

use crate::{Client, Result};

/// A future returned by [`TokenEndpoint::token`].
pub type TokenFuture<'a> = Pin<Box<dyn Future<Output = Result<TokenResponse>> + Send + 'a>>;

/// Something that answers `POST /auth/token` requests: the [`Client`] in production, a
/// fake in tests, or a wrapper that adds tracing or a proxy.
///
/// ```
/// use latchkey_client::{Result, TokenEndpoint, TokenFuture, api::{TokenRequest, TokenResponse}};
///
/// #[derive(Debug)]
/// struct Fixed;
/// impl TokenEndpoint for Fixed {
///     fn token<'a>(&'a self, _request: &'a TokenRequest) -> TokenFuture<'a> {
///         Box::pin(async {
///             Ok(TokenResponse { access_token: "a.b.c".into(), refresh_token: None, token_type: None })
///         })
///     }
/// }
/// ```
pub trait TokenEndpoint: Send + Sync + std::fmt::Debug {
    /// Sends one token request.
    ///
    /// # Errors
    ///
    /// As [`Client::token`].
    fn token<'a>(&'a self, request: &'a TokenRequest) -> TokenFuture<'a>;
}

impl TokenEndpoint for Client {
    fn token<'a>(&'a self, request: &'a TokenRequest) -> TokenFuture<'a> {
        Box::pin(Client::token(self, request))
    }
}
