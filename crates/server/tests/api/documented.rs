//! Answers the rest of the suite never meets, so that each response the OpenAPI document
//! promises is given at least once (the test kit holds every one against the document):
//! a locked client key on every interface that authenticates one, the Wazo login's
//! lockout, 413 wherever a body is read, account endpoints refusing a missing or a client
//! token, and 503 on every interface while the database is down.

use std::time::Duration;

use latchkey_client::ClientSecret;
use latchkey_testkit::{PASSWORD, Reply, TestApp, backend_tests};
use reqwest::Method;
use serde_json::{Value, json};

use crate::oauth2_kit::{Auth, form};
use crate::postgres::behind_a_proxy;

backend_tests!(
    every_oauth2_endpoint_refuses_a_locked_client_key_with_429,
    the_wazo_login_is_locked_like_the_native_one,
    bodies_over_64_kib_are_413_wherever_a_body_is_read,
    account_endpoints_refuse_a_missing_or_a_client_token,
);

const EMAIL: &str = "ada@example.com";
/// A session id no test creates.
const SESSION: &str = "00000000-0000-4000-8000-000000000000";
const OAUTH2: [&str; 3] = ["/oauth2/token", "/oauth2/introspect", "/oauth2/revoke"];
/// Fields that each OAuth 2 endpoint reads past client authentication.
const OAUTH2_FIELDS: [(&str, &str); 2] = [("grant_type", "client_credentials"), ("token", "x")];

#[track_caller]
fn assert_refused(reply: &Reply, status: u16, code: &str, what: &str) {
    let got = (reply.status, reply.error());
    assert_eq!(got, (status, code), "{what}: {}", reply.text);
}

/// `method path` with `token` as bearer and `body` as JSON, if any.
async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Reply {
    let mut request = app.http.request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    app.send(request).await
}

async fn every_oauth2_endpoint_refuses_a_locked_client_key_with_429(app: TestApp) {
    app.clock.freeze();
    let (_, key) = app.account_with_key(EMAIL).await;
    let mut wrong = key.clone();
    wrong.client_secret = ClientSecret::new("0".repeat(key.client_secret.expose().len()));
    for _ in 0..10 {
        let reply = form(&app, OAUTH2[0], Auth::Basic(&wrong), &OAUTH2_FIELDS).await;
        assert!(matches!(reply.status, 401 | 429), "{}", reply.text);
        app.clock.advance(10);
    }
    for path in OAUTH2 {
        let reply = form(&app, path, Auth::Basic(&key), &OAUTH2_FIELDS).await;
        assert_refused(&reply, 429, "temporarily_unavailable", path);
        assert!(reply.headers.contains_key("retry-after"), "{path}");
    }
}

async fn the_wazo_login_is_locked_like_the_native_one(app: TestApp) {
    app.clock.freeze();
    app.account(EMAIL).await;
    let login = |password: &str| {
        let request = app.http.post(app.url("/api/auth/0.1/token"));
        app.send(request.basic_auth(EMAIL, Some(password)))
    };
    // Five free failures, then a delay of a second that the frozen clock never ends.
    for _ in 0..6 {
        assert_eq!(login("wrong password").await.status, 401);
    }
    let locked = login(PASSWORD).await;
    assert_refused(&locked, 429, "too_many_attempts", "the right password");
    assert!(locked.headers.contains_key("retry-after"));
}

async fn bodies_over_64_kib_are_413_wherever_a_body_is_read(app: TestApp) {
    let token = app.account(EMAIL).await;
    let body = json!({"name": "x".repeat(64 * 1024)});
    for (method, path) in [
        (Method::POST, "/client-keys"),
        (Method::PUT, "/users/me/password"),
    ] {
        let reply = call(&app, method, path, &token, Some(body.clone())).await;
        assert_refused(&reply, 413, "payload_too_large", path);
    }
}

async fn account_endpoints_refuse_a_missing_or_a_client_token(app: TestApp) {
    let (_, key) = app.account_with_key(EMAIL).await;
    let grant = app
        .client
        .client_credentials(&key.client_id, &key.client_secret);
    let client = grant.await.unwrap().access_token;
    let events = app.send(app.http.get(app.url("/users/me/events"))).await;
    assert_refused(&events, 401, "invalid_token", "no token");
    let session = format!("/refresh-tokens/{SESSION}");
    for (method, path) in [
        (Method::GET, "/users/me/events"),
        (Method::DELETE, &session),
    ] {
        let reply = call(&app, method, path, &client, None).await;
        assert_refused(&reply, 403, "insufficient_token_kind", path);
    }
}

/// Every interface, native, OAuth 2 and Wazo, answers 503 in its own error shape while
/// the database is unreachable. (PostgreSQL: the database sits behind a proxy to cut.)
#[tokio::test]
async fn every_interface_answers_503_while_the_database_is_down() {
    let (database, proxy, app) = behind_a_proxy(Duration::from_secs(1)).await;
    let (token, key) = app.account_with_key(EMAIL).await;
    proxy.cut().await;

    let signup = json!({"email": "bob@example.com", "password": PASSWORD});
    let grant = json!({"grantType": "clientCredentials", "clientId": key.client_id, "clientSecret": key.client_secret});
    let password = json!({"currentPassword": PASSWORD, "newPassword": "a brand new password"});
    let (key_path, session_path) = (
        format!("/client-keys/{}", key.client_id),
        format!("/refresh-tokens/{SESSION}"),
    );
    let native = [
        (Method::POST, "/users", Some(signup)),
        (Method::POST, "/auth/token", Some(grant)),
        (Method::PUT, "/users/me/password", Some(password)),
        (Method::GET, "/users/me/events", None),
        (Method::POST, "/client-keys", None),
        (Method::GET, "/client-keys", None),
        (Method::DELETE, &key_path, None),
        (Method::GET, "/refresh-tokens", None),
        (Method::DELETE, "/refresh-tokens", None),
        (Method::DELETE, &session_path, None),
        (Method::GET, "/api/auth/0.1/users/me/tokens", None),
        (Method::DELETE, "/api/auth/0.1/users/me/tokens/app", None),
    ];
    for (method, path, body) in native {
        let reply = call(&app, method, path, &token, body).await;
        assert_refused(&reply, 503, "unavailable", path);
    }
    for path in ["/auth/login", "/api/auth/0.1/token"] {
        let request = app
            .http
            .post(app.url(path))
            .basic_auth(EMAIL, Some(PASSWORD));
        assert_refused(&app.send(request).await, 503, "unavailable", path);
    }
    for path in OAUTH2 {
        let reply = form(&app, path, Auth::Basic(&key), &OAUTH2_FIELDS).await;
        assert_refused(&reply, 503, "temporarily_unavailable", path);
    }
    drop(app);
    drop(database);
}
