//! The token endpoint: any grant, with or without a DPoP proof; client credentials and
//! refresh spelled out.

use latchkey_proto::GrantType;
use latchkey_proto::api::{TokenRequest, TokenResponse};
use latchkey_proto::secret::{ClientSecret, RefreshToken};
use reqwest::Method;

use super::{Client, json};
use crate::{DpopKey, Result};

impl Client {
    /// `POST /auth/token` with any [`TokenRequest`].
    ///
    /// # Errors
    ///
    /// `invalid_client`, `invalid_grant`, `invalid_scope`, `unsupported_grant_type`,
    /// `invalid_request`, or a transport error.
    pub async fn token(&self, request: &TokenRequest) -> Result<TokenResponse> {
        json(self.request(Method::POST, "/auth/token").json(request)).await
    }

    /// `POST /auth/token` with a DPoP proof by `key` (RFC 9449): the access token (and a
    /// refresh token made now) is bound to the key, `tokenType: "DPoP"`. A DPoP-bound
    /// refresh token must be traded this way, with the same key.
    ///
    /// # Errors
    ///
    /// `invalid_dpop_proof`, or as [`Client::token`].
    pub async fn token_with_dpop(
        &self,
        request: &TokenRequest,
        key: &DpopKey,
    ) -> Result<TokenResponse> {
        let url = format!("{}/auth/token", self.base);
        let proof = key.proof("POST", &url, None);
        json(self.http.post(url).header("DPoP", proof).json(request)).await
    }

    /// Trades client keys for a client access token and a client refresh token.
    ///
    /// # Errors
    ///
    /// `invalid_client`, or as [`Client::token`].
    pub async fn client_credentials(
        &self,
        client_id: &str,
        client_secret: &ClientSecret,
    ) -> Result<TokenResponse> {
        self.token(&TokenRequest {
            grant_type: GrantType::ClientCredentials,
            client_id: Some(client_id.into()),
            client_secret: Some(client_secret.clone()),
            ..TokenRequest::default()
        })
        .await
    }

    /// Trades a refresh token for a new access token (`client_id` is needed for account
    /// refresh tokens from an offline login).
    ///
    /// # Errors
    ///
    /// `invalid_grant`, or as [`Client::token`].
    pub async fn refresh(
        &self,
        refresh_token: &RefreshToken,
        client_id: Option<&str>,
    ) -> Result<TokenResponse> {
        self.token(&TokenRequest {
            grant_type: GrantType::RefreshToken,
            refresh_token: Some(refresh_token.clone()),
            client_id: client_id.map(Into::into),
            ..TokenRequest::default()
        })
        .await
    }
}
