//! Which request the proxy is asking about: its method and target, read from the headers
//! each proxy sends with the forward-auth subrequest.
//!
//! - Traefik `forwardAuth` and Caddy `forward_auth`: `X-Forwarded-Method` and
//!   `X-Forwarded-Uri`.
//! - nginx `auth_request` (as configured in `examples/gateway/nginx.conf`):
//!   `X-Original-Method` and `X-Original-URI`.
//! - Envoy `ext_authz` (HTTP): no headers; the check request keeps the original method
//!   and appends the original path to the gate's `/verify` (see `routes`).
//!
//! Each header must appear at most once, and the two styles must agree when both are
//! present: a proxy that passes the client's own headers along (nginx does, for every
//! header it does not set itself) would otherwise let the client choose the path judged.

use axum::http::HeaderMap;

/// The original request's method and target (path and query, as sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Original<'a> {
    /// The method, e.g. `GET`.
    pub method: &'a str,
    /// The request target, e.g. `/api/v1/items?page=2`.
    pub target: &'a str,
}

/// The original request named by the forward-auth headers.
///
/// # Errors
///
/// A fixed reason when the headers are missing, repeated, not text, or disagree.
///
/// ```
/// use axum::http::{HeaderMap, HeaderValue};
/// let mut headers = HeaderMap::new();
/// headers.insert("x-original-method", HeaderValue::from_static("GET"));
/// headers.insert("x-original-uri", HeaderValue::from_static("/api?x=1"));
/// let original = latchkey_gate::original::from_headers(&headers).unwrap();
/// assert_eq!((original.method, original.target), ("GET", "/api?x=1"));
/// ```
pub fn from_headers(headers: &HeaderMap) -> Result<Original<'_>, &'static str> {
    let forwarded = pair(headers, "x-forwarded-method", "x-forwarded-uri")?;
    let original = pair(headers, "x-original-method", "x-original-uri")?;
    let chosen = match (forwarded, original) {
        (Some(a), Some(b)) if a != b => {
            Err("X-Forwarded-Method/Uri and X-Original-Method/URI disagree")
        }
        (Some(one), _) | (None, Some(one)) => Ok(one),
        (None, None) => Err(
            "no X-Forwarded-Method + X-Forwarded-Uri or X-Original-Method + X-Original-URI headers",
        ),
    }?;
    let method = chosen.method;
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err("the original method is not a method name");
    }
    Ok(chosen)
}

/// Both headers of one style, or neither.
fn pair<'a>(
    headers: &'a HeaderMap,
    method: &'static str,
    target: &'static str,
) -> Result<Option<Original<'a>>, &'static str> {
    match (single(headers, method)?, single(headers, target)?) {
        (Some(method), Some(target)) => Ok(Some(Original { method, target })),
        (None, None) => Ok(None),
        _ => Err("a forward-auth method header without its URI header, or the reverse"),
    }
}

/// The one value of header `name`, if present (trimmed).
pub(crate) fn single<'a>(
    headers: &'a HeaderMap,
    name: &'static str,
) -> Result<Option<&'a str>, &'static str> {
    let mut values = headers.get_all(name).iter();
    let Some(first) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err("a forward-auth header sent more than once");
    }
    first
        .to_str()
        .map(|v| Some(v.trim()))
        .map_err(|_| "a forward-auth header that is not visible ASCII")
}
