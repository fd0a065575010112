//! Hardening: metrics, security headers, CORS and the password policy (TLS is in
//! `tls.rs`).

use latchkey_client::api::LoginRequest;
use latchkey_testkit::{PASSWORD, TempDir, TestApp, backend_tests};
use latchkeyd::config::{Options, TlsFiles};
use latchkeyd::{Application, Config};
use reqwest::header::{HeaderMap, HeaderValue};

backend_tests!(
    metrics_count_requests_by_route_template_and_status,
    metrics_count_tokens_issued_and_login_failures,
    every_response_carries_the_security_headers,
    cors_is_closed_by_default,
    signup_refuses_common_passwords_and_says_why,
    the_password_may_not_be_the_email_or_the_account_id,
);

async fn get(app: &TestApp, path: &str) -> (u16, HeaderMap, String) {
    let response = app.http.get(app.url(path)).send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

/// The value of the sample `name` (with its labels) in an exposition.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .map(|v| v.parse().unwrap())
}

async fn metrics_count_requests_by_route_template_and_status(app: TestApp) {
    let (token, key) = app.account_with_key("ada@example.com").await;
    app.client
        .delete_client_key(&token, &key.client_id)
        .await
        .unwrap();
    get(&app, "/no/such/path/12345").await;
    get(&app, "/healthz").await;
    let (status, headers, text) = get(&app, "/metrics").await;
    assert_eq!(status, 200);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let count = |labels: &str| {
        sample(
            &text,
            &format!("latchkey_http_request_duration_seconds_count{{{labels}}}"),
        )
    };
    assert_eq!(
        count("method=\"POST\",route=\"/auth/login\",status=\"200\""),
        Some(1.0)
    );
    assert_eq!(
        count("method=\"GET\",route=\"/healthz\",status=\"200\""),
        Some(1.0)
    );
    // The template, never the raw path: no client id, no junk path in a label.
    assert_eq!(
        count("method=\"DELETE\",route=\"/client-keys/{client_id}\",status=\"204\""),
        Some(1.0)
    );
    assert_eq!(
        count("method=\"GET\",route=\"unmatched\",status=\"404\""),
        Some(1.0)
    );
    assert!(!text.contains(&key.client_id) && !text.contains("12345"));
    assert!(text.contains("# TYPE latchkey_http_request_duration_seconds histogram"));
    // SQLite has a single writer and a reader pool; PostgreSQL one pool.
    if app.database_url.starts_with("sqlite:") {
        assert_eq!(
            sample(&text, "latchkey_db_pool_max_connections{pool=\"write\"}"),
            Some(1.0)
        );
        assert!(
            sample(
                &text,
                "latchkey_db_pool_connections{pool=\"read\",state=\"idle\"}"
            )
            .is_some()
        );
    } else {
        assert_eq!(
            sample(&text, "latchkey_db_pool_max_connections{pool=\"postgres\"}"),
            Some(8.0)
        );
        assert!(
            sample(
                &text,
                "latchkey_db_pool_connections{pool=\"postgres\",state=\"idle\"}"
            )
            .is_some()
        );
    }
}

async fn metrics_count_tokens_issued_and_login_failures(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    app.client_grant(&key).await;
    let _ = app
        .client
        .login(
            "ada@example.com",
            "wrong password",
            &LoginRequest::default(),
        )
        .await;
    let (_, _, text) = get(&app, "/metrics").await;
    let issued = |kind: &str| {
        sample(
            &text,
            &format!("latchkey_tokens_issued_total{{kind=\"{kind}\"}}"),
        )
    };
    assert_eq!(issued("account_access"), Some(1.0));
    assert_eq!(issued("client_access"), Some(1.0));
    assert_eq!(issued("client_refresh"), Some(1.0));
    assert_eq!(issued("account_refresh"), Some(0.0));
    assert_eq!(sample(&text, "latchkey_login_failures_total"), Some(1.0));
    assert_eq!(sample(&text, "latchkey_lockouts_total"), Some(0.0));
    assert_eq!(
        sample(
            &text,
            "latchkey_refresh_token_reuse_total{outcome=\"detected\"}"
        ),
        Some(0.0)
    );
}

#[tokio::test]
async fn metrics_can_move_to_their_own_listener() {
    let dir = TempDir::new();
    let mut config = Config::new(
        "127.0.0.1:0".parse().unwrap(),
        format!("sqlite://{}", dir.0.join("latchkey.db").display()),
    );
    config.metrics_listen = Some("127.0.0.1:0".parse().unwrap());
    let app = Application::build(config).await.unwrap();
    let (port, metrics_port) = (app.port(), app.metrics_port().unwrap());
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    let http = reqwest::Client::new();
    let main = http
        .get(format!("http://127.0.0.1:{port}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(main.status(), 404);
    http.get(format!("http://127.0.0.1:{port}/healthz"))
        .send()
        .await
        .unwrap();
    let metrics = format!("http://127.0.0.1:{metrics_port}/metrics");
    let text = latchkey_testkit::text_at(&http, &metrics).await;
    assert!(text.contains("route=\"/healthz\",status=\"200\""));
}

async fn every_response_carries_the_security_headers(app: TestApp) {
    for path in ["/healthz", "/users/me", "/nope", "/.well-known/jwks.json"] {
        let (_, headers, _) = get(&app, path).await;
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer");
        assert_eq!(headers["x-frame-options"], "DENY");
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .starts_with("default-src 'none'")
        );
        // Plain HTTP: HSTS would be meaningless (and ignored by browsers).
        assert!(!headers.contains_key("strict-transport-security"));
    }
    let (status, _) = app.post_raw("/auth/token", "{").await;
    assert_eq!(status, 400);
}

async fn preflight(app: &TestApp, origin: &str) -> (u16, HeaderMap) {
    let response = app
        .http
        .request(reqwest::Method::OPTIONS, app.url("/auth/token"))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type, authorization",
        )
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.headers().clone())
}

async fn cors_is_closed_by_default(app: TestApp) {
    let (_, headers) = preflight(&app, "https://console.example.com").await;
    assert!(!headers.contains_key("access-control-allow-origin"));
    let response = app
        .http
        .get(app.url("/healthz"))
        .header("origin", "https://console.example.com")
        .send()
        .await
        .unwrap();
    assert!(
        !response
            .headers()
            .contains_key("access-control-allow-origin")
    );
}

#[tokio::test]
async fn cors_allows_exactly_the_listed_origins() {
    let app = TestApp::spawn_with(|config| {
        config.cors_allowed_origins = vec![HeaderValue::from_static("https://console.example.com")];
    })
    .await;
    let (status, headers) = preflight(&app, "https://console.example.com").await;
    assert_eq!(status, 200);
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://console.example.com"
    );
    let methods = headers["access-control-allow-methods"].to_str().unwrap();
    assert!(methods.contains("POST"));
    let allowed = headers["access-control-allow-headers"].to_str().unwrap();
    assert!(allowed.contains("authorization") && allowed.contains("content-type"));
    assert!(!headers.contains_key("access-control-allow-credentials"));
    assert_eq!(headers["x-content-type-options"], "nosniff");

    let (_, headers) = preflight(&app, "https://evil.example.com").await;
    assert!(!headers.contains_key("access-control-allow-origin"));

    let response = app
        .http
        .get(app.url("/.well-known/jwks.json"))
        .header("origin", "https://console.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://console.example.com"
    );
}

async fn signup_refuses_common_passwords_and_says_why(app: TestApp) {
    for password in ["12345678", "password1", "qwertyuiop"] {
        let (status, body) = app
            .post_raw(
                "/users",
                &serde_json::json!({"email": "ada@example.com", "password": password}).to_string(),
            )
            .await;
        assert_eq!(status, 400, "{password}");
        assert_eq!(body["error"], "invalid_request");
        let message = body["message"].as_str().unwrap();
        assert!(
            message.starts_with("this password is too easy to guess"),
            "{message}"
        );
        assert!(!message.contains(password), "{message}");
    }
    app.signup("ada@example.com").await;
}

async fn the_password_may_not_be_the_email_or_the_account_id(app: TestApp) {
    let (status, body) = app
        .post_raw(
            "/users",
            r#"{"email": "grace.hopper@example.com", "password": "Grace.Hopper@example.com"}"#,
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("email address or account id")
    );

    let token = app.account("ada@example.com").await;
    let me = app.client.me(&token).await.unwrap();
    let result = app.client.change_password(&token, PASSWORD, &me.id).await;
    latchkey_testkit::assert_api_error(result, 400, "invalid_request");
}

#[tokio::test]
async fn a_minimum_score_of_zero_turns_the_estimator_off() {
    let app = TestApp::spawn_with(|config| {
        config.policies.password_min_score = 0;
    })
    .await;
    app.client
        .signup("ada@example.com", "12345678")
        .await
        .unwrap();
}

#[test]
fn the_file_sets_the_hardening_settings() {
    let dir = TempDir::new();
    let path = dir.0.join("latchkey.toml");
    std::fs::write(
        &path,
        "metrics_listen = \"127.0.0.1:9464\"\npassword_min_score = 2\ntls_cert = \"/etc/latchkey/cert.pem\"\ntls_key = \"/etc/latchkey/key.pem\"\ncors_allowed_origins = [\"https://console.example.com\"]\n",
    )
    .unwrap();
    let options = Options {
        config: Some(path.clone()),
        ..Options::default()
    };
    let config = Config::load(&options).unwrap();
    assert_eq!(config.metrics_listen.unwrap().port(), 9464);
    assert_eq!(config.policies.password_min_score, 2);
    assert_eq!(
        config.tls,
        Some(TlsFiles {
            cert: "/etc/latchkey/cert.pem".into(),
            key: "/etc/latchkey/key.pem".into(),
        })
    );
    assert_eq!(config.cors_allowed_origins, ["https://console.example.com"]);

    let defaults = Config::load(&Options::default()).unwrap();
    assert_eq!(defaults.policies.password_min_score, 3);
    assert!(defaults.tls.is_none() && defaults.metrics_listen.is_none());
    assert!(defaults.cors_allowed_origins.is_empty());

    for bad in [
        "password_min_score = 5",
        "tls_cert = \"/etc/latchkey/cert.pem\"",
        "cors_allowed_origins = [\"*\"]",
    ] {
        std::fs::write(&path, bad).unwrap();
        assert!(Config::load(&options).is_err(), "{bad}");
    }
}
