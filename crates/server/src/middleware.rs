//! Layers every response goes through: request metrics, security headers and CORS.
//!
//! - Security headers on every response: `X-Content-Type-Options: nosniff`,
//!   `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY`, a `Content-Security-Policy`
//!   that allows nothing (the API serves JSON, never pages), and, when TLS is on,
//!   `Strict-Transport-Security`. A handler's own value wins.
//! - CORS only for the origins listed in `cors_allowed_origins` (none by default, so
//!   browsers on other origins cannot read any response). Tokens travel in headers,
//!   never cookies, so credentials are not allowed.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::response::Response;
use axum::routing::get;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::app::AppState;
use crate::error::ApiError;
use crate::metrics;

/// `Strict-Transport-Security` when TLS is on: one year.
pub const HSTS: &str = "max-age=31536000";
/// The `Content-Security-Policy` of every response.
pub const CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// The HTTP-level policies of one `latchkeyd`.
#[derive(Debug, Clone, Default)]
pub struct HttpPolicy {
    /// Origins allowed to call the API from a browser.
    pub cors_allowed_origins: Vec<HeaderValue>,
    /// Whether the listener speaks TLS (adds HSTS).
    pub tls: bool,
    /// Whether `/metrics` is served by the main listener (else by its own).
    pub metrics_on_main_listener: bool,
}

/// Checks and converts the configured origins: `scheme://host[:port]`, no path, no `*`.
///
/// # Errors
///
/// If an origin is not of that form.
pub fn parse_origins(origins: &[String]) -> anyhow::Result<Vec<HeaderValue>> {
    origins
        .iter()
        .map(|origin| {
            let trimmed = origin.trim_end_matches('/');
            let rest = trimmed
                .strip_prefix("https://")
                .or_else(|| trimmed.strip_prefix("http://"));
            anyhow::ensure!(
                rest.is_some_and(|host| !host.is_empty() && !host.contains(['/', '*', '?', '#'])),
                "invalid CORS origin {origin:?}: expected scheme://host[:port], such as https://console.example.com"
            );
            HeaderValue::from_str(trimmed).with_context(|| format!("invalid CORS origin {origin:?}"))
        })
        .collect()
}

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
    router
        .layer(axum::middleware::map_response_with_state(
            Arc::clone(policy),
            security_headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
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
        ])
        .expose_headers([header::WWW_AUTHENTICATE, header::RETRY_AFTER])
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

#[cfg(test)]
mod tests {
    use super::parse_origins;

    #[test]
    fn origins_must_be_bare_scheme_and_host() {
        let ok = parse_origins(&[
            "https://console.example.com/".into(),
            "http://localhost:3000".into(),
        ])
        .unwrap();
        assert_eq!(ok[0], "https://console.example.com");
        assert_eq!(ok[1], "http://localhost:3000");
        for bad in [
            "*",
            "console.example.com",
            "https://",
            "https://a.example/path",
            "https://*.example.com",
        ] {
            assert!(parse_origins(&[bad.into()]).is_err(), "{bad}");
        }
    }
}
