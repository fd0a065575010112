//! The handlers: each extracts, reads, answers.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use latchkey_verify::{ErrorBody, ErrorCode, VerifiedToken};
use serde::Serialize;

use crate::AppState;

/// `GET /nodes/v1/status`: who is calling, and how the node is doing.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusResponse {
    /// The caller, from the verified token.
    pub caller: Caller,
    /// The node.
    pub node: NodeStatus,
}

/// The caller named by the token.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Caller {
    /// The account id (`sub`).
    pub subject: String,
    /// `account_access` or `client_access`.
    pub kind: String,
    /// The client key the token was made from (client tokens only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The scopes the token grants.
    pub scopes: Vec<String>,
    /// When the token expires (Unix seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

/// The node's own status.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeStatus {
    /// Always `"ok"` when this answers.
    pub status: &'static str,
    /// The service name.
    pub service: &'static str,
    /// The service version.
    pub version: &'static str,
    /// Seconds since start.
    pub uptime_seconds: u64,
    /// How many verification keys are cached.
    pub verification_keys: usize,
}

/// `GET /nodes/v1/status`
pub async fn status(State(state): State<AppState>, token: VerifiedToken) -> Json<StatusResponse> {
    let claims = token.into_claims();
    Json(StatusResponse {
        caller: Caller {
            subject: claims.sub,
            kind: claims.kind.as_str().to_owned(),
            client_id: claims.client_id,
            scopes: claims.scope.iter().map(str::to_owned).collect(),
            expires_at: claims.exp,
        },
        node: NodeStatus {
            status: "ok",
            service: "latchkey-nodes",
            version: env!("CARGO_PKG_VERSION"),
            uptime_seconds: state.started.elapsed().as_secs(),
            verification_keys: state.verifier.key_count(),
        },
    })
}

/// `GET /metrics`: the verifier's status-list counters, in the Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> String {
    let stats = state.verifier.status_stats();
    let mut text = String::new();
    for (name, help, value) in [
        (
            "latchkey_nodes_status_lists_fetched_total",
            "Status lists fetched and accepted.",
            stats.lists_fetched,
        ),
        (
            "latchkey_nodes_status_list_fetch_failures_total",
            "Status list fetches that failed.",
            stats.fetch_failures,
        ),
        (
            "latchkey_nodes_tokens_revoked_total",
            "Tokens refused because their status-list bit was set.",
            stats.revoked,
        ),
    ] {
        text.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n"
        ));
    }
    text
}

/// `GET /healthz`: liveness, without authentication.
pub async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

/// Any other path: 404 with the usual error body.
pub async fn not_found() -> (StatusCode, Json<ErrorBody>) {
    (
        StatusCode::NOT_FOUND,
        Json(ErrorBody {
            error: ErrorCode::NotFound,
            message: "no such route".into(),
        }),
    )
}

/// A known path with another method: 405 with the usual error body.
pub async fn method_not_allowed() -> (StatusCode, Json<ErrorBody>) {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        Json(ErrorBody {
            error: ErrorCode::MethodNotAllowed,
            message: "method not allowed on this route".into(),
        }),
    )
}
