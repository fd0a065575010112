//! Layers every response goes through: request metrics, security headers and CORS.
//!
//! - Security headers on every response: `X-Content-Type-Options: nosniff`,
//!   `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY`, a `Content-Security-Policy`
//!   that allows nothing (the API serves JSON, never pages), and, when TLS is on,
//!   `Strict-Transport-Security`. A handler's own value wins.
//! - CORS only for the origins listed in `cors_allowed_origins` (none by default, so
//!   browsers on other origins cannot read any response), as the configuration parsed
//!   them. Tokens travel in headers,
//!   never cookies, so credentials are not allowed.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::response::Response;
use axum::routing::get;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::error::ApiError;
use crate::metrics;
use crate::state::{AppState, HttpPolicy};

/// `Strict-Transport-Security` when TLS is on: one year.
pub const HSTS: &str = "max-age=31536000";
/// The `Content-Security-Policy` of every response.
pub const CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// Adds the metrics route (if served here) and the layers to the API's router.
pub fn harden(router: Router<AppState>, state: &AppState) -> Router<AppState> {
    let policy = &state.http;
    let mut router = router;
    if policy.metrics_on_main_listener {
        // Added after the router's method-not-allowed fallback, so it needs its own.
        let route = get(metrics_route).fallback(|| async { ApiError::MethodNotAllowed });
        router = router.route("/metrics", route);
    }
    if !policy.cors_allowed_origins.is_empty() {
        router = router.layer(cors(&policy.cors_allowed_origins));
    }
    router = router.layer(axum::middleware::map_response_with_state(
        Arc::clone(policy),
        security_headers,
    ));
    if !policy.trusted_proxies.is_empty() {
        // Without trusted proxies the source is the TCP peer, which `SourceAddr` reads
        // itself: no layer, no cost per request.
        router = router.layer(axum::middleware::from_fn_with_state(
            Arc::clone(policy),
            crate::extract::resolve_source,
        ));
    }
    router.layer(axum::middleware::from_fn_with_state(
        Arc::clone(&state.metrics),
        metrics::track,
    ))
}

/// The router of the separate metrics listener.
pub fn metrics_router(state: AppState) -> Router {
    let policy = Arc::clone(&state.http);
    Router::new()
        .route("/metrics", get(metrics_route))
        .layer(axum::middleware::map_response_with_state(
            policy,
            security_headers,
        ))
        .with_state(state)
}

async fn metrics_route(State(state): State<AppState>) -> impl axum::response::IntoResponse {
    metrics::serve(State(Arc::clone(&state.metrics))).await
}

fn cors(origins: &[HeaderValue]) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins.iter().cloned()))
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("x-auth-token"),
            HeaderName::from_static("dpop"),
        ])
        .expose_headers([
            header::WWW_AUTHENTICATE,
            header::RETRY_AFTER,
            HeaderName::from_static("dpop-nonce"),
        ])
        .max_age(Duration::from_secs(600))
}

async fn security_headers(
    State(policy): State<Arc<HttpPolicy>>,
    mut response: Response,
) -> Response {
    let headers = response.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        headers
            .entry(name)
            .or_insert_with(|| HeaderValue::from_static(value));
    };
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "no-referrer");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::CONTENT_SECURITY_POLICY, CSP);
    if policy.tls {
        set(header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
    response
}
