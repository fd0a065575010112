//! PostgreSQL-only behaviour: an outage and its recovery, and two `latchkeyd` processes
//! sharing one database.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use latchkey_client::Error;
use latchkey_client::api::{CreateClientKeyRequest, LoginRequest};
use latchkey_testkit::{LatchkeydProcess, PASSWORD, PgDatabase, TestApp, decode};
use latchkey_verify::{KeySet, Validation};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

/// A TCP proxy to PostgreSQL that a test can cut (dropping every connection and refusing
/// new ones) and restore.
pub(crate) struct Proxy {
    address: SocketAddr,
    up: Arc<AtomicBool>,
    pipes: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let pipes = Arc::new(Mutex::new(Vec::new()));
        let (flag, handles) = (up.clone(), pipes.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !flag.load(Ordering::SeqCst) {
                    continue; // dropped: the connection is closed at once
                }
                let pipe = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect("127.0.0.1:5432").await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                handles.lock().await.push(pipe);
            }
        });
        Self { address, up, pipes }
    }

    pub(crate) async fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for pipe in self.pipes.lock().await.drain(..) {
            pipe.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// latchkeyd on a fresh PostgreSQL database that it reaches through a [`Proxy`] the test
/// can cut, waiting at most `acquire_timeout` for a connection.
pub(crate) async fn behind_a_proxy(acquire_timeout: Duration) -> (PgDatabase, Proxy, TestApp) {
    let (database, url) = PgDatabase::create().await;
    let proxy = Proxy::start().await;
    let proxied = url.replace("127.0.0.1:5432", &proxy.address.to_string());
    let app = TestApp::start(&proxied, |config| {
        config.store.acquire_timeout = acquire_timeout;
    })
    .await;
    (database, proxy, app)
}

#[tokio::test]
async fn a_database_outage_answers_503_quickly_and_recovers_by_itself() {
    let (database, proxy, app) = behind_a_proxy(Duration::from_secs(2)).await;
    let token = app.account("ada@example.com").await;

    proxy.cut().await;
    let outage = tokio::time::timeout(Duration::from_secs(15), app.client.me(&token))
        .await
        .expect("a 503 within the acquire timeout");
    assert!(
        matches!(outage, Err(Error::Api { status: 503, .. })),
        "{outage:?}"
    );
    let ready = app.http.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    assert_eq!(
        ready.json::<serde_json::Value>().await.unwrap()["error"],
        "unavailable"
    );
    // The process itself stays up.
    assert_eq!(
        app.http
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    proxy.restore();
    let mut recovered = false;
    for _ in 0..50 {
        if app.client.me(&token).await.is_ok() {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        recovered,
        "latchkeyd did not recover after the database came back"
    );
    assert_eq!(
        app.http
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    drop(app);
    drop(database);
}

/// The pool pings only connections that sat idle, so one that PostgreSQL ended a moment
/// ago is met by a request: that request is answered 503 (never 500), and the pool
/// replaces the connection.
#[tokio::test]
async fn connections_ended_by_the_server_answer_503_and_are_replaced() {
    let (database, url) = PgDatabase::create().await;
    let app = TestApp::start(&url, |_| {}).await;
    let token = app.account("ada@example.com").await;
    app.client.me(&token).await.unwrap();

    // What a restart does to every connection: the server ends each one (57P01).
    let admin = sqlx::PgPool::connect(&url).await.unwrap();
    let ended: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()) AS ended",
    )
    .fetch_one(&admin)
    .await
    .unwrap();
    assert!(ended > 0, "no latchkeyd connection to end");

    let mut unavailable = 0;
    let mut recovered = false;
    for _ in 0..20 {
        match app.client.me(&token).await {
            Ok(_) => {
                recovered = true;
                break;
            }
            Err(Error::Api { status: 503, .. }) => unavailable += 1,
            Err(other) => panic!("a request on an ended connection: {other:?}"),
        }
    }
    assert!(
        recovered,
        "still failing after {unavailable} answers of 503"
    );
    admin.close().await;
    drop(app);
    drop(database);
}

/// A `latchkeyd` process on `url`, killed when dropped. Both instances are one service:
/// they share the issuer (as behind a load balancer).
async fn instance(url: &str) -> LatchkeydProcess {
    let args = ["--database", url, "--issuer", "http://latchkey.test"];
    LatchkeydProcess::start(env!("CARGO_BIN_EXE_latchkeyd"), &args).await
}

#[tokio::test]
async fn two_instances_on_one_database_behave_as_one_service() {
    let (database, url) = PgDatabase::create().await;
    let a = instance(&url).await;
    let b = instance(&url).await;

    a.client.signup("ada@example.com", PASSWORD).await.unwrap();
    let token = b
        .client
        .login("ada@example.com", PASSWORD, &LoginRequest::default())
        .await
        .unwrap()
        .access_token;
    let key = a
        .client
        .create_client_key(&token, &CreateClientKeyRequest::default())
        .await
        .unwrap();
    let tokens = a
        .client
        .client_credentials(&key.client_id, &key.client_secret)
        .await
        .unwrap();

    // A client token from A verifies against B's JWKS.
    let keys =
        KeySet::from_jwks_json(b.client.jwks().await.unwrap().to_string().as_bytes()).unwrap();
    let rules = Validation::access("http://latchkey.test", "http://latchkey.test");
    let now = latchkey_core::Clock::now(&latchkey_core::SystemClock);
    latchkey_verify::verify(&tokens.access_token, &keys, &rules, now).unwrap();

    // A refresh token minted at A works at B.
    let refresh = tokens.refresh_token.unwrap();
    b.client.refresh(&refresh, None).await.unwrap();

    // A key deleted at A fails at B at once.
    a.client
        .delete_client_key(&token, &key.client_id)
        .await
        .unwrap();
    assert_eq!(
        b.client
            .client_credentials(&key.client_id, &key.client_secret)
            .await
            .unwrap_err()
            .status(),
        Some(401)
    );
    assert_eq!(
        b.client.refresh(&refresh, None).await.unwrap_err().status(),
        Some(400)
    );

    // Concurrent refreshes at both instances race a revoke: nothing minted works after it.
    let offline = LoginRequest {
        client_id: Some("app".into()),
        access_type: Some("offline".into()),
        expiration: None,
    };
    let refresh = a
        .client
        .login("ada@example.com", PASSWORD, &offline)
        .await
        .unwrap()
        .refresh_token
        .unwrap();
    let sid = decode(refresh.expose()).1["sid"]
        .as_str()
        .unwrap()
        .to_owned();
    let racers = refresh_at_both(&a.client, &b.client, &refresh, Some("app"));
    b.client.revoke_refresh_token(&token, &sid).await.unwrap();
    let mut minted = Vec::new();
    for racer in racers {
        if let Ok(tokens) = racer.await.unwrap() {
            minted.push(tokens.access_token);
        }
    }
    for access in minted {
        for instance in [&a, &b] {
            let status = instance.client.me(&access).await.unwrap_err().status();
            assert_eq!(
                status,
                Some(401),
                "a token minted in the race works after the revoke at {}",
                instance.address
            );
        }
    }
    for instance in [&a, &b] {
        assert_eq!(
            instance
                .client
                .refresh(&refresh, Some("app"))
                .await
                .unwrap_err()
                .status(),
            Some(400)
        );
    }

    // Rotation across instances: of concurrent refreshes of one token at both, one
    // rotates and every other gets its very tokens.
    let rotating = CreateClientKeyRequest {
        rotate_refresh_tokens: Some(true),
        ..CreateClientKeyRequest::default()
    };
    let key = a.client.create_client_key(&token, &rotating).await.unwrap();
    let first = b
        .client
        .client_credentials(&key.client_id, &key.client_secret)
        .await
        .unwrap()
        .refresh_token
        .unwrap();
    let racers = refresh_at_both(&a.client, &b.client, &first, None);
    let mut pairs = std::collections::HashSet::new();
    for racer in racers {
        let tokens = racer.await.unwrap().unwrap();
        pairs.insert((
            tokens.access_token,
            tokens.refresh_token.unwrap().expose().to_owned(),
        ));
    }
    assert_eq!(
        pairs.len(),
        1,
        "one rotation, shared by every concurrent refresh"
    );
    drop((a.child, b.child));
    drop(database);
}

/// Forty concurrent refreshes of `refresh`, alternately at the two instances `a` and `b`.
fn refresh_at_both(
    a: &latchkey_client::Client,
    b: &latchkey_client::Client,
    refresh: &latchkey_client::RefreshToken,
    client_id: Option<&'static str>,
) -> Vec<tokio::task::JoinHandle<latchkey_client::Result<latchkey_client::api::TokenResponse>>> {
    (0..40)
        .map(|i| {
            let client = if i % 2 == 0 { a.clone() } else { b.clone() };
            let refresh = refresh.clone();
            tokio::spawn(async move { client.refresh(&refresh, client_id).await })
        })
        .collect()
}
