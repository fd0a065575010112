//! The address a request came from, for brute-force protection, the audit trail and a
//! client key's `allowedCidrs`.
//!
//! It is the TCP peer, unless the peer is one of the configured trusted proxies
//! (`[http] trusted_proxies`): then `X-Forwarded-For` is read from the right, skipping
//! trusted proxies, and the first address that is not one is the client (the left-most
//! if all are). Entries left of it were written by the client and are never believed.
//! Without trusted proxies (the default) `X-Forwarded-For` is ignored. With them, the
//! [`resolve_source`] layer decides once per request and [`SourceAddr`] reads its answer;
//! without them the layer is not installed (`crate::middleware::harden`) and
//! [`SourceAddr`] reads the TCP peer itself.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use latchkey_core::network::Networks;

use crate::state::HttpPolicy;
use crate::tls::TlsPeer;

/// The client's IP address; `None` when the server runs without connection info (a
/// router driven directly in tests).
#[derive(Debug, Clone, Copy)]
pub struct SourceAddr(pub Option<IpAddr>);

/// The TCP peer's address.
fn peer(parts_extensions: &axum::http::Extensions) -> Option<IpAddr> {
    parts_extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0)
        .or_else(|| {
            parts_extensions
                .get::<ConnectInfo<TlsPeer>>()
                .map(|info| info.0.0)
        })
        .map(|peer| peer.ip())
}

/// One `X-Forwarded-For` entry: an address, or an address with a port.
fn forwarded_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// The client address of a request from `peer` with `headers`, trusting `proxies`.
pub(crate) fn client_address(peer: IpAddr, headers: &HeaderMap, proxies: &Networks) -> IpAddr {
    if !proxies.contains(peer) {
        return peer;
    }
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    let mut client = peer;
    for entry in entries.iter().rev() {
        // An entry that is not an address ends the trusted chain: the hop it came from
        // is the last one we can name.
        let Some(ip) = forwarded_entry(entry) else {
            break;
        };
        client = ip;
        if !proxies.contains(ip) {
            break;
        }
    }
    client
}

/// Middleware: resolves the client address once and leaves it in the request for
/// [`SourceAddr`].
pub async fn resolve_source(
    State(policy): State<Arc<HttpPolicy>>,
    mut request: Request,
    next: Next,
) -> Response {
    let source = peer(request.extensions())
        .map(|peer| client_address(peer, request.headers(), &policy.trusted_proxies));
    request.extensions_mut().insert(SourceAddr(source));
    next.run(request).await
}

impl<S: Send + Sync> FromRequestParts<S> for SourceAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let resolved = parts.extensions.get::<Self>().copied();
        Ok(resolved.unwrap_or_else(|| Self(peer(&parts.extensions))))
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        headers
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() {
        let proxies = Networks::parse(&["10.0.0.0/8"]).unwrap();
        let spoofed = headers(&["198.51.100.7"]);
        assert_eq!(
            client_address(ip("203.0.113.9"), &spoofed, &proxies),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_address(ip("10.0.0.1"), &spoofed, &Networks::default()),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn the_right_most_untrusted_address_is_the_client() {
        let proxies = Networks::parse(&["10.0.0.0/8", "2001:db8::/32"]).unwrap();
        let chain = headers(&["1.1.1.1, 198.51.100.7", "10.0.0.2"]);
        assert_eq!(
            client_address(ip("10.0.0.1"), &chain, &proxies),
            ip("198.51.100.7")
        );
        let v6 = headers(&["2001:db9::1, 2001:db8::5"]);
        assert_eq!(
            client_address(ip("2001:db8::1"), &v6, &proxies),
            ip("2001:db9::1")
        );
        let all_trusted = headers(&["10.0.0.3, 10.0.0.2"]);
        assert_eq!(
            client_address(ip("10.0.0.1"), &all_trusted, &proxies),
            ip("10.0.0.3")
        );
        let junk = headers(&["1.1.1.1, junk, 10.0.0.2"]);
        assert_eq!(
            client_address(ip("10.0.0.1"), &junk, &proxies),
            ip("10.0.0.2")
        );
        assert_eq!(
            client_address(ip("10.0.0.1"), &HeaderMap::new(), &proxies),
            ip("10.0.0.1")
        );
    }
}
