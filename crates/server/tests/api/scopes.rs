//! Scoped client keys and scoped refresh tokens, on the native and the OAuth 2 interface:
//! a request may narrow the grant's scope, never widen it, and a narrowed client-credentials
//! grant makes a narrowed session that every later refresh keeps.

use latchkey_client::RefreshToken;
use latchkey_client::api::{CreateClientKeyRequest, TokenRequest};
use latchkey_core::Scope;
use latchkey_testkit::{TestApp, assert_api_error, backend_tests, decode};

use crate::oauth2_kit::{Auth, another_key, claim, client_token, form, refresh};

backend_tests!(
    a_key_with_a_scope_outside_the_service_s_is_400_invalid_scope,
    a_key_s_tokens_carry_the_key_s_scope,
    native_client_credentials_may_narrow_but_never_widen,
    oauth_client_credentials_may_narrow_but_never_widen,
    a_narrowed_native_session_stays_narrow_on_every_refresh,
    a_narrowed_oauth_session_stays_narrow_on_every_refresh,
    a_refresh_narrows_only_the_access_token_it_returns,
    a_rotated_refresh_token_keeps_its_session_s_scope,
);

fn scope(text: &str) -> Option<Scope> {
    Some(Scope::parse(text).unwrap())
}

async fn read_only_key(app: &TestApp) -> latchkey_client::api::CreatedClientKey {
    let token = app.account("reader@example.com").await;
    another_key(
        app,
        &token,
        &CreateClientKeyRequest {
            scope: scope("nodes:read"),
            ..CreateClientKeyRequest::default()
        },
    )
    .await
}

fn native(key: &latchkey_client::api::CreatedClientKey, asked: Option<&str>) -> TokenRequest {
    TokenRequest {
        grant_type: "clientCredentials".into(),
        client_id: Some(key.client_id.clone()),
        client_secret: Some(key.client_secret.clone()),
        scope: asked.and_then(scope),
        ..TokenRequest::default()
    }
}

async fn a_key_with_a_scope_outside_the_service_s_is_400_invalid_scope(app: TestApp) {
    let token = app.account("ada@example.com").await;
    let request = CreateClientKeyRequest {
        scope: scope("nodes:read billing:write"),
        ..CreateClientKeyRequest::default()
    };
    assert_api_error(
        app.client.create_client_key(&token, &request).await,
        400,
        "invalid_scope",
    );
    // A malformed scope is refused too, as raw JSON (the SDK cannot build one).
    let response = app
        .http
        .post(app.url("/client-keys"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"scope": "a\"b"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

async fn a_key_s_tokens_carry_the_key_s_scope(app: TestApp) {
    let key = read_only_key(&app).await;
    assert_eq!(key.scope.to_string(), "nodes:read");
    let tokens = app.client.token(&native(&key, None)).await.unwrap();
    assert_eq!(decode(&tokens.access_token).1["scope"], "nodes:read");
    let body = client_token(&app, &key, None).await;
    assert_eq!(body["scope"], "nodes:read");
    assert_eq!(claim(&body, "access_token", "scope"), "nodes:read");
    assert_eq!(claim(&body, "refresh_token", "scope"), "nodes:read");
}

async fn native_client_credentials_may_narrow_but_never_widen(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let narrowed = app
        .client
        .token(&native(&key, Some("nodes:write")))
        .await
        .unwrap();
    assert_eq!(decode(&narrowed.access_token).1["scope"], "nodes:write");
    let read_only = read_only_key(&app).await;
    for wider in ["nodes:read nodes:write", "nodes:write", "admin"] {
        assert_api_error(
            app.client.token(&native(&read_only, Some(wider))).await,
            400,
            "invalid_scope",
        );
    }
}

async fn oauth_client_credentials_may_narrow_but_never_widen(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let narrowed = client_token(&app, &key, Some("nodes:read")).await;
    assert_eq!(narrowed["scope"], "nodes:read");
    assert_eq!(claim(&narrowed, "access_token", "scope"), "nodes:read");
    let read_only = read_only_key(&app).await;
    for wider in ["nodes:read nodes:write", "nodes:write", "admin"] {
        let reply = form(
            &app,
            "/oauth2/token",
            Auth::Basic(&read_only),
            &[("grant_type", "client_credentials"), ("scope", wider)],
        )
        .await;
        assert_eq!(
            (reply.status, reply.error()),
            (400, "invalid_scope"),
            "{wider}"
        );
    }
}

async fn a_narrowed_native_session_stays_narrow_on_every_refresh(app: TestApp) {
    let (account_token, key) = app.account_with_key("ada@example.com").await;
    let issued = app
        .client
        .token(&native(&key, Some("nodes:read")))
        .await
        .unwrap();
    let refresh_token = issued.refresh_token.unwrap();
    assert_eq!(decode(refresh_token.expose()).1["scope"], "nodes:read");
    let refreshed = app.client.refresh(&refresh_token, None).await.unwrap();
    assert_eq!(decode(&refreshed.access_token).1["scope"], "nodes:read");
    let widen = TokenRequest {
        grant_type: "refreshToken".into(),
        refresh_token: Some(refresh_token.clone()),
        scope: scope("nodes:read nodes:write"),
        ..TokenRequest::default()
    };
    assert_api_error(app.client.token(&widen).await, 400, "invalid_scope");
    let sessions = app.client.refresh_tokens(&account_token).await.unwrap();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].scope.to_string(), "nodes:read");
}

async fn a_narrowed_oauth_session_stays_narrow_on_every_refresh(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let issued = client_token(&app, &key, Some("nodes:read")).await;
    let refresh_token = issued["refresh_token"].as_str().unwrap();
    assert_eq!(claim(&issued, "refresh_token", "scope"), "nodes:read");
    for _ in 0..2 {
        let reply = refresh(&app, &key, refresh_token, None).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.body["scope"], "nodes:read");
        assert_eq!(claim(&reply.body, "access_token", "scope"), "nodes:read");
    }
    for wider in ["nodes:read nodes:write", "nodes:write"] {
        let reply = refresh(&app, &key, refresh_token, Some(wider)).await;
        assert_eq!(
            (reply.status, reply.error()),
            (400, "invalid_scope"),
            "{wider}"
        );
    }
}

async fn a_refresh_narrows_only_the_access_token_it_returns(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let issued = client_token(&app, &key, None).await;
    let refresh_token = issued["refresh_token"].as_str().unwrap();
    let narrowed = refresh(&app, &key, refresh_token, Some("nodes:write")).await;
    assert_eq!(narrowed.body["scope"], "nodes:write");
    assert_eq!(
        claim(&narrowed.body, "access_token", "scope"),
        "nodes:write"
    );
    // RFC 6749 §6: the refresh token keeps the scope it was issued with.
    let full = refresh(&app, &key, refresh_token, None).await;
    assert_eq!(full.body["scope"], "nodes:read nodes:write");
    // The native interface narrows a refresh the same way.
    let native_refresh = TokenRequest {
        grant_type: "refreshToken".into(),
        refresh_token: Some(RefreshToken::new(refresh_token)),
        scope: scope("nodes:read"),
        ..TokenRequest::default()
    };
    let tokens = app.client.token(&native_refresh).await.unwrap();
    assert_eq!(decode(&tokens.access_token).1["scope"], "nodes:read");
}

async fn a_rotated_refresh_token_keeps_its_session_s_scope(app: TestApp) {
    let (_, key) = app.account_with_rotating_key("ada@example.com").await;
    let issued = client_token(&app, &key, Some("nodes:read")).await;
    let rotated = refresh(&app, &key, issued["refresh_token"].as_str().unwrap(), None).await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    assert_eq!(claim(&rotated.body, "refresh_token", "scope"), "nodes:read");
    assert_eq!(claim(&rotated.body, "access_token", "scope"), "nodes:read");
    let wider = refresh(
        &app,
        &key,
        rotated.body["refresh_token"].as_str().unwrap(),
        Some("nodes:write"),
    )
    .await;
    assert_eq!((wider.status, wider.error()), (400, "invalid_scope"));
}

/// `scopes` in the TOML file are what keys get by default and what the metadata lists.
/// (Configuration, not storage: one backend is enough.)
#[tokio::test]
async fn the_configured_scopes_are_the_default_key_scope_and_the_advertised_ones() {
    let dir = latchkey_testkit::TempDir::new();
    let file = dir.0.join("latchkey.toml");
    std::fs::write(&file, "scopes = \"reports:write reports:read\"\n").unwrap();
    let options = latchkeyd::config::Options {
        config: Some(file),
        ..latchkeyd::config::Options::default()
    };
    let loaded = latchkeyd::Config::load(&options).unwrap();
    let database_url = format!("sqlite://{}", dir.0.join("latchkey.db").display());
    let app = TestApp::start(&database_url, |config| {
        config.policies.scopes = loaded.policies.scopes;
    })
    .await;
    let (_, key) = app.account_with_key("ada@example.com").await;
    assert_eq!(key.scope.to_string(), "reports:read reports:write");
    let doc: serde_json::Value = app
        .get_json("/.well-known/oauth-authorization-server")
        .await;
    assert_eq!(
        doc["scopes_supported"],
        serde_json::json!(["reports:read", "reports:write"])
    );
}
