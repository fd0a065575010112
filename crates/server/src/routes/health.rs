//! Probes: liveness (`/healthz`) and readiness (`/readyz`, which checks the database).

use axum::extract::State;
use latchkey_proto::api::Health;

use crate::error::ApiError;
use crate::state::AppState;

/// `GET /healthz`: the process is up.
pub async fn healthz() -> axum::Json<Health> {
    axum::Json(Health {
        status: "ok".into(),
    })
}

/// `GET /readyz`: the database answers; 503 `unavailable` otherwise.
pub async fn readyz(State(state): State<AppState>) -> Result<axum::Json<Health>, ApiError> {
    state.latchkey.ready().await?;
    Ok(axum::Json(Health {
        status: "ok".into(),
    }))
}
