//! `/client-keys`: create, list, delete, and rotate a secret.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use latchkey_core::store::ClientKeyRecord;
use latchkey_proto::api::{
    ClientKey, CreateClientKeyRequest, CreatedClientKey, KeyLifecycle, RotateSecretRequest,
    RotatedSecret,
};

use super::{no_store, timestamp};
use crate::error::ApiError;
use crate::extract::{Authenticated, OptionalJson, Path};
use crate::state::AppState;

fn lifecycle(record: &ClientKeyRecord) -> KeyLifecycle {
    KeyLifecycle {
        expires_at: record.expires_at.map(timestamp),
        allowed_cidrs: record.allowed_networks.to_strings(),
        dpop_bound: record.dpop_bound,
    }
}

fn client_key(state: &AppState, record: ClientKeyRecord, now: i64) -> ClientKey {
    ClientKey {
        rotate_refresh_tokens: state.latchkey.key_rotates(&record),
        lifecycle: lifecycle(&record),
        client_id: record.id.to_string(),
        name: record.name,
        scope: record.scope,
        created_at: timestamp(record.created_at),
        last_used_at: record.last_used_at.map(timestamp),
        last_used_ip: record.last_used_ip.map(|ip| ip.to_string()),
        previous_secret_expires_at: record
            .previous_secret
            .map(|p| p.expires_at)
            .filter(|&at| at > now)
            .map(timestamp),
    }
}

/// `POST /client-keys`
pub async fn create(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    OptionalJson(body): OptionalJson<CreateClientKeyRequest>,
) -> Result<Response, ApiError> {
    let (key, secret) = state
        .latchkey
        .create_client_key(&who, body.try_into()?)
        .await?;
    let created = CreatedClientKey {
        rotate_refresh_tokens: state.latchkey.key_rotates(&key),
        lifecycle: lifecycle(&key),
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
    let now = state.latchkey.clock_now();
    Ok(axum::Json(
        keys.into_iter()
            .map(|key| client_key(&state, key, now))
            .collect(),
    ))
}

/// `POST /client-keys/{clientId}/secret`
pub async fn rotate_secret(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Path(client_id): Path<String>,
    OptionalJson(body): OptionalJson<RotateSecretRequest>,
) -> Result<Response, ApiError> {
    let (key, secret) = state
        .latchkey
        .rotate_client_secret(&who, &client_id, body.overlap_seconds)
        .await?;
    let until = key.previous_secret.map_or(key.created_at, |p| p.expires_at);
    Ok(no_store(axum::Json(RotatedSecret {
        client_id: key.id.to_string(),
        client_secret: secret,
        previous_secret_expires_at: timestamp(until),
    })))
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
