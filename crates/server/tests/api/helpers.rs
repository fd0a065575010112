//! The test kit: spawn an app, make accounts and keys, decode tokens.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_client::api::{CreateClientKeyRequest, CreatedClientKey, LoginRequest};
use latchkey_client::{Client, RefreshToken};
use latchkey_core::{Clock, Latchkey, SystemClock};
use latchkeyd::{Application, Config};
use serde_json::Value;

pub const PASSWORD: &str = "correct horse battery staple";

/// Runs each listed `async fn(TestApp)` against every storage backend.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::helpers::TestApp::spawn($crate::helpers::Backend::Sqlite).await).await;
            }

            #[tokio::test]
            async fn postgres() {
                super::$name($crate::helpers::TestApp::spawn($crate::helpers::Backend::Postgres).await).await;
            }
        }
    )*};
}

/// Which storage backend a test runs on.
#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub use latchkey_testkit::PgDatabase;
use latchkey_testkit::unique_name;

/// A clock that tests can move forward: the real time plus an offset, or, once frozen,
/// a fixed time that only `advance` moves (for schedules of a few seconds that a slow
/// machine must not overrun).
#[derive(Debug, Default)]
pub struct TestClock {
    offset: AtomicI64,
    /// The frozen time; 0 while the clock follows the real one.
    frozen: AtomicI64,
}

impl TestClock {
    pub fn advance(&self, seconds: i64) {
        self.offset.fetch_add(seconds, Ordering::SeqCst);
    }

    /// Stops the clock at the current time; only `advance` moves it from now on.
    pub fn freeze(&self) {
        self.frozen.store(SystemClock.now(), Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> i64 {
        let base = match self.frozen.load(Ordering::SeqCst) {
            0 => SystemClock.now(),
            frozen => frozen,
        };
        base + self.offset.load(Ordering::SeqCst)
    }
}

/// A running `latchkeyd`.
pub struct TestApp {
    pub address: String,
    pub client: Client,
    pub http: reqwest::Client,
    pub clock: Arc<TestClock>,
    pub database_url: String,
    pub latchkey: Arc<Latchkey>,
    _dir: TempDir,
    _database: Option<PgDatabase>,
}

/// A directory removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> Self {
        let dir = std::env::temp_dir().join(unique_name("latchkey-test"));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(backend: Backend, configure: impl FnOnce(&mut Config)) -> Self {
        let dir = TempDir::new();
        let (database_url, database) = match backend {
            Backend::Sqlite => (
                format!("sqlite://{}", dir.0.join("latchkey.db").display()),
                None,
            ),
            Backend::Postgres => {
                let (database, url) = PgDatabase::create().await;
                (url, Some(database))
            }
        };
        let mut app = Self::start(database_url, dir, configure).await;
        app._database = database;
        app
    }

    /// Starts another app on this app's database (a restart, or a second instance).
    pub async fn start(
        database_url: String,
        dir: TempDir,
        configure: impl FnOnce(&mut Config),
    ) -> Self {
        let mut config = Config::new("127.0.0.1:0".parse().unwrap(), database_url.clone());
        configure(&mut config);
        let clock = Arc::new(TestClock::default());
        let app = Application::build_with_clock(config, clock.clone())
            .await
            .expect("the app starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let latchkey = app.latchkey();
        tokio::spawn(app.run_until_stopped(std::future::pending()));
        Self {
            client: Client::new(&address).unwrap(),
            http: reqwest::Client::new(),
            address,
            clock,
            database_url,
            latchkey,
            _dir: dir,
            _database: None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Signs up `email` with [`PASSWORD`] and returns an account access token.
    pub async fn account(&self, email: &str) -> String {
        self.client.signup(email, PASSWORD).await.unwrap();
        self.client
            .login(email, PASSWORD, &LoginRequest::default())
            .await
            .unwrap()
            .access_token
    }

    /// A fresh account access token for an existing account.
    pub async fn login(&self, email: &str) -> String {
        self.client
            .login(email, PASSWORD, &LoginRequest::default())
            .await
            .unwrap()
            .access_token
    }

    /// The refresh token of a client-credentials grant with `key`.
    pub async fn client_refresh_token(&self, key: &CreatedClientKey) -> RefreshToken {
        self.client
            .client_credentials(&key.client_id, &key.client_secret)
            .await
            .unwrap()
            .refresh_token
            .unwrap()
    }

    /// A new account with one client key: (account token, key).
    pub async fn account_with_key(&self, email: &str) -> (String, CreatedClientKey) {
        let token = self.account(email).await;
        let key = self
            .client
            .create_client_key(&token, &CreateClientKeyRequest::default())
            .await
            .unwrap();
        (token, key)
    }

    /// POSTs a raw body to `path` and returns (status, JSON body).
    pub async fn post_raw(&self, path: &str, body: &str) -> (u16, Value) {
        let response = self
            .http
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

/// The decoded (unverified) header and claims of a JWT.
pub fn decode(token: &str) -> (Value, Value) {
    let mut parts = token.split('.');
    let mut part =
        || serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap()).unwrap();
    (part(), part())
}

/// Asserts that a result is an API error with `code` and `status`.
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
