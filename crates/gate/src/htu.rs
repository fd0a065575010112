//! The absolute URI of the original request, which the `htu` of a DPoP proof must name
//! (RFC 9449 §4.3): the path is the original target's; the scheme and authority are
//!
//! - the configured public URL (`--public-url`, [`PublicUrl`]) when set: proofs for any
//!   other host are refused, whatever the headers say;
//! - else `X-Forwarded-Proto` + `X-Forwarded-Host`, which Traefik, Caddy and the example
//!   nginx configuration set for every request (each exactly once, `http` or `https`, one
//!   `host[:port]`);
//! - else none: the gate cannot tell which URI a proof must name, and refuses
//!   DPoP-bound tokens with a message saying so (bearer tokens are unaffected).
//!
//! The comparison itself (default ports, case of the host, dot segments; query and
//! fragment ignored) is `latchkey_verify::dpop::same_htu`, as for every verifier.

use axum::http::HeaderMap;

use crate::original::single;

/// Why DPoP-bound tokens cannot be checked without a base URI.
pub const NO_BASE: &str = "this gate cannot check DPoP proofs: it has no public URL \
    (--public-url) and the proxy sent no X-Forwarded-Proto and X-Forwarded-Host";

/// The scheme and authority clients use to reach the protected API, e.g.
/// `https://api.example.com` or `http://127.0.0.1:8000`.
///
/// ```
/// use latchkey_gate::htu::PublicUrl;
/// let url = PublicUrl::parse("HTTPS://api.example.com/").unwrap();
/// assert_eq!(url.as_str(), "https://api.example.com");
/// assert!(PublicUrl::parse("https://api.example.com/v1").is_err());
/// assert!(PublicUrl::parse("ftp://api.example.com").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(String);

/// A public URL that is not `http(s)://host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid public URL {0:?}: expected http://host[:port] or https://host[:port], without a path, query or user"
)]
pub struct PublicUrlError(String);

impl PublicUrl {
    /// Parses `text`: `http` or `https`, a host (name, IPv4, or IPv6 in brackets) and an
    /// optional port, an optional final `/`, nothing else.
    ///
    /// # Errors
    ///
    /// [`PublicUrlError`] for anything else.
    pub fn parse(text: &str) -> Result<Self, PublicUrlError> {
        let invalid = || PublicUrlError(text.to_owned());
        let (scheme, rest) = text.trim().split_once("://").ok_or_else(invalid)?;
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        let base = base(scheme, authority).ok_or_else(invalid)?;
        Ok(Self(base))
    }

    /// `scheme://authority`, the scheme in lower case, without a final `/`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PublicUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for PublicUrl {
    type Err = PublicUrlError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

/// The absolute URI of the original request whose target is `target` (a path, as
/// checked by `path::normalise`), by the rules of the module documentation.
///
/// # Errors
///
/// A fixed reason when there is no public URL and the forwarded headers are missing,
/// repeated or not a scheme and one host.
///
/// ```
/// use axum::http::{HeaderMap, HeaderValue};
/// use latchkey_gate::htu::{PublicUrl, request_uri};
/// let mut headers = HeaderMap::new();
/// headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
/// headers.insert("x-forwarded-host", HeaderValue::from_static("api.example.com"));
/// assert_eq!(request_uri(None, &headers, "/a?b").unwrap(), "https://api.example.com/a?b");
/// let public = PublicUrl::parse("https://public.example.com").unwrap();
/// assert_eq!(request_uri(Some(&public), &headers, "/a").unwrap(), "https://public.example.com/a");
/// assert!(request_uri(None, &HeaderMap::new(), "/a").is_err());
/// ```
pub fn request_uri(
    public: Option<&PublicUrl>,
    headers: &HeaderMap,
    target: &str,
) -> Result<String, &'static str> {
    if let Some(public) = public {
        return Ok(format!("{public}{target}"));
    }
    let proto = single(headers, "x-forwarded-proto")?;
    let host = single(headers, "x-forwarded-host")?;
    let (Some(proto), Some(host)) = (proto, host) else {
        return Err(NO_BASE);
    };
    let base = base(proto, host).ok_or(
        "X-Forwarded-Proto and X-Forwarded-Host must be http or https and one host[:port]",
    )?;
    Ok(format!("{base}{target}"))
}

/// `scheme://authority` for an `http(s)` scheme and a plain `host[:port]`.
fn base(scheme: &str, authority: &str) -> Option<String> {
    let scheme = scheme.to_ascii_lowercase();
    (matches!(scheme.as_str(), "http" | "https") && is_authority(authority))
        .then(|| format!("{scheme}://{authority}"))
}

/// Whether `text` is a host (a name or IPv4 address, or an IPv6 address in brackets)
/// with an optional port: no user, path, query, list or space.
fn is_authority(text: &str) -> bool {
    let (host_ok, port) = if let Some(rest) = text.strip_prefix('[') {
        let Some((inside, after)) = rest.split_once(']') else {
            return false;
        };
        let ipv6 = !inside.is_empty()
            && inside
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.'));
        match after.strip_prefix(':') {
            Some(port) => (ipv6, Some(port)),
            None => (ipv6 && after.is_empty(), None),
        }
    } else {
        let (host, port) = match text.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        };
        let name = !host.is_empty()
            && host.len() <= 253
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
        (name, port)
    };
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    host_ok && port_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorities_are_one_host_and_an_optional_port() {
        for good in [
            "api.example.com",
            "api.example.com:8443",
            "127.0.0.1:8000",
            "[::1]",
            "[::1]:8000",
            "localhost",
        ] {
            assert!(is_authority(good), "{good}");
        }
        for bad in [
            "",
            ":80",
            "a:",
            "a:b",
            "a:1:2",
            "user@host",
            "host/path",
            "a.example.com, b.example.com",
            "a b",
            "[::1",
            "[::1]x",
            "[]",
            "host:123456",
            "host?x",
            "host#x",
        ] {
            assert!(!is_authority(bad), "{bad}");
        }
    }

    #[test]
    fn public_urls_are_a_scheme_and_an_authority() {
        assert_eq!(
            PublicUrl::parse(" http://127.0.0.1:8000 ")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:8000"
        );
        for bad in [
            "api.example.com",
            "https://",
            "https://api.example.com/v1/",
            "https://api.example.com?x",
            "https://user@api.example.com",
            "wss://api.example.com",
        ] {
            assert!(PublicUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
