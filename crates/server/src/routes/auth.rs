//! `/auth`: password login and the token endpoint.

use axum::extract::State;
use axum::response::Response;
use latchkey_core::IssuedTokens;
use latchkey_core::service::{GrantRequest, LoginOptions};
use latchkey_proto::api::{LoginRequest, TokenRequest, TokenResponse};

use super::no_store;
use crate::error::ApiError;
use crate::extract::{BasicAuth, DpopProofs, Json, OptionalJson, SourceAddr};
use crate::state::AppState;

fn tokens(issued: IssuedTokens) -> Response {
    no_store(axum::Json(TokenResponse {
        token_type: issued.dpop_bound.then(|| "DPoP".to_owned()),
        access_token: issued.access_token,
        refresh_token: issued.refresh_token,
    }))
}

/// `POST /auth/login`
pub async fn login(
    State(state): State<AppState>,
    SourceAddr(source): SourceAddr,
    credentials: BasicAuth,
    OptionalJson(body): OptionalJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let mut options = LoginOptions::try_from(body)?;
    options.source = source;
    let issued = state
        .latchkey
        .login(&credentials.username, credentials.password, options)
        .await?;
    Ok(tokens(issued))
}

/// `POST /auth/token`
pub async fn token(
    State(state): State<AppState>,
    SourceAddr(source): SourceAddr,
    proofs: DpopProofs,
    Json(body): Json<TokenRequest>,
) -> Result<Response, ApiError> {
    let mut request = GrantRequest::try_from(body)?;
    request.source = source;
    request.dpop = state
        .latchkey
        .dpop_key(&proofs.as_strs(), "POST", "/auth/token")?;
    Ok(tokens(state.latchkey.grant(request).await?))
}
