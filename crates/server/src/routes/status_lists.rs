//! `GET /statuslists/{n}`: the signed Token Status List `n` (draft-ietf-oauth-status-list),
//! served from memory, with an entity tag for conditional requests.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::Error;
use latchkey_proto::status::STATUS_LIST_MEDIA_TYPE;

use crate::error::ApiError;
use crate::extract::Path;
use crate::state::AppState;

/// `GET /statuslists/{n}`: 200 with the `statuslist+jwt`, 304 when `If-None-Match`
/// names its entity tag, 404 (JSON) for a list that does not exist or a name that is not
/// a decimal number. Open to every origin: the lists are public, like the JWKS.
pub async fn get(
    State(state): State<AppState>,
    Path(n): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let number = n
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| n.parse::<u64>().ok())
        .flatten();
    let list = match number {
        Some(n) => state.latchkey.status_list(n)?,
        None => None,
    }
    .ok_or(Error::NotFound("status list"))?;
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|tag| tag.trim() == list.etag || tag.trim() == "*")
        });
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(header::CONTENT_TYPE, STATUS_LIST_MEDIA_TYPE)],
            list.token.clone(),
        )
            .into_response()
    };
    let out = response.headers_mut();
    let cache = format!("public, max-age={}", list.ttl);
    for (name, value) in [
        (header::CACHE_CONTROL, cache.as_str()),
        (header::ETAG, list.etag.as_str()),
    ] {
        if let Ok(value) = HeaderValue::from_str(value) {
            out.insert(name, value);
        }
    }
    out.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    Ok(response)
}
