//! The OAuth 2 token endpoint's grants and errors (RFC 6749) and the server metadata
//! (RFC 8414), over raw form-encoded HTTP. Client authentication is in
//! `oauth2_client_auth.rs`.

use latchkey_client::api::CreateClientKeyRequest;
use latchkey_testkit::{TestApp, backend_tests};
use serde_json::Value;

use crate::oauth2_kit::{Auth, another_key, claim, client_token, form, offline, refresh};

backend_tests!(
    a_refresh_token_grant_returns_an_access_token_of_the_same_session,
    a_rotating_key_gets_a_new_refresh_token_on_each_refresh,
    a_refresh_token_issued_to_another_client_is_invalid_grant,
    an_offline_login_refresh_token_is_invalid_grant_here,
    an_access_token_or_garbage_as_refresh_token_is_invalid_grant,
    a_deleted_key_can_no_longer_refresh,
    missing_repeated_or_json_parameters_are_invalid_request,
    an_unknown_grant_type_is_unsupported_grant_type,
    a_malformed_scope_is_invalid_scope,
);

async fn a_refresh_token_grant_returns_an_access_token_of_the_same_session(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let first = client_token(&app, &key, None).await;
    let reply = refresh(&app, &key, first["refresh_token"].as_str().unwrap(), None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.headers["cache-control"], "no-store");
    assert_eq!(reply.body["token_type"], "Bearer");
    assert_eq!(reply.body["scope"], "nodes:read nodes:write");
    assert!(
        reply.body.get("refresh_token").is_none(),
        "rotation is off by default"
    );
    for name in ["kind", "sid", "client_id", "sub"] {
        assert_eq!(
            claim(&reply.body, "access_token", name),
            claim(&first, "access_token", name),
            "{name}"
        );
    }
    // Post auth works for refreshes too.
    let post = form(
        &app,
        "/oauth2/token",
        Auth::Post(&key),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", first["refresh_token"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(post.status, 200, "{}", post.body);
}

async fn a_rotating_key_gets_a_new_refresh_token_on_each_refresh(app: TestApp) {
    let (_, key) = app.account_with_rotating_key("ada@example.com").await;
    let first = client_token(&app, &key, None).await;
    let rotated = refresh(&app, &key, first["refresh_token"].as_str().unwrap(), None).await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    assert_eq!(claim(&rotated.body, "refresh_token", "generation"), 1);
    let next = refresh(
        &app,
        &key,
        rotated.body["refresh_token"].as_str().unwrap(),
        None,
    )
    .await;
    assert_eq!(next.status, 200, "{}", next.body);
}

async fn a_refresh_token_issued_to_another_client_is_invalid_grant(app: TestApp) {
    let (token, key) = app.account_with_key("ada@example.com").await;
    let sibling = another_key(&app, &token, &CreateClientKeyRequest::default()).await;
    let (_, stranger) = app.account_with_key("bob@example.com").await;
    let issued = client_token(&app, &key, None).await;
    let refresh_token = issued["refresh_token"].as_str().unwrap();
    for other in [&sibling, &stranger] {
        let reply = refresh(&app, other, refresh_token, None).await;
        assert_eq!((reply.status, reply.error()), (400, "invalid_grant"));
    }
    // The token still works for its own client.
    assert_eq!(refresh(&app, &key, refresh_token, None).await.status, 200);
}

async fn an_offline_login_refresh_token_is_invalid_grant_here(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let offline = app
        .login_with("ada@example.com", &offline(&key.client_id))
        .await
        .unwrap();
    let reply = refresh(
        &app,
        &key,
        offline.refresh_token.as_ref().unwrap().expose(),
        None,
    )
    .await;
    assert_eq!((reply.status, reply.error()), (400, "invalid_grant"));
}

async fn an_access_token_or_garbage_as_refresh_token_is_invalid_grant(app: TestApp) {
    let (account_token, key) = app.account_with_key("ada@example.com").await;
    let issued = client_token(&app, &key, None).await;
    for token in [
        issued["access_token"].as_str().unwrap(),
        account_token.as_str(),
        "garbage",
        "a.b.c",
    ] {
        let reply = refresh(&app, &key, token, None).await;
        assert_eq!(
            (reply.status, reply.error()),
            (400, "invalid_grant"),
            "{token}"
        );
    }
}

async fn a_deleted_key_can_no_longer_refresh(app: TestApp) {
    let (account_token, key) = app.account_with_key("ada@example.com").await;
    let issued = client_token(&app, &key, None).await;
    app.client
        .delete_client_key(&account_token, &key.client_id)
        .await
        .unwrap();
    let reply = refresh(&app, &key, issued["refresh_token"].as_str().unwrap(), None).await;
    assert_eq!((reply.status, reply.error()), (401, "invalid_client"));
}

async fn missing_repeated_or_json_parameters_are_invalid_request(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let cases: [&[(&str, &str)]; 4] = [
        &[],
        &[("grant_type", "refresh_token")],
        &[("grant_type", "refresh_token"), ("refresh_token", "")],
        &[
            ("grant_type", "client_credentials"),
            ("grant_type", "client_credentials"),
        ],
    ];
    for fields in cases {
        let reply = form(&app, "/oauth2/token", Auth::Basic(&key), fields).await;
        assert_eq!(
            (reply.status, reply.error()),
            (400, "invalid_request"),
            "{fields:?}"
        );
        assert_eq!(reply.headers["cache-control"], "no-store");
    }
    let json = app
        .http
        .post(app.url("/oauth2/token"))
        .basic_auth(&key.client_id, Some(key.client_secret.expose()))
        .json(&serde_json::json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json.status(), 400);
    let body: Value = json.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
}

async fn an_unknown_grant_type_is_unsupported_grant_type(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    for grant in ["password", "authorization_code", "clientCredentials"] {
        let reply = form(
            &app,
            "/oauth2/token",
            Auth::Basic(&key),
            &[("grant_type", grant)],
        )
        .await;
        assert_eq!(
            (reply.status, reply.error()),
            (400, "unsupported_grant_type"),
            "{grant}"
        );
    }
}

async fn a_malformed_scope_is_invalid_scope(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let reply = form(
        &app,
        "/oauth2/token",
        Auth::Basic(&key),
        &[("grant_type", "client_credentials"), ("scope", "a\"b")],
    )
    .await;
    assert_eq!((reply.status, reply.error()), (400, "invalid_scope"));
}
