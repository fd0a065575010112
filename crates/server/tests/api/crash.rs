//! Crash safety: under load, `kill -9` the real `latchkeyd` process at a random moment,
//! restart it on the same database (an SQLite file, or a PostgreSQL database), and check
//! that every client key and refresh token whose creation was acknowledged (a 2xx
//! response received) still works.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use latchkey_client::api::{CreateClientKeyRequest, LoginRequest};
use latchkey_client::{Client, ClientSecret, RefreshToken};
use latchkey_testkit::{LatchkeydProcess, PASSWORD, PgDatabase, TempDir};

/// Requests in flight at once.
const WORKERS: usize = 8;
/// Most operations before the kill, whatever happens (bounds the run).
const MAX_OPERATIONS: usize = 2_000;
/// A fixed issuer, so the restarted process (on another port) accepts the old tokens.
const ISSUER: &str = "http://latchkey.test";

/// `latchkeyd` on `database`, with the fixed issuer.
async fn start(database: &str) -> LatchkeydProcess {
    let args = ["--database", database, "--issuer", ISSUER];
    LatchkeydProcess::start(env!("CARGO_BIN_EXE_latchkeyd"), &args).await
}

/// What the server acknowledged before it died.
#[derive(Default)]
struct Acknowledged {
    keys: Vec<(String, ClientSecret)>,
    refresh_tokens: Vec<RefreshToken>,
    operations: usize,
}

async fn worker(
    n: usize,
    client: Client,
    account: String,
    first_key: (String, ClientSecret),
    acked: Arc<Mutex<Acknowledged>>,
) {
    let mut key = first_key;
    for round in 0.. {
        {
            let mut acked = acked.lock().unwrap();
            if acked.operations >= MAX_OPERATIONS {
                return;
            }
            acked.operations += 1;
        }
        let bounded = Duration::from_secs(5);
        if (round + n).is_multiple_of(2) {
            let created = tokio::time::timeout(
                bounded,
                client.create_client_key(&account, &CreateClientKeyRequest::default()),
            )
            .await;
            let Ok(Ok(created)) = created else { return };
            key = (created.client_id, created.client_secret);
            acked.lock().unwrap().keys.push(key.clone());
        } else {
            let granted =
                tokio::time::timeout(bounded, client.client_credentials(&key.0, &key.1)).await;
            let Ok(Ok(granted)) = granted else { return };
            let refresh = granted.refresh_token.unwrap();
            acked.lock().unwrap().refresh_tokens.push(refresh);
        }
    }
}

#[tokio::test]
async fn acknowledged_keys_and_refresh_tokens_survive_a_kill_9_on_sqlite() {
    let dir = TempDir::new();
    survive_a_kill_9(&format!("sqlite://{}", dir.0.join("latchkey.db").display())).await;
}

#[tokio::test]
async fn acknowledged_keys_and_refresh_tokens_survive_a_kill_9_on_postgres() {
    let (_database, url) = PgDatabase::create().await;
    survive_a_kill_9(&url).await;
}

async fn survive_a_kill_9(database: &str) {
    let mut server = start(database).await;
    let client = server.client.clone();
    client.signup("ada@example.com", PASSWORD).await.unwrap();
    let account = client
        .login("ada@example.com", PASSWORD, &LoginRequest::default())
        .await
        .unwrap()
        .access_token;
    let first = client
        .create_client_key(&account, &CreateClientKeyRequest::default())
        .await
        .unwrap();
    let first = (first.client_id, first.client_secret);

    let acked = Arc::new(Mutex::new(Acknowledged::default()));
    acked.lock().unwrap().keys.push(first.clone());
    let workers: Vec<_> = (0..WORKERS)
        .map(|n| {
            tokio::spawn(worker(
                n,
                client.clone(),
                account.clone(),
                first.clone(),
                Arc::clone(&acked),
            ))
        })
        .collect();

    // A random moment between 150 and 1150 ms into the load.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let delay = Duration::from_millis(150 + u64::from(nanos % 1000));
    tokio::time::sleep(delay).await;
    server.child.start_kill().unwrap(); // SIGKILL: no graceful shutdown, no flush.
    let status = server.child.wait().await.unwrap();
    assert!(
        !status.success(),
        "latchkeyd was killed, not stopped: {status}"
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    for w in workers {
        tokio::time::timeout(deadline - Instant::now(), w)
            .await
            .expect("the workers stop once the server is gone")
            .unwrap();
    }

    let acked = std::mem::take(&mut *acked.lock().unwrap());
    eprintln!(
        "killed after {delay:?} and {} operations: {} keys and {} refresh tokens acknowledged",
        acked.operations,
        acked.keys.len(),
        acked.refresh_tokens.len()
    );
    assert!(
        acked.keys.len() + acked.refresh_tokens.len() > 1,
        "no load before the kill"
    );

    let server = start(database).await;
    let client = &server.client;
    for (id, secret) in &acked.keys {
        client
            .client_credentials(id, secret)
            .await
            .unwrap_or_else(|e| panic!("acknowledged client key {id} lost: {e}"));
    }
    for (i, token) in acked.refresh_tokens.iter().enumerate() {
        client
            .refresh(token, None)
            .await
            .unwrap_or_else(|e| panic!("acknowledged refresh token #{i} lost: {e}"));
    }
}
