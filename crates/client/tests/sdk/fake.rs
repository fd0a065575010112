//! A fake token endpoint: counts the grants it is asked for, answers as scripted.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_client::api::{TokenRequest, TokenResponse};
use latchkey_client::{Error, ErrorCode, GrantType, RefreshToken, TokenEndpoint, TokenFuture};

/// What the fake answers to one kind of grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Tokens,
    InvalidGrant,
    InvalidClient,
    Unavailable,
}

#[derive(Debug)]
pub struct FakeEndpoint {
    pub lifetime_secs: u64,
    pub refresh_answer: Mutex<Answer>,
    pub credentials_answer: Mutex<Answer>,
    pub refreshes: AtomicU64,
    pub credentials: AtomicU64,
    issued: AtomicU64,
}

impl FakeEndpoint {
    pub fn new(lifetime_secs: u64) -> Self {
        Self {
            lifetime_secs,
            refresh_answer: Mutex::new(Answer::Tokens),
            credentials_answer: Mutex::new(Answer::Tokens),
            refreshes: AtomicU64::new(0),
            credentials: AtomicU64::new(0),
            issued: AtomicU64::new(0),
        }
    }

    pub fn answer_refresh(&self, answer: Answer) {
        *self.refresh_answer.lock().unwrap() = answer;
    }

    pub fn answer_credentials(&self, answer: Answer) {
        *self.credentials_answer.lock().unwrap() = answer;
    }

    pub fn refreshes(&self) -> u64 {
        self.refreshes.load(Ordering::SeqCst)
    }

    pub fn credentials(&self) -> u64 {
        self.credentials.load(Ordering::SeqCst)
    }

    /// A JWT-shaped token (unsigned: the SDK only reads `iat` and `exp`).
    pub fn token(&self) -> String {
        let iat = 1_900_000_000;
        self.token_at(iat, iat + self.lifetime_secs)
    }

    /// A token with the given `iat` and `exp`.
    pub fn token_at(&self, iat: u64, exp: u64) -> String {
        let n = self.issued.fetch_add(1, Ordering::SeqCst);
        let payload = format!(r#"{{"iat":{iat},"exp":{exp},"jti":"{n}"}}"#);
        format!(
            "eyJhbGciOiJub25lIn0.{}.c2ln",
            URL_SAFE_NO_PAD.encode(payload)
        )
    }

    fn answer(&self, answer: Answer, refresh_token: bool) -> Result<TokenResponse, Error> {
        let error = |status, code, message: &str| Error::Api {
            status,
            code,
            message: message.into(),
            retry_after: None,
        };
        match answer {
            Answer::Tokens => Ok(TokenResponse {
                access_token: self.token(),
                refresh_token: refresh_token.then(|| RefreshToken::new(self.token())),
                token_type: None,
            }),
            Answer::InvalidGrant => Err(error(400, ErrorCode::InvalidGrant, "revoked")),
            Answer::InvalidClient => Err(error(401, ErrorCode::InvalidClient, "bad keys")),
            Answer::Unavailable => Err(error(503, ErrorCode::Unavailable, "down")),
        }
    }
}

impl TokenEndpoint for FakeEndpoint {
    fn token<'a>(&'a self, request: &'a TokenRequest) -> TokenFuture<'a> {
        Box::pin(async move {
            // A request takes a little while, so that concurrent callers overlap.
            tokio::time::sleep(Duration::from_millis(20)).await;
            if request.grant_type == GrantType::RefreshToken {
                self.refreshes.fetch_add(1, Ordering::SeqCst);
                let answer = *self.refresh_answer.lock().unwrap();
                self.answer(answer, false)
            } else {
                self.credentials.fetch_add(1, Ordering::SeqCst);
                let answer = *self.credentials_answer.lock().unwrap();
                self.answer(answer, true)
            }
        })
    }
}
