//! `/refresh-tokens`: the caller's live refresh tokens ("sessions").

use axum::extract::State;
use axum::http::StatusCode;
use latchkey_core::store::SessionRecord;
use latchkey_proto::api::{RefreshTokenInfo, RevokedCount};

use super::timestamp;
use crate::error::ApiError;
use crate::extract::{Authenticated, Path};
use crate::state::AppState;

fn info(record: SessionRecord) -> RefreshTokenInfo {
    RefreshTokenInfo {
        id: record.id.to_string(),
        kind: record.kind,
        client_id: record.client_id,
        scope: record.scope,
        created_at: timestamp(record.created_at),
        last_used_at: record.last_used_at.map(timestamp),
        expires_at: record.expires_at.map(timestamp),
    }
}

/// `GET /refresh-tokens`
pub async fn list(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
) -> Result<axum::Json<Vec<RefreshTokenInfo>>, ApiError> {
    let sessions = state.latchkey.sessions(&who).await?;
    Ok(axum::Json(sessions.into_iter().map(info).collect()))
}

/// `DELETE /refresh-tokens/{id}`
pub async fn revoke(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.latchkey.revoke_session(&who, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /refresh-tokens`: log out everywhere.
pub async fn revoke_all(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
) -> Result<axum::Json<RevokedCount>, ApiError> {
    Ok(axum::Json(RevokedCount {
        revoked: state.latchkey.revoke_all_sessions(&who).await?,
    }))
}
