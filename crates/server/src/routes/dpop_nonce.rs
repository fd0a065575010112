//! `DPoP-Nonce` (RFC 9449 §8) on the token endpoints: when the service requires nonces,
//! every answer to a request with a `DPoP` header names the nonce to use next, whether it
//! succeeded, failed, or was refused `use_dpop_nonce`; clients keep up as nonces rotate.
//! With nonces off nothing is added.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use latchkey_core::Latchkey;

/// The response header that carries the nonce.
pub const DPOP_NONCE: HeaderName = HeaderName::from_static("dpop-nonce");

/// Adds `DPoP-Nonce` to the answer of a DPoP request when nonces are required.
pub async fn offer(
    State(latchkey): State<Arc<Latchkey>>,
    request: Request,
    next: Next,
) -> Response {
    let asked = request.headers().contains_key("dpop");
    let mut response = next.run(request).await;
    if asked
        && let Some(nonce) = latchkey.dpop_nonce()
        && let Ok(value) = HeaderValue::from_str(&nonce)
    {
        response.headers_mut().insert(DPOP_NONCE, value);
    }
    response
}
