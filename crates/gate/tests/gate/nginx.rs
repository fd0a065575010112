//! A real nginx with `examples/gateway/nginx.conf` and `rules.toml`, in front of a tiny
//! upstream that echoes the identity headers it receives, latchkeyd issuing the tokens
//! (bearer and DPoP-bound).
//!
//! nginx runs unprivileged-style with every file in a temporary directory (no master
//! process, no daemon; pid, logs and temp paths there). When nginx is not installed the
//! test says so loudly and passes, unless `LATCHKEY_REQUIRE_NGINX=1` (set by
//! `scripts/test-gate-nginx.sh`, which installs nginx first).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::HeaderMap;
use latchkey_client::DpopKey;
use latchkey_gate::Rules;
use latchkey_testkit::{TempDir, TestApp, free_address};
use latchkey_verify::Verifier;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::helpers::{TestGate, bound_client, read_only_client};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/gateway")
}

fn find_nginx() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("LATCHKEY_NGINX") {
        return Some(path.into());
    }
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.extend(["/usr/sbin", "/usr/local/sbin", "/usr/local/nginx/sbin"].map(PathBuf::from));
    dirs.into_iter()
        .map(|d| d.join("nginx"))
        .find(|p| p.is_file())
}

/// The upstream: counts requests and answers with the `X-Latchkey-*` headers it got
/// (every value of each, to catch a client's copy passed beside the gate's).
async fn start_upstream() -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    let app = axum::Router::new().fallback(move |headers: HeaderMap| {
        let counter = Arc::clone(&counter);
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            let mut seen = serde_json::Map::new();
            for name in headers
                .keys()
                .filter(|n| n.as_str().starts_with("x-latchkey-"))
            {
                let values: Vec<Value> = headers
                    .get_all(name)
                    .iter()
                    .map(|v| Value::from(v.to_str().unwrap_or("?")))
                    .collect();
                seen.insert(name.as_str().to_owned(), Value::Array(values));
            }
            axum::Json(json!({ "identity": seen }))
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (address, hits)
}

/// nginx running the example configuration; killed when dropped.
struct Nginx {
    url: String,
    address: String,
    _child: tokio::process::Child,
    _dir: TempDir,
}

impl Nginx {
    async fn start(binary: &Path, gate: &str, upstream: &str) -> Self {
        let dir = TempDir::new();
        let root = dir.path();
        let listen = free_address();
        let example = std::fs::read_to_string(examples().join("nginx.conf")).unwrap();
        let site = example
            .replace("server 127.0.0.1:8402;", &format!("server {gate};"))
            .replace("server 127.0.0.1:8080;", &format!("server {upstream};"))
            .replace("listen 8000;", &format!("listen {listen};"));
        assert_ne!(
            site, example,
            "the example's addresses moved: update this test"
        );
        std::fs::write(root.join("latchkey.conf"), site).unwrap();
        let r = root.display();
        let main = format!(
            "daemon off;\nmaster_process off;\nworker_processes 1;\npid {r}/nginx.pid;\n\
             error_log {r}/error.log info;\nevents {{ worker_connections 256; }}\n\
             http {{\n  access_log {r}/access.log;\n  client_body_temp_path {r}/body;\n  \
             proxy_temp_path {r}/proxy;\n  fastcgi_temp_path {r}/fastcgi;\n  \
             uwsgi_temp_path {r}/uwsgi;\n  scgi_temp_path {r}/scgi;\n  \
             include {r}/latchkey.conf;\n}}\n"
        );
        std::fs::write(root.join("nginx.conf"), main).unwrap();
        let child = tokio::process::Command::new(binary)
            .arg("-p")
            .arg(root)
            .arg("-c")
            .arg(root.join("nginx.conf"))
            .arg("-e")
            .arg(root.join("error.log"))
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(&listen).await.is_ok() {
                return Self {
                    url: format!("http://{listen}"),
                    address: listen,
                    _child: child,
                    _dir: dir,
                };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let log = std::fs::read_to_string(root.join("error.log")).unwrap_or_default();
        panic!("nginx did not start on {listen}:\n{log}");
    }

    /// Sends `target` byte for byte (an HTTP client would resolve its dot segments) and
    /// returns the status.
    async fn raw_status(&self, target: &str) -> u16 {
        let mut stream = tokio::net::TcpStream::connect(&self.address).await.unwrap();
        let request = format!("GET {target} HTTP/1.1\r\nHost: api\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        answer
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status in {answer}"))
    }
}

#[tokio::test]
async fn nginx_with_the_example_configuration_passes_identities_and_refuses_the_rest() {
    let Some(binary) = find_nginx() else {
        assert!(
            std::env::var_os("LATCHKEY_REQUIRE_NGINX").is_none(),
            "LATCHKEY_REQUIRE_NGINX is set but nginx was not found"
        );
        eprintln!(
            "\n*** SKIPPED: nginx is not installed; scripts/test-gate-nginx.sh installs it \
             and runs this test for real ***\n"
        );
        return;
    };
    let app = TestApp::spawn().await;
    let rules = Rules::load(&examples().join("rules.toml")).unwrap();
    let verifier = Verifier::builder(app.address.clone()).build().unwrap();
    verifier.fetch_keys().await.unwrap();
    let gate = TestGate::start_with(verifier, rules).await;
    let (upstream, hits) = start_upstream().await;
    let nginx = Nginx::start(&binary, gate.url.trim_start_matches("http://"), &upstream).await;

    let account = app.account("ada@example.com").await;
    let me = app.client.me(&account).await.unwrap();
    let (client, client_id) = read_only_client(&app, &account).await;
    let http = reqwest::Client::new();
    let get = |path: &str| http.get(format!("{}{path}", nginx.url));

    // A valid token passes, with the gate's identity and not the client's.
    let response = get("/api/items")
        .bearer_auth(&client)
        .header("X-Latchkey-Subject", "acct_forged")
        .header("X-Latchkey-Scope", "admin")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["identity"],
        json!({
            "x-latchkey-subject": [me.id],
            "x-latchkey-kind": ["client_access"],
            "x-latchkey-client-id": [client_id],
            "x-latchkey-scope": ["nodes:read"],
        })
    );
    // A public route: no token needed, and the client's identity headers are dropped.
    let response = get("/public/docs")
        .header("X-Latchkey-Subject", "acct_forged")
        .header("X-Latchkey-Kind", "account_access")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["identity"], json!({}));
    let passed = hits.load(Ordering::SeqCst);
    assert_eq!(passed, 2);

    // Refusals never reach the upstream.
    let response = get("/api/items").send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    let response = get("/api/items")
        .bearer_auth("xxxxxx.xxxxxx.xxxxxx")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let challenge = response.headers()["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.starts_with(r#"Bearer error="invalid_token""#),
        "{challenge}"
    );
    let response = get("/api/items")
        .header("X-Auth-Token", "garbage")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let response = http
        .post(format!("{}/api/items", nginx.url))
        .bearer_auth(&client)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let response = get("/elsewhere")
        .bearer_auth(&account)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    // The client cannot pick the path the gate judges.
    let response = get("/api/items")
        .header("X-Forwarded-Method", "GET")
        .header("X-Forwarded-Uri", "/public/x")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(nginx.raw_status("/public/../api/items").await, 401);
    // An ambiguous path: the gate's 400 is nginx's 500, and nothing passes.
    assert_eq!(nginx.raw_status("/public/%2e%2e/api/items").await, 500);
    assert_eq!(hits.load(Ordering::SeqCst), passed);

    // A DPoP-bound token passes with a proof for the URL the client addressed (nginx
    // forwards the DPoP header, its scheme and its host); the proof is good once, and
    // the client cannot name another host for it.
    let dpop = DpopKey::generate().unwrap();
    let (bound, key) = bound_client(&app, &account, &dpop).await;
    let url = format!("{}/api/items", nginx.url);
    let with_proof = |proof: &str| {
        http.get(&url)
            .header("Authorization", format!("DPoP {bound}"))
            .header("DPoP", proof)
    };
    let proof = dpop.proof("GET", &url, Some(&bound));
    let response = with_proof(&proof).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["identity"]["x-latchkey-subject"], json!([me.id]));
    assert_eq!(
        body["identity"]["x-latchkey-client-id"],
        json!([key.client_id])
    );
    let response = with_proof(&proof).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let challenge = response.headers()["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.starts_with(r#"DPoP error="invalid_dpop_proof""#),
        "{challenge}"
    );
    let elsewhere = dpop.proof("GET", "http://other.example/api/items", Some(&bound));
    let response = with_proof(&elsewhere)
        .header("X-Forwarded-Proto", "http")
        .header("X-Forwarded-Host", "other.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let response = get("/api/items").bearer_auth(&bound).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert!(
        response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with(r#"DPoP error="invalid_token""#)
    );
    assert_eq!(hits.load(Ordering::SeqCst), passed + 1);
}
