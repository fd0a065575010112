//! The router, and one file of thin handlers per resource.

mod auth;
mod client_keys;
mod dpop_nonce;
mod health;
mod oauth2;
mod refresh_tokens;
mod status_lists;
mod users;
mod wazo;
mod well_known;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, post, put};
use time::OffsetDateTime;
use tower_http::trace::{DefaultOnFailure, TraceLayer};

use crate::error::ApiError;
use crate::state::AppState;

/// Request bodies over this size get 413 `payload_too_large`.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The whole API.
pub fn router(state: AppState) -> Router {
    let router = Router::new()
        .route("/users", post(users::signup))
        .route("/users/me", get(users::me))
        .route("/users/me/password", put(users::change_password))
        .route("/users/me/events", get(users::events))
        .route("/auth/login", post(auth::login))
        .route("/auth/token", token_route(auth::token, &state))
        .route(
            "/client-keys",
            post(client_keys::create).get(client_keys::list),
        )
        .route("/client-keys/{client_id}", delete(client_keys::delete))
        .route(
            "/client-keys/{client_id}/secret",
            post(client_keys::rotate_secret),
        )
        .route(
            "/refresh-tokens",
            get(refresh_tokens::list).delete(refresh_tokens::revoke_all),
        )
        .route("/refresh-tokens/{id}", delete(refresh_tokens::revoke))
        .route("/api/auth/0.1/token", post(wazo::token))
        .route("/api/auth/0.1/users/{user_uuid}/tokens", get(wazo::list))
        .route(
            "/api/auth/0.1/users/{user_uuid}/tokens/{client_id}",
            delete(wazo::delete),
        )
        .route("/oauth2/token", token_route(oauth2::token, &state))
        .route("/oauth2/introspect", post(oauth2::introspect))
        .route("/oauth2/revoke", post(oauth2::revoke))
        .route(
            "/.well-known/oauth-authorization-server",
            get(oauth2::metadata),
        )
        .route("/.well-known/jwks.json", get(well_known::jwks))
        .route("/statuslists/{n}", get(status_lists::get))
        .route("/openapi.json", get(well_known::openapi))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz));
    let router = if state.latchkey.settings().policies.console.enabled {
        router.merge(crate::console::router())
    } else {
        router
    };
    let router = router
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        // A 5xx is logged once, with its cause, where the error is answered
        // (crate::error); tower-http's own ERROR line per 5xx would let a login flood
        // answered 503 (a full hashing queue) flood the log.
        .layer(
            TraceLayer::new_for_http()
                .on_failure(DefaultOnFailure::new().level(tracing::Level::DEBUG)),
        );
    crate::middleware::harden(router, &state).with_state(state)
}

/// A token endpoint: `POST`, with the `DPoP-Nonce` layer when nonces are required (off,
/// it would add nothing, so it is left out).
fn token_route<H, T>(handler: H, state: &AppState) -> MethodRouter<AppState>
where
    H: Handler<T, AppState>,
    T: 'static,
{
    let route = post(handler);
    if state.latchkey.settings().policies.dpop_require_nonce {
        route.layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state.latchkey),
            dpop_nonce::offer,
        ))
    } else {
        route
    }
}

/// Marks a response that carries tokens or secrets as not cacheable (RFC 6749 §5.1).
fn no_store(response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A stored Unix time as an API timestamp.
fn timestamp(unix: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}
