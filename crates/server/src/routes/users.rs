//! `/users`: sign-up, profile, password change, the account's audit trail.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use latchkey_core::store::{AccountRecord, AuditRecord};
use latchkey_proto::api::{
    Account, AuditEvent, ChangePasswordRequest, EventsQuery, SignupRequest, TokenResponse,
};

use super::{no_store, timestamp};
use crate::error::ApiError;
use crate::extract::{Authenticated, Json, SourceAddr};
use crate::state::AppState;

fn account(record: &AccountRecord) -> Account {
    Account {
        id: record.id.to_string(),
        email: record.email.to_string(),
        created_at: timestamp(record.created_at),
    }
}

/// `POST /users`
pub async fn signup(
    State(state): State<AppState>,
    SourceAddr(source): SourceAddr,
    Json(body): Json<SignupRequest>,
) -> Result<Response, ApiError> {
    let record = state
        .latchkey
        .signup(&body.email, body.password, source)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(account(&record))).into_response())
}

/// `GET /users/me`
pub async fn me(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
) -> Result<axum::Json<Account>, ApiError> {
    Ok(axum::Json(account(&state.latchkey.account(&who).await?)))
}

/// `GET /users/me/events?limit=N&before=ID`
pub async fn events(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    page: Result<Query<EventsQuery>, QueryRejection>,
) -> Result<axum::Json<Vec<AuditEvent>>, ApiError> {
    let Query(page) =
        page.map_err(|_| ApiError::invalid_request("limit and before must be whole numbers"))?;
    let events = state.latchkey.events(&who, page.limit, page.before).await?;
    Ok(axum::Json(events.iter().map(audit_event).collect()))
}

pub(crate) fn audit_event(record: &AuditRecord) -> AuditEvent {
    AuditEvent {
        id: record.id,
        time: timestamp(record.at),
        kind: record.kind.clone(),
        client_id: record.client_id.clone(),
        source_address: record.source.clone(),
        detail: record.detail.clone(),
    }
}

/// `PUT /users/me/password`
pub async fn change_password(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Json(body): Json<ChangePasswordRequest>,
) -> Result<Response, ApiError> {
    let tokens = state
        .latchkey
        .change_password(&who, body.current_password, body.new_password)
        .await?;
    Ok(no_store(axum::Json(TokenResponse {
        access_token: tokens.access_token,
        refresh_token: None,
        token_type: None,
    })))
}
