//! The Wazo-compatible interface: the seed post's samples and rules.

use std::process::Command;

use latchkey_testkit::{PASSWORD, TestApp, backend_tests, decode};
use reqwest::Method;
use serde_json::Value;

backend_tests!(
    the_wazo_seed_curl_samples_work_as_written,
    a_refresh_token_needs_its_client_id_and_makes_no_refresh_token,
    a_refresh_token_needs_basic_credentials_to_be_created,
    access_type_offline_with_a_refresh_token_is_refused_as_wazo_auth_does,
    a_wazo_refresh_token_is_refused_as_x_auth_token_and_an_access_token_as_refresh,
    wazo_timestamps_and_ids_describe_the_token,
    a_users_refresh_tokens_can_be_listed_and_deleted_by_client_id,
);

/// Runs curl with `args` and returns the parsed JSON answer.
/// (Off the test's single-threaded runtime, which also serves the app.)
async fn curl(args: &[&str]) -> Value {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let output =
        tokio::task::spawn_blocking(move || Command::new("curl").arg("-s").args(&args).output())
            .await
            .unwrap()
            .expect("curl is installed");
    assert!(
        output.status.success(),
        "curl failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&output.stdout)))
}

async fn post(app: &TestApp, basic: Option<(&str, &str)>, body: Value) -> (u16, Value) {
    let mut request = app.http.post(app.url("/api/auth/0.1/token")).json(&body);
    if let Some((user, password)) = basic {
        request = request.basic_auth(user, Some(password));
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// Asserts that posting `body` (no credentials) is refused with `status` and `code`.
async fn assert_refused(app: &TestApp, body: Value, status: u16, code: &str) {
    let (got, error) = post(app, None, body).await;
    assert_eq!(
        (got, error["error"].as_str()),
        (status, Some(code)),
        "{error}"
    );
}

/// `method path` on the app, authenticated the Wazo way (`X-Auth-Token`).
async fn with_x_auth_token(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
) -> reqwest::Response {
    let request = app.http.request(method, app.url(path));
    request.header("X-Auth-Token", token).send().await.unwrap()
}

/// Asserts that renewing with `refresh_token` for `client_id` is refused as `invalid_grant`.
async fn assert_renewal_refused(app: &TestApp, client_id: &str, refresh_token: &str) {
    let body = serde_json::json!({"client_id": client_id, "refresh_token": refresh_token});
    assert_refused(app, body, 400, "invalid_grant").await;
}

/// Signs up alice and logs her in offline for the application "example": the answer.
async fn alice_offline(app: &TestApp) -> Value {
    app.signup("alice@example.com").await;
    let (status, offline) = post(
        app,
        Some(("alice@example.com", PASSWORD)),
        serde_json::json!({"client_id": "example", "access_type": "offline"}),
    )
    .await;
    assert_eq!(status, 200, "{offline}");
    offline
}

/// The seed post's three curl samples as written, against the Wazo token endpoint `url`
/// (alice signed up): a token, an offline refresh token, a token renewed with it (and no
/// new refresh token). Returns the renewed access token.
async fn seed_samples(url: &str) -> String {
    let user = format!("alice@example.com:{PASSWORD}");
    let token = curl_post(url, Some(&user), r#"{"expiration": 3600}"#).await;
    assert!(token["data"]["token"].is_string(), "{token}");
    let offline = curl_post(
        url,
        Some(&user),
        r#"{"client_id": "example", "access_type": "offline"}"#,
    )
    .await;
    let refresh = offline["data"]["refresh_token"].as_str().unwrap();
    let body =
        format!(r#"{{"expiration": 3600, "client_id": "example", "refresh_token": "{refresh}"}}"#);
    let renewed = curl_post(url, None, &body).await;
    assert!(renewed["data"].get("refresh_token").is_none(), "{renewed}");
    renewed["data"]["token"].as_str().unwrap().to_owned()
}

/// One seed sample: `curl -k -XPOST -H "Content-Type: application/json" [-u USER] URL -d BODY`.
async fn curl_post(url: &str, user: Option<&str>, body: &str) -> Value {
    let mut args = vec!["-k", "-XPOST", "-H", "Content-Type: application/json"];
    if let Some(user) = user {
        args.extend(["-u", user]);
    }
    args.extend([url, "-d", body]);
    curl(&args).await
}

async fn the_wazo_seed_curl_samples_work_as_written(app: TestApp) {
    app.signup("alice@example.com").await;
    let access = seed_samples(&app.url("/api/auth/0.1/token")).await;
    app.client.me(&access).await.unwrap();
}

async fn a_refresh_token_needs_its_client_id_and_makes_no_refresh_token(app: TestApp) {
    let offline = alice_offline(&app).await;
    let refresh = offline["data"]["refresh_token"].as_str().unwrap();
    assert_renewal_refused(&app, "other", refresh).await;
    let (status, _) = post(&app, None, serde_json::json!({"refresh_token": refresh})).await;
    assert_eq!(status, 400);
    let (status, renewed) = post(
        &app,
        None,
        serde_json::json!({"client_id": "example", "refresh_token": refresh}),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        renewed["data"].get("refresh_token").is_none(),
        "a refresh token cannot make a refresh token"
    );
}

/// wazo-auth refuses `access_type: offline` beside a `refresh_token` (its token request
/// schema), before it looks at any credentials.
async fn access_type_offline_with_a_refresh_token_is_refused_as_wazo_auth_does(app: TestApp) {
    let offline = alice_offline(&app).await;
    let refresh = offline["data"]["refresh_token"].as_str().unwrap();
    let basic = Some(("alice@example.com", PASSWORD));
    let ask_for_more = serde_json::json!({
        "client_id": "example", "refresh_token": refresh, "access_type": "offline"
    });
    for credentials in [None, basic] {
        let (status, error) = post(&app, credentials, ask_for_more.clone()).await;
        assert_eq!(
            (status, error["error"].as_str()),
            (400, Some("invalid_request")),
            "{error}"
        );
        assert_eq!(
            error["message"],
            r#"cannot use the "access_type" "offline" with a refresh token"#
        );
    }
}

async fn a_refresh_token_needs_basic_credentials_to_be_created(app: TestApp) {
    app.signup("alice@example.com").await;
    assert_refused(
        &app,
        serde_json::json!({"client_id": "example", "access_type": "offline"}),
        401,
        "invalid_credentials",
    )
    .await;
    let (status, _) = post(
        &app,
        Some(("alice@example.com", "wrong password")),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(status, 401);
}

async fn a_wazo_refresh_token_is_refused_as_x_auth_token_and_an_access_token_as_refresh(
    app: TestApp,
) {
    let offline = alice_offline(&app).await;
    let refresh = offline["data"]["refresh_token"].as_str().unwrap();
    let response = with_x_auth_token(&app, Method::GET, "/users/me", refresh).await;
    assert_eq!(response.status(), 401);
    let access = offline["data"]["token"].as_str().unwrap();
    assert_renewal_refused(&app, "example", access).await;
}

async fn wazo_timestamps_and_ids_describe_the_token(app: TestApp) {
    let account = app
        .client
        .signup("alice@example.com", PASSWORD)
        .await
        .unwrap();
    let (status, answer) = post(
        &app,
        Some((&account.id, PASSWORD)),
        serde_json::json!({"expiration": 60, "client_id": "example", "access_type": "offline"}),
    )
    .await;
    assert_eq!(status, 200);
    let data = &answer["data"];
    assert_eq!(data["auth_id"], account.id.as_str());
    let (_, claims) = decode(data["token"].as_str().unwrap());
    assert_eq!(data["session_uuid"], claims["sid"]);
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        60
    );
    for field in ["issued_at", "expires_at", "utc_issued_at", "utc_expires_at"] {
        let text = data[field].as_str().unwrap();
        assert_eq!(
            text.len(),
            "2019-12-02T15:42:45.123456".len(),
            "{field}: {text}"
        );
        assert_eq!(&text[10..11], "T");
    }
    assert_eq!(
        data["acl"],
        serde_json::json!(["nodes:read", "nodes:write"])
    );
}

async fn a_users_refresh_tokens_can_be_listed_and_deleted_by_client_id(app: TestApp) {
    let account = app
        .client
        .signup("alice@example.com", PASSWORD)
        .await
        .unwrap();
    let basic = Some(("alice@example.com", PASSWORD));
    let (_, first) = post(
        &app,
        basic,
        serde_json::json!({"client_id": "phone", "access_type": "offline"}),
    )
    .await;
    post(
        &app,
        basic,
        serde_json::json!({"client_id": "desktop", "access_type": "offline"}),
    )
    .await;
    let token = first["data"]["token"].as_str().unwrap();
    let list = |user: String| {
        app.http
            .get(app.url(&format!("/api/auth/0.1/users/{user}/tokens")))
            .header("X-Auth-Token", token)
            .send()
    };
    let listed: Value = list(account.id.clone())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["total"], 2);
    let mut apps: Vec<_> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["client_id"].as_str().unwrap().to_owned())
        .collect();
    apps.sort();
    assert_eq!(apps, ["desktop", "phone"]);
    assert_eq!(
        list("00000000-0000-4000-8000-000000000000".into())
            .await
            .unwrap()
            .status(),
        404
    );
    let desktop = "/api/auth/0.1/users/me/tokens/desktop";
    let delete = with_x_auth_token(&app, Method::DELETE, desktop, token).await;
    assert_eq!(delete.status(), 204);
    let listed: Value = list("me".into()).await.unwrap().json().await.unwrap();
    assert_eq!(listed["total"], 1);
    let again = with_x_auth_token(&app, Method::DELETE, desktop, token).await;
    assert_eq!(again.status(), 404);
}

/// The seed post's three samples exactly as written: HTTPS, `-k` and all.
#[tokio::test]
async fn the_wazo_seed_curl_samples_work_over_https_with_k() {
    let dir = latchkey_testkit::TempDir::new();
    let mut config = latchkeyd::Config::new(
        "127.0.0.1:0".parse().unwrap(),
        format!("sqlite://{}", dir.0.join("db").display()),
    );
    config.tls = Some(crate::tls::self_signed(&dir));
    let app = latchkeyd::Application::build(config).await.unwrap();
    let hostname = format!("127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    let https = reqwest::Client::builder()
        .tls_danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    let signup = serde_json::json!({"email": "alice@example.com", "password": PASSWORD});
    assert_eq!(
        https
            .post(format!("https://{hostname}/users"))
            .json(&signup)
            .send()
            .await
            .unwrap()
            .status(),
        201
    );

    let access = seed_samples(&format!("https://{hostname}/api/auth/0.1/token")).await;
    let me = https
        .get(format!("https://{hostname}/users/me"))
        .header("X-Auth-Token", &access)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
}
