//! [`Client`]: typed calls to every native endpoint.

use std::sync::{Arc, Mutex};

use latchkey_proto::api::{
    Account, AuditEvent, ChangePasswordRequest, ClientKey, CreateClientKeyRequest,
    CreatedClientKey, EventsQuery, Health, LoginRequest, RefreshTokenInfo, RevokedCount,
    RotateSecretRequest, RotatedSecret, SignupRequest, TokenResponse,
};
use latchkey_proto::{ErrorBody, ErrorCode};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;

mod tokens;

use crate::{Error, Result};

/// A client of one Latchkey service. Cheap to clone; clones share connections.
///
/// Methods that act for an account take its access token; the token is sent as
/// `Authorization: Bearer …` and never logged.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    /// The service's latest DPoP nonce (`DPoP-Nonce`), shared by clones: the next proof
    /// carries it.
    dpop_nonce: Arc<Mutex<Option<String>>>,
}

impl Client {
    /// A client of the service at `base_url` (e.g. `http://127.0.0.1:8400`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUrl`] if `base_url` is not an http(s) URL.
    ///
    /// ```
    /// let client = latchkey_client::Client::new("http://127.0.0.1:8400/").unwrap();
    /// assert_eq!(client.base_url(), "http://127.0.0.1:8400");
    /// assert!(latchkey_client::Client::new("ftp://x").is_err());
    /// ```
    pub fn new(base_url: impl Into<String>) -> Result<Self> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("latchkey-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(Error::network)?;
        Self::with_http_client(base_url, http)
    }

    /// A client that sends requests through `http` (for custom timeouts, proxies or TLS roots).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUrl`] if `base_url` is not an http(s) URL.
    pub fn with_http_client(base_url: impl Into<String>, http: reqwest::Client) -> Result<Self> {
        let base = base_url.into().trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://"))
            || reqwest::Url::parse(&base).is_err()
        {
            return Err(Error::InvalidUrl(base));
        }
        Ok(Self {
            http,
            base,
            dpop_nonce: Arc::default(),
        })
    }

    /// The service's base URL, without a trailing slash.
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.base
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, format!("{}{path}", self.base))
    }

    /// `POST /users`: creates an account.
    ///
    /// # Errors
    ///
    /// `conflict` if the email is taken, `invalid_request` for a bad email or password,
    /// `signup_closed`, or a transport error.
    pub async fn signup(&self, email: &str, password: &str) -> Result<Account> {
        let body = SignupRequest {
            email: email.into(),
            password: password.into(),
        };
        json(self.request(Method::POST, "/users").json(&body)).await
    }

    /// `POST /auth/login`: logs in with an account id or email and a password.
    ///
    /// # Errors
    ///
    /// `invalid_credentials`, `invalid_request` for bad options, `too_many_attempts`,
    /// or a transport error.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        options: &LoginRequest,
    ) -> Result<TokenResponse> {
        json(
            self.request(Method::POST, "/auth/login")
                .basic_auth(username, Some(password))
                .json(options),
        )
        .await
    }

    /// `GET /users/me`.
    ///
    /// # Errors
    ///
    /// `invalid_token`, `insufficient_token_kind`, or a transport error.
    pub async fn me(&self, access_token: &str) -> Result<Account> {
        json(
            self.request(Method::GET, "/users/me")
                .bearer_auth(access_token),
        )
        .await
    }

    /// `PUT /users/me/password`: returns a fresh access token (older ones stop working).
    ///
    /// # Errors
    ///
    /// `invalid_credentials` for a wrong current password, `invalid_request` for a bad
    /// new one, `invalid_token`, or a transport error.
    pub async fn change_password(
        &self,
        access_token: &str,
        current: &str,
        new: &str,
    ) -> Result<TokenResponse> {
        let body = ChangePasswordRequest {
            current_password: current.into(),
            new_password: new.into(),
        };
        json(
            self.request(Method::PUT, "/users/me/password")
                .bearer_auth(access_token)
                .json(&body),
        )
        .await
    }

    /// `POST /client-keys`: the secret in the answer is shown this once.
    ///
    /// # Errors
    ///
    /// `invalid_request`, `invalid_scope`, `invalid_token`, or a transport error.
    pub async fn create_client_key(
        &self,
        access_token: &str,
        request: &CreateClientKeyRequest,
    ) -> Result<CreatedClientKey> {
        json(
            self.request(Method::POST, "/client-keys")
                .bearer_auth(access_token)
                .json(request),
        )
        .await
    }

    /// `GET /client-keys`.
    ///
    /// # Errors
    ///
    /// `invalid_token`, `insufficient_token_kind`, or a transport error.
    pub async fn client_keys(&self, access_token: &str) -> Result<Vec<ClientKey>> {
        json(
            self.request(Method::GET, "/client-keys")
                .bearer_auth(access_token),
        )
        .await
    }

    /// `DELETE /client-keys/{clientId}`: ends the key and every token made from it.
    ///
    /// # Errors
    ///
    /// `not_found`, `invalid_token`, or a transport error.
    pub async fn delete_client_key(&self, access_token: &str, client_id: &str) -> Result<()> {
        empty(
            self.request(Method::DELETE, &format!("/client-keys/{client_id}"))
                .bearer_auth(access_token),
        )
        .await
    }

    /// `POST /client-keys/{clientId}/secret`: gives the key a new secret, returned this
    /// once. The old secret keeps working for `overlap_seconds` (the service's default,
    /// one day, when `None`; at most 30 days; 0 ends it at once).
    ///
    /// # Errors
    ///
    /// `not_found`, `invalid_request` for an overlap out of range, `invalid_token`, or a
    /// transport error.
    pub async fn rotate_client_secret(
        &self,
        access_token: &str,
        client_id: &str,
        overlap_seconds: Option<u64>,
    ) -> Result<RotatedSecret> {
        let body = RotateSecretRequest { overlap_seconds };
        json(
            self.request(Method::POST, &format!("/client-keys/{client_id}/secret"))
                .bearer_auth(access_token)
                .json(&body),
        )
        .await
    }

    /// `GET /refresh-tokens`: the caller's live refresh tokens.
    ///
    /// # Errors
    ///
    /// `invalid_token`, or a transport error.
    pub async fn refresh_tokens(&self, access_token: &str) -> Result<Vec<RefreshTokenInfo>> {
        json(
            self.request(Method::GET, "/refresh-tokens")
                .bearer_auth(access_token),
        )
        .await
    }

    /// `GET /users/me/events`: the caller's audit trail, newest first. Pass the last
    /// event's `id` as `before` for the next page.
    ///
    /// # Errors
    ///
    /// `invalid_token`, `invalid_request` for a bad page, or a transport error.
    ///
    /// ```no_run
    /// # async fn demo(latchkey: latchkey_client::Client, token: &str) -> latchkey_client::Result<()> {
    /// use latchkey_client::api::EventsQuery;
    /// for event in latchkey.events(token, &EventsQuery::default()).await? {
    ///     println!("{} {} {:?}", event.time, event.kind, event.source_address);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn events(&self, access_token: &str, page: &EventsQuery) -> Result<Vec<AuditEvent>> {
        let mut path = String::from("/users/me/events");
        let mut separator = '?';
        if let Some(limit) = page.limit {
            path.push_str(&format!("{separator}limit={limit}"));
            separator = '&';
        }
        if let Some(before) = page.before {
            path.push_str(&format!("{separator}before={before}"));
        }
        json(self.request(Method::GET, &path).bearer_auth(access_token)).await
    }

    /// `DELETE /refresh-tokens/{id}`.
    ///
    /// # Errors
    ///
    /// `not_found`, `invalid_token`, or a transport error.
    pub async fn revoke_refresh_token(&self, access_token: &str, id: &str) -> Result<()> {
        empty(
            self.request(Method::DELETE, &format!("/refresh-tokens/{id}"))
                .bearer_auth(access_token),
        )
        .await
    }

    /// `DELETE /refresh-tokens`: log out everywhere; returns how many were ended.
    ///
    /// # Errors
    ///
    /// `invalid_token`, or a transport error.
    pub async fn revoke_all_refresh_tokens(&self, access_token: &str) -> Result<u64> {
        let count: RevokedCount = json(
            self.request(Method::DELETE, "/refresh-tokens")
                .bearer_auth(access_token),
        )
        .await?;
        Ok(count.revoked)
    }

    /// `GET /.well-known/jwks.json`, as raw JSON (feed it to `latchkey-verify`).
    ///
    /// # Errors
    ///
    /// A transport error.
    pub async fn jwks(&self) -> Result<serde_json::Value> {
        json(self.request(Method::GET, "/.well-known/jwks.json")).await
    }

    /// `GET /readyz`: whether the service and its database answer.
    ///
    /// # Errors
    ///
    /// `unavailable`, or a transport error.
    pub async fn ready(&self) -> Result<Health> {
        json(self.request(Method::GET, "/readyz")).await
    }
}

async fn send(request: RequestBuilder) -> Result<Response> {
    let response = request.send().await.map_err(Error::network)?;
    if response.status().is_success() {
        return Ok(response);
    }
    Err(api_error(response).await)
}

async fn api_error(response: Response) -> Error {
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    match response.json::<ErrorBody>().await {
        Ok(body) => Error::Api {
            status: status.as_u16(),
            code: body.error,
            message: body.message,
            retry_after,
        },
        Err(_) => Error::Api {
            status: status.as_u16(),
            code: fallback_code(status),
            message: status.canonical_reason().unwrap_or("error").to_owned(),
            retry_after,
        },
    }
}

/// A code for error answers without a Latchkey body (e.g. from a proxy).
fn fallback_code(status: StatusCode) -> ErrorCode {
    match status.as_u16() {
        401 => ErrorCode::InvalidToken,
        404 => ErrorCode::NotFound,
        413 => ErrorCode::PayloadTooLarge,
        429 => ErrorCode::TooManyAttempts,
        502..=504 => ErrorCode::Unavailable,
        _ => ErrorCode::Unknown,
    }
}

async fn json<T: DeserializeOwned>(request: RequestBuilder) -> Result<T> {
    decode(send(request).await?).await
}

/// The body of a successful answer.
async fn decode<T: DeserializeOwned>(response: Response) -> Result<T> {
    let bytes = response.bytes().await.map_err(Error::network)?;
    serde_json::from_slice(&bytes).map_err(|e| Error::Decode(e.to_string()))
}

async fn empty(request: RequestBuilder) -> Result<()> {
    send(request).await.map(drop)
}
