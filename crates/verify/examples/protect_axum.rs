//! Protecting your own API with Latchkey tokens: the README's example, compiled by
//! `cargo clippy --all-targets`. Run it with
//! `cargo run -p latchkey-verify --example protect_axum --features remote,axum`.

use std::time::Duration;

use axum::routing::{get, post};
use axum::{Json, Router};
use latchkey_verify::{AuthLayer, Scope, TokenRejection, VerifiedToken, Verifier};
use serde_json::{Value, json};

/// Any access token with scope `nodes:read` gets here; the claims are already verified.
async fn status(token: VerifiedToken) -> Json<Value> {
    Json(json!({
        "subject": token.sub,
        "kind": token.kind.as_str(),
        "clientId": token.client_id,
        "scopes": token.scope.to_string(),
    }))
}

/// A scope checked inside the handler, for rules that depend on the request.
async fn restart(token: VerifiedToken) -> Result<Json<Value>, TokenRejection> {
    token
        .require_scope(&Scope::parse("nodes:write").map_err(|_| TokenRejection::NotConfigured)?)?;
    Ok(Json(json!({ "restarting": true })))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // One verifier for the whole service: it fetches <issuer>/.well-known/jwks.json,
    // caches the keys and keeps them fresh. Clones share the cache.
    let verifier = Verifier::builder("http://127.0.0.1:8400")
        .leeway(30)
        .refresh_interval(Duration::from_secs(300))
        .build()?;

    let read = Scope::parse("nodes:read")?;
    let app = Router::new()
        // Per route: this route also needs `nodes:read`.
        .route(
            "/nodes/v1/status",
            get(status).layer(AuthLayer::new(verifier.clone()).require_scope(&read)),
        )
        .route("/nodes/v1/restart", post(restart))
        // For every route above: a valid access token (401/403 otherwise).
        .layer(AuthLayer::new(verifier))
        // Open routes go after the layer.
        .route("/healthz", get(|| async { "ok" }));

    let listener = tokio::net::TcpListener::bind("127.0.0.1:8401").await?;
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
