//! Credentials: HTTP Basic for login, bearer tokens for account endpoints (read by
//! `latchkey_verify::bearer_token`, the one reading shared with resource services).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use latchkey_core::{Error, Principal};
use latchkey_verify::bearer_token;

use super::SourceAddr;

use crate::error::ApiError;
use crate::state::AppState;

/// `Authorization: Basic …` credentials: an account id or email, and a password.
pub struct BasicAuth {
    /// The account id or email.
    pub username: String,
    /// The password (never logged).
    pub password: String,
}

impl std::fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BasicAuth")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

fn scheme_value<'a>(headers: &'a HeaderMap, scheme: &str) -> Option<&'a str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (given, rest) = value.split_once(' ')?;
    given.eq_ignore_ascii_case(scheme).then(|| rest.trim())
}

impl<S: Send + Sync> axum::extract::OptionalFromRequestParts<S> for BasicAuth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        if scheme_value(&parts.headers, "basic").is_none() {
            return Ok(None);
        }
        <Self as FromRequestParts<S>>::from_request_parts(parts, state)
            .await
            .map(Some)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for BasicAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(encoded) = scheme_value(&parts.headers, "basic") else {
            return Err(Error::InvalidCredentials.into());
        };
        let decoded = STANDARD
            .decode(encoded)
            .map_err(|_| ApiError::invalid_request("malformed Basic credentials"))?;
        let text = String::from_utf8(decoded)
            .map_err(|_| ApiError::invalid_request("Basic credentials must be UTF-8"))?;
        let (username, password) = text
            .split_once(':')
            .ok_or_else(|| ApiError::invalid_request("Basic credentials must be user:password"))?;
        Ok(Self {
            username: username.to_owned(),
            password: password.to_owned(),
        })
    }
}

/// The caller of an account endpoint, authenticated by a live account access token.
pub struct Authenticated(pub Principal);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer_token(&parts.headers).ok_or(ApiError::MissingBearer)?;
        let mut principal = state.latchkey.authenticate(token).await?;
        let Ok(SourceAddr(source)) = SourceAddr::from_request_parts(parts, state).await;
        principal.source = source;
        Ok(Self(principal))
    }
}

#[cfg(test)]
mod tests {
    use super::BasicAuth;

    #[test]
    fn basic_credentials_do_not_show_the_password_in_debug() {
        let credentials = BasicAuth {
            username: "ada@example.com".into(),
            password: "hunter2-password".into(),
        };
        let debug = format!("{credentials:?}");
        assert!(debug.contains("ada@example.com") && !debug.contains("hunter2"));
    }
}
