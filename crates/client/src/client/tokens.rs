//! The token endpoint: any grant, with or without a DPoP proof; client credentials and
//! refresh spelled out.

use latchkey_proto::ErrorCode;
use latchkey_proto::GrantType;
use latchkey_proto::api::{TokenRequest, TokenResponse};
use latchkey_proto::secret::{ClientSecret, RefreshToken};
use reqwest::{Method, Response};

use super::{Client, api_error, decode, json};
use crate::{DpopKey, Error, Result};

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
    /// The proof carries the service's latest nonce (RFC 9449 §8) when it has sent one.
    /// Refused `use_dpop_nonce`, the request is sent once more with a new proof carrying
    /// the nonce of the answer's `DPoP-Nonce` header, which is remembered for the next
    /// requests (by this client and its clones).
    ///
    /// # Errors
    ///
    /// `invalid_dpop_proof`, `use_dpop_nonce` (refused again after the retry), or as
    /// [`Client::token`].
    pub async fn token_with_dpop(
        &self,
        request: &TokenRequest,
        key: &DpopKey,
    ) -> Result<TokenResponse> {
        let url = format!("{}/auth/token", self.base);
        let mut nonce = self.dpop_nonce();
        let mut retried = false;
        loop {
            let proof = key.proof_with_nonce("POST", &url, None, nonce.as_deref());
            let response = self
                .http
                .post(&url)
                .header("DPoP", proof)
                .json(request)
                .send()
                .await
                .map_err(Error::network)?;
            let offered = self.remember_dpop_nonce(&response);
            if response.status().is_success() {
                return decode(response).await;
            }
            let error = api_error(response).await;
            match offered {
                Some(offered) if !retried && error.code() == Some(ErrorCode::UseDpopNonce) => {
                    retried = true;
                    nonce = Some(offered);
                }
                _ => return Err(error),
            }
        }
    }

    /// The service's latest DPoP nonce, if it sent one.
    #[must_use]
    pub fn dpop_nonce(&self) -> Option<String> {
        self.dpop_nonce.lock().ok().and_then(|nonce| nonce.clone())
    }

    /// Keeps the `DPoP-Nonce` of `response`, if it has one, and returns it.
    fn remember_dpop_nonce(&self, response: &Response) -> Option<String> {
        let offered = response
            .headers()
            .get("dpop-nonce")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)?;
        if let Ok(mut nonce) = self.dpop_nonce.lock() {
            *nonce = Some(offered.clone());
        }
        Some(offered)
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
