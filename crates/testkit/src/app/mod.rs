//! [`TestApp`]: the real latchkeyd on a free port and a fresh database, behind the
//! [`proxy`] that checks every answer against the OpenAPI document, with the SDK and a
//! raw HTTP client pointed at it and shortcuts for the usual first steps.
//!
//! ```ignore
//! let app = TestApp::spawn().await;
//! let (token, key) = app.account_with_key("ada@example.com").await;
//! ```

mod clock;
mod process;
pub mod proxy;

use std::sync::Arc;

use latchkey_client::api::TokenResponse;
use latchkey_client::api::{CreateClientKeyRequest, CreatedClientKey, LoginRequest};
use latchkey_client::{Client, RefreshToken};
use latchkey_core::Latchkey;
use latchkeyd::{Application, Config};
use reqwest::header::HeaderMap;
use serde_json::Value;
use tokio::net::TcpListener;

pub use clock::TestClock;
pub use process::LatchkeydProcess;
use proxy::CheckingProxy;

use crate::PASSWORD;
use crate::database::{Backend, OnBackend, TestDatabase};

/// A running latchkeyd, its answers checked against `crates/server/openapi.json`.
///
/// Its issuer (and so its audience) is [`TestApp::address`], the proxy's URL, unless the
/// test configures another. TLS is not offered: build [`Application`] directly for that.
pub struct TestApp {
    /// `http://127.0.0.1:port`: where tests send requests, and the issuer.
    pub address: String,
    /// The project's SDK, pointed at [`TestApp::address`].
    pub client: Client,
    /// A plain HTTP client for the requests the SDK will not make.
    pub http: reqwest::Client,
    /// The server's clock.
    pub clock: Arc<TestClock>,
    /// The database URL, for starting another instance on it ([`TestApp::start`]).
    pub database_url: String,
    /// The domain service, for what only operators do (key upkeep, the audit trail).
    pub latchkey: Arc<Latchkey>,
    proxy: CheckingProxy,
    /// Dropped last: after the server has stopped using it.
    _database: Option<TestDatabase>,
}

/// An answer read whole: status, headers, and the body as JSON (`Null` if it is not).
#[derive(Debug)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The headers.
    pub headers: HeaderMap,
    /// The body, parsed; `Null` if empty or not JSON.
    pub body: Value,
    /// The body as text.
    pub text: String,
}

impl Reply {
    /// The `error` code of an error body ("" if there is none).
    pub fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or("")
    }
}

impl TestApp {
    /// latchkeyd with the default configuration on a fresh SQLite database.
    pub async fn spawn() -> Self {
        Self::spawn_on(Backend::Sqlite, |_| {}).await
    }

    /// latchkeyd on a fresh SQLite database, configured by `configure` first.
    pub async fn spawn_with(configure: impl FnOnce(&mut Config)) -> Self {
        Self::spawn_on(Backend::Sqlite, configure).await
    }

    /// latchkeyd with the default configuration on a fresh PostgreSQL database.
    pub async fn spawn_postgres() -> Self {
        Self::spawn_on(Backend::Postgres, |_| {}).await
    }

    /// latchkeyd on a fresh database of `backend` requiring DPoP nonces at the token
    /// endpoints (`[dpop] require_nonce = true`).
    pub async fn spawn_with_dpop_nonces(backend: Backend) -> Self {
        Self::spawn_on(backend, require_dpop_nonces).await
    }

    /// latchkeyd on a fresh database of `backend`, configured by `configure` first.
    pub async fn spawn_on(backend: Backend, configure: impl FnOnce(&mut Config)) -> Self {
        let database = TestDatabase::create(backend).await;
        let mut app = Self::start(database.url(), configure).await;
        app._database = Some(database);
        app
    }

    /// latchkeyd on an existing database that the caller keeps (a restart, or a second
    /// instance beside `app`: `TestApp::start(&app.database_url, |_| {})`).
    ///
    /// # Panics
    ///
    /// If the app does not start, or `configure` asks for TLS.
    pub async fn start(database_url: &str, configure: impl FnOnce(&mut Config)) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let mut config = Config::new("127.0.0.1:0".parse().unwrap(), database_url.to_owned());
        config.issuer = Some(address.clone());
        // The tests read `/metrics` where they read everything else (a deployment serves
        // it on a listener of its own, or opts in: see `metrics_on_api_listener`).
        config.metrics_on_api_listener = true;
        configure(&mut config);
        assert!(
            config.tls.is_none(),
            "TestApp serves plain HTTP; build latchkeyd::Application for TLS"
        );
        let clock = Arc::new(TestClock::default());
        let app = Application::build_with_clock(config, clock.clone())
            .await
            .expect("the app starts");
        let upstream = format!("http://127.0.0.1:{}", app.port());
        let latchkey = app.latchkey();
        tokio::spawn(app.run_until_stopped(std::future::pending()));
        Self {
            client: Client::new(&address).unwrap(),
            http: reqwest::Client::new(),
            proxy: CheckingProxy::start(listener, upstream),
            address,
            clock,
            database_url: database_url.to_owned(),
            latchkey,
            _database: None,
        }
    }

    /// The URL of `path` on this app.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Sends a raw request and reads the whole answer; fails the test at once if this or
    /// an earlier answer disagreed with the OpenAPI document.
    ///
    /// # Panics
    ///
    /// If the request cannot be sent, or as said.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        self.proxy.assert_documented();
        Reply {
            status,
            headers,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            text,
        }
    }

    /// GETs `path` and returns its JSON body, whatever the status.
    ///
    /// # Panics
    ///
    /// If the body is not JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        let reply = self.send(self.http.get(self.url(path))).await;
        serde_json::from_str(&reply.text).unwrap()
    }

    /// POSTs a raw body to `path` as JSON and returns (status, JSON body).
    pub async fn post_raw(&self, path: &str, body: &str) -> (u16, Value) {
        let request = self
            .http
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(body.to_owned());
        let reply = self.send(request).await;
        (reply.status, reply.body)
    }

    /// Signs up `email` with [`PASSWORD`].
    pub async fn signup(&self, email: &str) {
        self.client.signup(email, PASSWORD).await.unwrap();
    }

    /// Signs up `email` with [`PASSWORD`] and returns an account access token.
    pub async fn account(&self, email: &str) -> String {
        self.signup(email).await;
        self.login(email).await
    }

    /// Logs `email` in with [`PASSWORD`] and `options`.
    ///
    /// # Errors
    ///
    /// The API's refusal.
    pub async fn login_with(
        &self,
        email: &str,
        options: &LoginRequest,
    ) -> latchkey_client::Result<TokenResponse> {
        self.client.login(email, PASSWORD, options).await
    }

    /// A fresh account access token for an existing account.
    pub async fn login(&self, email: &str) -> String {
        self.client
            .login(email, PASSWORD, &LoginRequest::default())
            .await
            .unwrap()
            .access_token
    }

    /// The tokens of a client-credentials grant with `key`.
    pub async fn client_grant(&self, key: &CreatedClientKey) -> TokenResponse {
        self.client
            .client_credentials(&key.client_id, &key.client_secret)
            .await
            .unwrap()
    }

    /// The refresh token of a client-credentials grant with `key`.
    pub async fn client_refresh_token(&self, key: &CreatedClientKey) -> RefreshToken {
        self.client_grant(key).await.refresh_token.unwrap()
    }

    /// The body of `GET path` with `bearer`, as text (to look for what must not be in it).
    pub async fn get_text(&self, path: &str, bearer: &str) -> String {
        let request = self.http.get(self.url(path)).bearer_auth(bearer);
        request.send().await.unwrap().text().await.unwrap()
    }

    /// An SDK client whose requests reach the app from `ip` (any 127.0.0.0/8 address is
    /// this host; the proxy passes the address on).
    pub fn client_from(&self, ip: &str) -> Client {
        Client::with_http_client(&self.address, Self::http_from(ip)).unwrap()
    }

    /// A plain HTTP client whose requests come from `ip`.
    pub fn http_from(ip: &str) -> reqwest::Client {
        reqwest::Client::builder()
            .local_address(ip.parse::<std::net::IpAddr>().unwrap())
            .build()
            .unwrap()
    }

    /// A new account with one client key: (account token, key).
    pub async fn account_with_key(&self, email: &str) -> (String, CreatedClientKey) {
        self.account_with_key_like(email, &CreateClientKeyRequest::default())
            .await
    }

    /// A new account with one client key that rotates its refresh tokens.
    pub async fn account_with_rotating_key(&self, email: &str) -> (String, CreatedClientKey) {
        let request = CreateClientKeyRequest {
            rotate_refresh_tokens: Some(true),
            ..CreateClientKeyRequest::default()
        };
        self.account_with_key_like(email, &request).await
    }

    /// A new account with one client key made by `request`.
    pub async fn account_with_key_like(
        &self,
        email: &str,
        request: &CreateClientKeyRequest,
    ) -> (String, CreatedClientKey) {
        let token = self.account(email).await;
        let key = self
            .client
            .create_client_key(&token, request)
            .await
            .unwrap();
        (token, key)
    }
}

/// Turns on `[dpop] require_nonce`: for [`TestApp::start`] of another instance beside
/// one made by [`TestApp::spawn_with_dpop_nonces`].
pub fn require_dpop_nonces(config: &mut Config) {
    config.policies.dpop_require_nonce = true;
}

impl OnBackend for TestApp {
    fn on(backend: Backend) -> impl Future<Output = Self> {
        Self::spawn_on(backend, |_| {})
    }
}

/// The body of `GET url`, as text.
///
/// # Panics
///
/// If the request fails.
pub async fn text_at(http: &reqwest::Client, url: &str) -> String {
    let response = http.get(url).send().await.unwrap();
    response.text().await.unwrap()
}

/// Asserts that a result is an API error with `code` and `status`.
///
/// # Panics
///
/// If it is not.
#[track_caller]
pub fn assert_api_error<T: std::fmt::Debug>(
    result: latchkey_client::Result<T>,
    status: u16,
    code: &str,
) {
    match result {
        Err(latchkey_client::Error::Api {
            status: s, code: c, ..
        }) => assert_eq!((s, c.as_str()), (status, code)),
        other => panic!("expected {status} {code}, got {other:?}"),
    }
}
