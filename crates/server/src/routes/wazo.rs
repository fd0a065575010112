//! The Wazo-compatible interface (`/api/auth/0.1/…`), as the Wazo "Refresh Token" post and
//! wazo-auth define it, over the same domain operations as the native API.
//!
//! - `POST /api/auth/0.1/token` with HTTP Basic logs in (`access_type: "offline"` with a
//!   `client_id` adds a refresh token); without Basic, `refresh_token` + `client_id` make an
//!   access token. A refresh token never makes a refresh token, and asking it for one
//!   (`access_type: "offline"`) is a 400, as in wazo-auth.
//! - `GET /api/auth/0.1/users/{user_uuid}/tokens` lists the user's refresh tokens, and
//!   `DELETE /api/auth/0.1/users/{user_uuid}/tokens/{client_id}` deletes those of one
//!   application, with the user's own token (`X-Auth-Token`); `me` stands for the caller.
//!
//! Errors keep Latchkey's `{error, message}` bodies and status codes.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use latchkey_core::secret::RefreshToken;
use latchkey_core::service::{Grant, GrantRequest, LoginOptions};
use latchkey_core::{Error, IssuedTokens, Kind, Principal};
use latchkey_proto::api::LoginRequest;
use latchkey_proto::wazo::{Token, TokenAnswer, TokenList, TokenListItem};
use serde::Deserialize;
use time::OffsetDateTime;
use time::macros::format_description;

use super::{no_store, timestamp};
use crate::error::ApiError;
use crate::extract::{Authenticated, BasicAuth, OptionalJson, Path, SourceAddr};
use crate::state::AppState;

/// wazo-auth's timestamp format: ISO 8601 with microseconds and no offset. Latchkey
/// reports UTC in both the local and the `utc_` fields.
fn wazo_time(unix: i64) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]");
    timestamp(unix)
        .format(&format)
        .unwrap_or_else(|_| OffsetDateTime::UNIX_EPOCH.to_string())
}

/// The body of `POST /api/auth/0.1/token`.
#[derive(Debug, Default, Deserialize)]
pub struct TokenBody {
    expiration: Option<u64>,
    client_id: Option<String>,
    access_type: Option<String>,
    refresh_token: Option<RefreshToken>,
}

fn token_data(issued: IssuedTokens) -> Response {
    let data = Token {
        token: issued.access_token,
        refresh_token: issued.refresh_token,
        auth_id: issued.account_id.to_string(),
        session_uuid: issued.session.map(|s| s.to_string()),
        issued_at: wazo_time(issued.issued_at),
        expires_at: wazo_time(issued.expires_at),
        utc_issued_at: wazo_time(issued.issued_at),
        utc_expires_at: wazo_time(issued.expires_at),
        acl: issued.scope.iter().map(str::to_owned).collect(),
    };
    no_store(axum::Json(TokenAnswer { data }))
}

/// `POST /api/auth/0.1/token`
pub async fn token(
    State(state): State<AppState>,
    SourceAddr(source): SourceAddr,
    credentials: Option<BasicAuth>,
    OptionalJson(body): OptionalJson<TokenBody>,
) -> Result<Response, ApiError> {
    // wazo-auth's token request schema refuses this pair before it reads any credentials.
    if body.access_type.as_deref() == Some("offline") && body.refresh_token.is_some() {
        return Err(ApiError::invalid_request(
            r#"cannot use the "access_type" "offline" with a refresh token"#,
        ));
    }
    let issued = match (credentials, body.refresh_token) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid_request(
                "send either Basic credentials or a refresh_token, not both",
            ));
        }
        (Some(credentials), None) => {
            let request = LoginRequest {
                expiration: body.expiration,
                client_id: body.client_id,
                access_type: body.access_type,
            };
            let mut options = LoginOptions::try_from(request)?;
            options.source = source;
            state
                .latchkey
                .login(&credentials.username, credentials.password, options)
                .await?
        }
        (None, Some(refresh_token)) => {
            let client_id = body.client_id.ok_or_else(|| {
                ApiError::invalid_request("client_id is required with a refresh_token")
            })?;
            let grant = Grant::RefreshToken {
                refresh_token,
                client_id: Some(client_id),
            };
            state
                .latchkey
                .grant(GrantRequest {
                    grant,
                    expiration: body.expiration,
                    scope: None,
                    source,
                    dpop: None,
                })
                .await?
        }
        (None, None) => return Err(Error::InvalidCredentials.into()),
    };
    Ok(token_data(issued))
}

fn own(who: &Principal, user_uuid: &str) -> Result<(), ApiError> {
    if user_uuid == "me" || user_uuid == who.account_id.as_str() {
        Ok(())
    } else {
        Err(Error::NotFound("user").into())
    }
}

/// `GET /api/auth/0.1/users/{user_uuid}/tokens`: the user's refresh tokens (offline logins).
pub async fn list(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Path(user_uuid): Path<String>,
) -> Result<axum::Json<TokenList>, ApiError> {
    own(&who, &user_uuid)?;
    let items: Vec<_> = state
        .latchkey
        .sessions(&who)
        .await?
        .into_iter()
        .filter(|s| s.kind == Kind::AccountRefresh)
        .map(|s| TokenListItem {
            client_id: s.client_id,
            created_at: wazo_time(s.created_at),
            mobile: false,
            user_uuid: s.account_id.to_string(),
        })
        .collect();
    Ok(axum::Json(TokenList {
        total: items.len(),
        filtered: items.len(),
        items,
    }))
}

/// `DELETE /api/auth/0.1/users/{user_uuid}/tokens/{client_id}`
pub async fn delete(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Path((user_uuid, client_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    own(&who, &user_uuid)?;
    state.latchkey.revoke_app_sessions(&who, &client_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::TokenBody;

    #[test]
    fn a_token_body_does_not_show_its_refresh_token_in_debug() {
        let body: TokenBody =
            serde_json::from_str(r#"{"client_id": "app", "refresh_token": "hunter2.r.t"}"#)
                .unwrap();
        assert!(!format!("{body:?}").contains("hunter2"));
    }
}
