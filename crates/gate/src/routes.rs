//! The handlers: `/verify` in its two forms, health, readiness and metrics.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::decide::Gate;

/// Any method on `/verify`: the original request is named by the forward-auth headers
/// (Traefik, Caddy, nginx). The request is taken whole so that its headers are borrowed,
/// not copied (axum's `HeaderMap` extractor clones them).
pub async fn verify(State(gate): State<Arc<Gate>>, request: Request) -> Response {
    let headers = request.headers();
    match crate::original::from_headers(headers) {
        Ok(original) => gate.decide(original, headers).await,
        Err(reason) => gate.bad_request(reason),
    }
}

/// Any method on `/verify/…` (Envoy `ext_authz` with `path_prefix: /verify`): the
/// original request is this one, its path what follows `/verify`.
pub async fn verify_path(State(gate): State<Arc<Gate>>, request: Request) -> Response {
    let target = request.uri().path().strip_prefix("/verify").unwrap_or("/");
    let original = crate::original::Original {
        method: request.method().as_str(),
        target,
    };
    gate.decide(original, request.headers()).await
}

/// `/healthz`: liveness, 200 as soon as the gate listens.
pub async fn healthz() -> impl IntoResponse {
    axum::Json(serde_json::json!({ "status": "ok" }))
}

/// `/readyz`: 200 once the issuer's keys are held, 503 before.
pub async fn readyz(State(gate): State<Arc<Gate>>) -> impl IntoResponse {
    let keys = gate.verifier().key_count();
    let (status, state) = if keys > 0 {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "no verification keys yet")
    };
    (
        status,
        axum::Json(serde_json::json!({ "status": state, "verificationKeys": keys })),
    )
}

/// `/metrics`: the Prometheus exposition.
pub async fn metrics(State(gate): State<Arc<Gate>>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4"),
        )],
        gate.render_metrics(),
    )
}
