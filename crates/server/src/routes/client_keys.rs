//! `/client-keys`: create, list, delete.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use latchkey_core::store::ClientKeyRecord;
use latchkey_proto::api::{ClientKey, CreateClientKeyRequest, CreatedClientKey};

use super::{no_store, timestamp};
use crate::error::ApiError;
use crate::extract::{Authenticated, OptionalJson, Path};
use crate::state::AppState;

fn client_key(state: &AppState, record: ClientKeyRecord) -> ClientKey {
    ClientKey {
        rotate_refresh_tokens: state.latchkey.key_rotates(&record),
        client_id: record.id.to_string(),
        name: record.name,
        scope: record.scope,
        created_at: timestamp(record.created_at),
        last_used_at: record.last_used_at.map(timestamp),
    }
}

/// `POST /client-keys`
pub async fn create(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    OptionalJson(body): OptionalJson<CreateClientKeyRequest>,
) -> Result<Response, ApiError> {
    let (key, secret) = state.latchkey.create_client_key(&who, body.into()).await?;
    let created = CreatedClientKey {
        rotate_refresh_tokens: state.latchkey.key_rotates(&key),
        client_id: key.id.to_string(),
        client_secret: secret,
        name: key.name,
        scope: key.scope,
        created_at: timestamp(key.created_at),
    };
    Ok(no_store((StatusCode::CREATED, axum::Json(created))))
}

/// `GET /client-keys`
pub async fn list(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
) -> Result<axum::Json<Vec<ClientKey>>, ApiError> {
    let keys = state.latchkey.client_keys(&who).await?;
    Ok(axum::Json(
        keys.into_iter()
            .map(|key| client_key(&state, key))
            .collect(),
    ))
}

/// `DELETE /client-keys/{clientId}`
pub async fn delete(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Path(client_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.latchkey.delete_client_key(&who, &client_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
