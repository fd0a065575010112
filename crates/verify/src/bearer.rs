//! Reading the bearer token of a request (feature `axum`): `Authorization: Bearer …`, or
//! `X-Auth-Token: …` as the Wazo clients send it.
//!
//! The one place that decides what counts as a bearer token: [`AuthLayer`](crate::AuthLayer),
//! [`VerifiedToken`](crate::VerifiedToken) and the token service's own account endpoints
//! all call [`bearer_token`].

use axum::http::request::Parts;
use axum::http::{HeaderMap, header};

use crate::sender::Presented;

/// The bearer token of a request: `Authorization: Bearer <token>` (scheme
/// case-insensitive) or, failing that, `X-Auth-Token: <token>`.
///
/// ```
/// use axum::http::{HeaderMap, HeaderValue};
/// let mut headers = HeaderMap::new();
/// headers.insert("x-auth-token", HeaderValue::from_static("a.b.c"));
/// assert_eq!(latchkey_verify::bearer_token(&headers), Some("a.b.c"));
/// headers.insert("authorization", HeaderValue::from_static("Bearer x.y.z"));
/// assert_eq!(latchkey_verify::bearer_token(&headers), Some("x.y.z"));
/// ```
#[must_use]
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    authorization(headers, "bearer")
        .or_else(|| {
            headers
                .get("x-auth-token")
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        })
        .filter(|token| !token.is_empty())
}

/// The values of the request's `DPoP` headers (a value that is not text is kept as an
/// empty, invalid proof).
#[must_use]
pub fn dpop_proofs(headers: &HeaderMap) -> Vec<&str> {
    headers
        .get_all("dpop")
        .iter()
        .map(|v| v.to_str().unwrap_or_default())
        .collect()
}

/// The request's access token and how it was presented: `Authorization: DPoP <token>`
/// with `proofs` (from [`dpop_proofs`]), or a bearer token as [`bearer_token`] reads it.
///
/// ```
/// use axum::http::{HeaderMap, HeaderValue};
/// use latchkey_verify::sender::Presented;
/// let mut headers = HeaderMap::new();
/// headers.insert("authorization", HeaderValue::from_static("DPoP x.y.z"));
/// assert_eq!(
///     latchkey_verify::bearer::presented_token(&headers, &["p"]),
///     Some(Presented::Dpop { token: "x.y.z", proofs: &["p"] })
/// );
/// ```
#[must_use]
pub fn presented_token<'a>(headers: &'a HeaderMap, proofs: &'a [&'a str]) -> Option<Presented<'a>> {
    match authorization(headers, "dpop").filter(|token| !token.is_empty()) {
        Some(token) => Some(Presented::Dpop { token, proofs }),
        None => bearer_token(headers).map(Presented::Bearer),
    }
}

/// The absolute URI a request was addressed to, for a DPoP proof's `htu`: `public_url`
/// (the service's public base URL, set when it runs behind a proxy or TLS terminator)
/// and the path, else the request's own absolute URI, else `http://` + `Host` + path.
#[must_use]
pub fn request_uri(parts: &Parts, public_url: Option<&str>) -> String {
    let path = parts.uri.path();
    if let Some(base) = public_url {
        return format!("{}{path}", base.trim_end_matches('/'));
    }
    if parts.uri.scheme().is_some() {
        return parts.uri.to_string();
    }
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}{path}")
}

/// The credentials of `Authorization: <scheme> <credentials>` (scheme case-insensitive).
fn authorization<'a>(headers: &'a HeaderMap, scheme: &str) -> Option<&'a str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (given, credentials) = value.trim().split_once(' ')?;
    given
        .eq_ignore_ascii_case(scheme)
        .then(|| credentials.trim())
}
