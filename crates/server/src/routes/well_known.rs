//! Published documents: the JWKS and the OpenAPI description.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

/// The OpenAPI 3.1 description of the API.
const OPENAPI: &str = include_str!("../../openapi.json");

/// `GET /.well-known/jwks.json`: every published verification key. Caches may keep it
/// five minutes: a new key is published well before it signs anything.
pub async fn jwks(State(state): State<AppState>) -> Response {
    let mut response = axum::Json(state.latchkey.jwks()).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}

/// `GET /openapi.json`
pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}
