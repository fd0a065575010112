//! Running the service: probes, published keys, restarts, configuration, the CLI.

use std::process::{Command, Stdio};

use latchkey_client::api::LoginRequest;
use latchkey_testkit::{
    LatchkeydProcess, PASSWORD, TempDir, TestApp, assert_api_error, backend_tests, decode,
    run_with_stdin,
};
use latchkey_verify::{KeySet, Validation};

backend_tests!(
    health_and_readiness_answer_ok,
    the_jwks_alone_verifies_an_access_token,
    signing_keys_survive_a_restart,
    the_openapi_document_is_served,
);

async fn health_and_readiness_answer_ok(app: TestApp) {
    for path in ["/healthz", "/readyz"] {
        let body: serde_json::Value = app.get_json(path).await;
        assert_eq!(body["status"], "ok");
    }
}

async fn the_jwks_alone_verifies_an_access_token(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let tokens = app.client_grant(&key).await;
    let jwks = app.client.jwks().await.unwrap();
    assert_eq!(jwks["keys"][0]["kty"], "OKP");
    assert_eq!(jwks["keys"][0]["alg"], "EdDSA");
    let keys = KeySet::from_jwks_json(jwks.to_string().as_bytes()).unwrap();
    let rules = Validation::access(&app.address, &app.address);
    let now = latchkey_core::Clock::now(&latchkey_core::SystemClock);
    let claims = latchkey_verify::verify(&tokens.access_token, &keys, &rules, now).unwrap();
    assert_eq!(claims.client_id.as_deref(), Some(key.client_id.as_str()));
}

async fn signing_keys_survive_a_restart(app: TestApp) {
    let token = app.account("ada@example.com").await;
    let (header, _) = decode(&token);
    let restarted = TestApp::start(&app.database_url, |_| {}).await;
    let (fresh, _) = decode(
        &restarted
            .client
            .login("ada@example.com", PASSWORD, &LoginRequest::default())
            .await
            .unwrap()
            .access_token,
    );
    assert_eq!(header["kid"], fresh["kid"]);
    assert_eq!(
        restarted.client.jwks().await.unwrap(),
        app.client.jwks().await.unwrap()
    );
}

async fn the_openapi_document_is_served(app: TestApp) {
    let doc: serde_json::Value = app.get_json("/openapi.json").await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/users",
        "/auth/login",
        "/auth/token",
        "/client-keys",
        "/refresh-tokens",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is not documented");
    }
}

#[tokio::test]
async fn sign_up_can_be_closed_by_configuration() {
    let app = TestApp::spawn_with(|config| config.policies.signup_open = false).await;
    assert_api_error(
        app.client.signup("ada@example.com", PASSWORD).await,
        403,
        "signup_closed",
    );
}

#[tokio::test]
async fn latchkeyd_user_add_creates_an_account_even_with_sign_up_closed() {
    let dir = TempDir::new();
    let url = format!("sqlite://{}", dir.0.join("latchkey.db").display());
    let output = run_with_stdin(
        Command::new(env!("CARGO_BIN_EXE_latchkeyd")).args([
            "user",
            "add",
            "--email",
            "Ops@Example.com",
            "--password-stdin",
            "--database",
            &url,
        ]),
        &format!("{PASSWORD}\n"),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("ops@example.com"));
    let app = TestApp::start(&url, |config| config.policies.signup_open = false).await;
    app.client
        .login("ops@example.com", PASSWORD, &LoginRequest::default())
        .await
        .unwrap();
}

#[tokio::test]
async fn latchkeyd_user_add_without_a_terminal_or_stdin_flag_fails_clearly() {
    let dir = TempDir::new();
    let url = format!("sqlite://{}", dir.0.join("latchkey.db").display());
    let output = Command::new(env!("CARGO_BIN_EXE_latchkeyd"))
        .args([
            "user",
            "add",
            "--email",
            "ops@example.com",
            "--database",
            &url,
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--password-stdin"));
}

#[tokio::test]
async fn the_server_stops_gracefully_when_told_to() {
    let dir = TempDir::new();
    let config = latchkeyd::Config::new(
        "127.0.0.1:0".parse().unwrap(),
        format!("sqlite://{}", dir.0.join("db").display()),
    );
    let app = latchkeyd::Application::build(config).await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

fn json(value: impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(value).unwrap()
}

/// The field names of a JSON object, or of the first element of an array of objects.
fn fields(value: &serde_json::Value) -> Vec<String> {
    let object = value.as_array().and_then(|a| a.first()).unwrap_or(value);
    let mut keys: Vec<_> = object
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    keys.sort();
    keys
}

#[tokio::test]
async fn documented_examples_have_the_fields_of_real_responses() {
    let app = TestApp::spawn().await;
    let doc: serde_json::Value = app.get_json("/openapi.json").await;
    let example = |pointer: &str| {
        doc.pointer(pointer)
            .unwrap_or_else(|| panic!("no example at {pointer}"))
            .clone()
    };
    let account = app
        .client
        .signup("ada@example.com", PASSWORD)
        .await
        .unwrap();
    let login = app
        .client
        .login(&account.id, PASSWORD, &LoginRequest::default())
        .await
        .unwrap();
    let token = login.access_token.clone();
    let key = app
        .client
        .create_client_key(&token, &Default::default())
        .await
        .unwrap();
    let grant = app.client_grant(&key).await;
    let refreshed = app
        .client
        .refresh(grant.refresh_token.as_ref().unwrap(), None)
        .await
        .unwrap();
    let cases = [
        (
            "/paths/~1users/post/responses/201/content/application~1json/example",
            json(account),
        ),
        (
            "/paths/~1auth~1login/post/responses/200/content/application~1json/examples/plain/value",
            json(login),
        ),
        (
            "/paths/~1client-keys/post/responses/201/content/application~1json/example",
            json(key),
        ),
        (
            "/paths/~1auth~1token/post/responses/200/content/application~1json/examples/clientCredentials/value",
            json(grant),
        ),
        (
            "/paths/~1auth~1token/post/responses/200/content/application~1json/examples/refreshToken/value",
            json(refreshed),
        ),
        (
            "/paths/~1users~1me/get/responses/200/content/application~1json/example",
            json(app.client.me(&token).await.unwrap()),
        ),
        (
            "/paths/~1client-keys/get/responses/200/content/application~1json/example",
            json(app.client.client_keys(&token).await.unwrap()),
        ),
        (
            "/paths/~1refresh-tokens/get/responses/200/content/application~1json/example",
            json(app.client.refresh_tokens(&token).await.unwrap()),
        ),
        (
            "/paths/~1.well-known~1jwks.json/get/responses/200/content/application~1json/example/keys",
            app.client.jwks().await.unwrap()["keys"].clone(),
        ),
    ];
    for (pointer, real) in cases {
        let documented = example(pointer);
        assert_eq!(fields(&documented), fields(&real), "{pointer}");
    }
}

#[tokio::test]
async fn the_binary_exits_cleanly_on_sigterm() {
    let dir = TempDir::new();
    let url = format!("sqlite://{}", dir.0.join("latchkey.db").display());
    let mut process =
        LatchkeydProcess::start(env!("CARGO_BIN_EXE_latchkeyd"), &["--database", &url]).await;
    let pid = process.child.id().unwrap().to_string();
    let killed = tokio::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(std::time::Duration::from_secs(10), process.child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "latchkeyd exited with {status}");
}
