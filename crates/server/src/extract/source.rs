//! The address a request came from (the TCP peer), for brute-force protection.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::tls::TlsPeer;

/// The peer's IP address; `None` when the server runs without connection info (a
/// router driven directly in tests).
#[derive(Debug, Clone, Copy)]
pub struct SourceAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for SourceAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let extensions = &parts.extensions;
        let peer = extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0)
            .or_else(|| {
                extensions
                    .get::<ConnectInfo<TlsPeer>>()
                    .map(|info| info.0.0)
            });
        Ok(Self(peer.map(|peer| peer.ip())))
    }
}
