//! Reading the bearer token of a request (feature `axum`): `Authorization: Bearer …`, or
//! `X-Auth-Token: …` as the Wazo clients send it.
//!
//! The one place that decides what counts as a bearer token: [`AuthLayer`](crate::AuthLayer),
//! [`VerifiedToken`](crate::VerifiedToken) and the token service's own account endpoints
//! all call [`bearer_token`].

use axum::http::{HeaderMap, header};

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
    let from_authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        });
    from_authorization
        .or_else(|| {
            headers
                .get("x-auth-token")
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        })
        .filter(|token| !token.is_empty())
}
