//! `/users`: sign-up, profile, password change.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use latchkey_core::store::AccountRecord;
use latchkey_proto::api::{Account, ChangePasswordRequest, SignupRequest, TokenResponse};

use super::{no_store, timestamp};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{Authenticated, Json};

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
    Json(body): Json<SignupRequest>,
) -> Result<Response, ApiError> {
    let record = state.latchkey.signup(&body.email, body.password).await?;
    Ok((StatusCode::CREATED, axum::Json(account(&record))).into_response())
}

/// `GET /users/me`
pub async fn me(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
) -> Result<axum::Json<Account>, ApiError> {
    Ok(axum::Json(account(&state.latchkey.account(&who).await?)))
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
    })))
}
