//! Introspection (RFC 7662) and revocation (RFC 7009) with client keys.

use latchkey_client::api::{CreateClientKeyRequest, CreatedClientKey};
use latchkey_testkit::{PASSWORD, Reply, TestApp, assert_api_error, backend_tests, decode};
use serde_json::Value;

use crate::oauth2_kit::{Auth, another_key, client_token, form, offline, refresh};

backend_tests!(
    an_active_client_access_token_introspects_with_its_claims,
    an_active_refresh_token_introspects_as_a_refresh_token_whatever_the_hint,
    an_account_access_token_of_the_same_account_is_active,
    an_expired_access_token_is_inactive,
    tokens_of_a_revoked_session_are_inactive,
    deleting_the_key_or_changing_the_password_makes_tokens_inactive,
    a_retired_rotated_refresh_token_is_inactive_but_still_revokes_its_family,
    another_account_s_or_malformed_tokens_are_inactive,
    introspection_needs_a_token_and_an_authenticated_client,
    revoking_a_refresh_token_ends_its_session_and_its_access_tokens,
    revoking_an_access_token_ends_the_session_it_was_minted_from,
    revoking_an_offline_refresh_token_logs_its_access_tokens_out,
    revoking_unknown_garbage_or_foreign_tokens_is_200_and_changes_nothing,
    revoking_a_plain_login_access_token_ends_the_accounts_account_tokens,
    revocation_needs_a_token_and_an_authenticated_client,
);

async fn introspect(app: &TestApp, key: &CreatedClientKey, token: &str) -> Value {
    let reply = form(
        app,
        "/oauth2/introspect",
        Auth::Basic(key),
        &[("token", token)],
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

async fn revoke(app: &TestApp, auth: Auth<'_>, token: &str) -> Reply {
    form(app, "/oauth2/revoke", auth, &[("token", token)]).await
}

fn inactive() -> Value {
    serde_json::json!({"active": false})
}

fn text<'a>(body: &'a Value, field: &str) -> &'a str {
    body[field].as_str().unwrap()
}

async fn an_active_client_access_token_introspects_with_its_claims(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let issued = client_token(&app, &key, Some("nodes:read")).await;
    let access = text(&issued, "access_token");
    let reply = form(
        &app,
        "/oauth2/introspect",
        Auth::Basic(&key),
        &[("token", access)],
    )
    .await;
    assert_eq!(reply.headers["cache-control"], "no-store");
    let body = reply.body;
    let (_, claims) = decode(access);
    assert_eq!(body["active"], true);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["kind"], "client_access");
    assert_eq!(body["scope"], "nodes:read");
    assert_eq!(body["client_id"], key.client_id.as_str());
    for field in ["sub", "exp", "iat", "nbf", "iss", "aud", "jti"] {
        assert_eq!(body[field], claims[field], "{field}");
        assert!(!body[field].is_null(), "{field}");
    }
}

async fn an_active_refresh_token_introspects_as_a_refresh_token_whatever_the_hint(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let issued = client_token(&app, &key, None).await;
    let refresh_token = text(&issued, "refresh_token");
    for hint in ["refresh_token", "access_token", "something_else"] {
        let reply = form(
            &app,
            "/oauth2/introspect",
            Auth::Post(&key),
            &[("token", refresh_token), ("token_type_hint", hint)],
        )
        .await;
        assert_eq!(reply.body["active"], true, "{hint}");
        assert_eq!(reply.body["token_type"], "refresh_token");
        assert_eq!(reply.body["kind"], "client_refresh");
        assert_eq!(reply.body["jti"], decode(refresh_token).1["jti"]);
    }
}

async fn an_account_access_token_of_the_same_account_is_active(app: TestApp) {
    let (account_token, key) = app.account_with_key("ada@example.com").await;
    let body = introspect(&app, &key, &account_token).await;
    assert_eq!(body["active"], true);
    assert_eq!(body["kind"], "account_access");
    assert!(body.get("client_id").is_none());
}

async fn an_expired_access_token_is_inactive(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let issued = client_token(&app, &key, None).await;
    // No leeway: the service is the clock.
    app.clock.advance(3600);
    assert_eq!(
        introspect(&app, &key, text(&issued, "access_token")).await,
        inactive()
    );
    assert_eq!(
        introspect(&app, &key, text(&issued, "refresh_token")).await["active"],
        true
    );
}

async fn tokens_of_a_revoked_session_are_inactive(app: TestApp) {
    let (account_token, key) = app.account_with_key("ada@example.com").await;
    let issued = client_token(&app, &key, None).await;
    let sid = decode(text(&issued, "refresh_token")).1["sid"].clone();
    app.client
        .revoke_refresh_token(&account_token, sid.as_str().unwrap())
        .await
        .unwrap();
    for token in ["access_token", "refresh_token"] {
        assert_eq!(
            introspect(&app, &key, text(&issued, token)).await,
            inactive(),
            "{token}"
        );
    }
}

async fn deleting_the_key_or_changing_the_password_makes_tokens_inactive(app: TestApp) {
    let (account_token, key) = app.account_with_key("ada@example.com").await;
    let observer = another_key(&app, &account_token, &CreateClientKeyRequest::default()).await;
    let issued = client_token(&app, &key, None).await;
    app.client
        .delete_client_key(&account_token, &key.client_id)
        .await
        .unwrap();
    for token in ["access_token", "refresh_token"] {
        assert_eq!(
            introspect(&app, &observer, text(&issued, token)).await,
            inactive()
        );
    }
    let from_observer = client_token(&app, &observer, None).await;
    // `tokens_not_before` has one-second granularity, as on account endpoints.
    app.clock.advance(1);
    app.client
        .change_password(&account_token, PASSWORD, "another long password")
        .await
        .unwrap();
    for token in [
        text(&from_observer, "access_token"),
        text(&from_observer, "refresh_token"),
        account_token.as_str(),
    ] {
        assert_eq!(introspect(&app, &observer, token).await, inactive());
    }
}

async fn a_retired_rotated_refresh_token_is_inactive_but_still_revokes_its_family(app: TestApp) {
    let (_, key) = app.account_with_rotating_key("ada@example.com").await;
    let issued = client_token(&app, &key, None).await;
    let rotated = refresh(&app, &key, text(&issued, "refresh_token"), None).await;
    assert_eq!(rotated.status, 200);
    assert_eq!(
        introspect(&app, &key, text(&issued, "refresh_token")).await,
        inactive()
    );
    assert_eq!(
        introspect(&app, &key, text(&rotated.body, "refresh_token")).await["active"],
        true
    );
    // Revoking with the retired token still ends the family.
    let reply = revoke(&app, Auth::Basic(&key), text(&issued, "refresh_token")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        introspect(&app, &key, text(&rotated.body, "refresh_token")).await,
        inactive()
    );
}

async fn another_account_s_or_malformed_tokens_are_inactive(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let (bob_token, bob_key) = app.account_with_key("bob@example.com").await;
    let bob = client_token(&app, &bob_key, None).await;
    for token in [
        text(&bob, "access_token"),
        text(&bob, "refresh_token"),
        bob_token.as_str(),
        "garbage",
        "eyJhbGciOiJub25lIn0.e30.",
    ] {
        assert_eq!(introspect(&app, &key, token).await, inactive(), "{token}");
    }
    // Bob's own key still sees them.
    assert_eq!(
        introspect(&app, &bob_key, text(&bob, "access_token")).await["active"],
        true
    );
}

async fn introspection_needs_a_token_and_an_authenticated_client(app: TestApp) {
    let (account_token, key) = app.account_with_key("ada@example.com").await;
    let missing = form(&app, "/oauth2/introspect", Auth::Basic(&key), &[]).await;
    assert_eq!((missing.status, missing.error()), (400, "invalid_request"));
    let anonymous = form(
        &app,
        "/oauth2/introspect",
        Auth::None,
        &[("token", &account_token)],
    )
    .await;
    assert_eq!(
        (anonymous.status, anonymous.error()),
        (401, "invalid_client")
    );
    assert!(anonymous.headers.contains_key("www-authenticate"));
    // An account token is not a client credential.
    let bearer = app
        .http
        .post(app.url("/oauth2/introspect"))
        .bearer_auth(&account_token)
        .form(&[("token", &account_token)])
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), 401);
}

async fn revoking_a_refresh_token_ends_its_session_and_its_access_tokens(app: TestApp) {
    let (account_token, key) = app.account_with_key("ada@example.com").await;
    let issued = client_token(&app, &key, None).await;
    let reply = form(
        &app,
        "/oauth2/revoke",
        Auth::Basic(&key),
        &[
            ("token", text(&issued, "refresh_token")),
            ("token_type_hint", "refresh_token"),
        ],
    )
    .await;
    assert_eq!(reply.status, 200);
    for token in ["access_token", "refresh_token"] {
        assert_eq!(
            introspect(&app, &key, text(&issued, token)).await,
            inactive()
        );
    }
    let again = refresh(&app, &key, text(&issued, "refresh_token"), None).await;
    assert_eq!((again.status, again.error()), (400, "invalid_grant"));
    assert!(
        app.client
            .refresh_tokens(&account_token)
            .await
            .unwrap()
            .is_empty()
    );
    // Revoking it again is still a 200.
    assert_eq!(
        revoke(&app, Auth::Post(&key), text(&issued, "refresh_token"))
            .await
            .status,
        200
    );
}

async fn revoking_an_access_token_ends_the_session_it_was_minted_from(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let issued = client_token(&app, &key, None).await;
    let other = client_token(&app, &key, None).await;
    let reply = revoke(&app, Auth::Post(&key), text(&issued, "access_token")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        introspect(&app, &key, text(&issued, "refresh_token")).await,
        inactive()
    );
    let refreshed = refresh(&app, &key, text(&issued, "refresh_token"), None).await;
    assert_eq!(refreshed.error(), "invalid_grant");
    // Another session of the same key is untouched.
    assert_eq!(
        introspect(&app, &key, text(&other, "access_token")).await["active"],
        true
    );
}

async fn revoking_an_offline_refresh_token_logs_its_access_tokens_out(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let offline = app
        .login_with("ada@example.com", &offline("my-app"))
        .await
        .unwrap();
    app.client.me(&offline.access_token).await.unwrap();
    let reply = revoke(
        &app,
        Auth::Basic(&key),
        offline.refresh_token.as_ref().unwrap().expose(),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_api_error(
        app.client.me(&offline.access_token).await,
        401,
        "invalid_token",
    );
}

async fn revoking_unknown_garbage_or_foreign_tokens_is_200_and_changes_nothing(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let (_, bob_key) = app.account_with_key("bob@example.com").await;
    let bob = client_token(&app, &bob_key, None).await;
    for token in [
        "garbage",
        "a.b.c",
        text(&bob, "refresh_token"),
        text(&bob, "access_token"),
    ] {
        let reply = revoke(&app, Auth::Basic(&key), token).await;
        assert_eq!(reply.status, 200, "{token}");
    }
    assert_eq!(
        introspect(&app, &bob_key, text(&bob, "refresh_token")).await["active"],
        true
    );
    assert_eq!(
        refresh(&app, &bob_key, text(&bob, "refresh_token"), None)
            .await
            .status,
        200
    );
}

async fn revoking_a_plain_login_access_token_ends_the_accounts_account_tokens(app: TestApp) {
    let (account_token, key) = app.account_with_key("ada@example.com").await;
    let other_login = app.login("ada@example.com").await;
    app.clock.advance(1);
    let reply = revoke(&app, Auth::Basic(&key), &account_token).await;
    assert_eq!(reply.status, 200);
    // It belongs to no session: every account access token issued until now ends.
    for token in [&account_token, &other_login] {
        assert_api_error(app.client.me(token).await, 401, "invalid_token");
    }
    app.client
        .me(&app.login("ada@example.com").await)
        .await
        .unwrap();
    // Client tokens are not account tokens: they live on.
    app.client_grant(&key).await;
}

async fn revocation_needs_a_token_and_an_authenticated_client(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let missing = form(&app, "/oauth2/revoke", Auth::Basic(&key), &[]).await;
    assert_eq!((missing.status, missing.error()), (400, "invalid_request"));
    let wrong = CreatedClientKey {
        client_secret: "0".repeat(80).into(),
        ..key.clone()
    };
    let reply = revoke(&app, Auth::Basic(&wrong), "garbage").await;
    assert_eq!((reply.status, reply.error()), (401, "invalid_client"));
    let reply = revoke(&app, Auth::Post(&wrong), "garbage").await;
    assert_eq!((reply.status, reply.error()), (401, "invalid_client"));
    assert!(!reply.headers.contains_key("www-authenticate"));
}
