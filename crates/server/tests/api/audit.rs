//! The audit trail: each kind of event recorded with its account, client and source
//! address, read by the account (`GET /users/me/events`, paged) and by operators
//! (`latchkeyd audit`).

use latchkey_client::api::{AuditEvent, CreateClientKeyRequest, EventsQuery, LoginRequest};
use latchkey_core::service::{AuditFilter, EventKind};
use latchkey_testkit::{PASSWORD, TempDir, TestApp, assert_api_error, backend_tests};

use crate::signing_keys::latchkeyd;

backend_tests!(
    logins_are_recorded_with_their_source_address,
    a_lockout_is_recorded,
    password_changes_and_client_keys_are_recorded,
    revocations_and_refresh_reuse_are_recorded,
    an_oauth_revocation_is_recorded,
    events_come_newest_first_in_pages,
    an_account_reads_only_its_own_events,
    a_signing_key_rotation_is_recorded_for_operators,
);

const EMAIL: &str = "ada@example.com";

async fn events(app: &TestApp, token: &str) -> Vec<AuditEvent> {
    app.client
        .events(token, &EventsQuery::default())
        .await
        .unwrap()
}

fn kinds(events: &[AuditEvent]) -> Vec<&str> {
    events.iter().map(|e| e.kind.as_str()).collect()
}

async fn logins_are_recorded_with_their_source_address(app: TestApp) {
    let token = app.account(EMAIL).await;
    assert_api_error(
        app.client
            .login(EMAIL, "wrong password", &LoginRequest::default())
            .await,
        401,
        "invalid_credentials",
    );
    let trail = events(&app, &token).await;
    assert_eq!(kinds(&trail), ["login_failed", "login_succeeded"]);
    for event in &trail {
        assert_eq!(event.source_address.as_deref(), Some("127.0.0.1"));
    }
    assert!(trail[0].id > trail[1].id);
}

async fn a_lockout_is_recorded(app: TestApp) {
    // Locked for 15 minutes after two failures: no race with the real clock.
    let app = TestApp::start(&app.database_url, |config| {
        config.policies.lockout.free_attempts = 1;
        config.policies.lockout.lockout_after = 2;
    })
    .await;
    let token = app.account(EMAIL).await;
    for _ in 0..2 {
        let _ = app
            .client
            .login(EMAIL, "wrong password", &LoginRequest::default())
            .await;
    }
    assert_api_error(
        app.client
            .login(EMAIL, PASSWORD, &LoginRequest::default())
            .await,
        429,
        "too_many_attempts",
    );
    assert_eq!(kinds(&events(&app, &token).await)[0], "login_locked");
}

async fn password_changes_and_client_keys_are_recorded(app: TestApp) {
    let token = app.account(EMAIL).await;
    let token = app
        .client
        .change_password(&token, PASSWORD, "a different horse battery staple")
        .await
        .unwrap()
        .access_token;
    let key = app
        .client
        .create_client_key(&token, &CreateClientKeyRequest::default())
        .await
        .unwrap();
    app.client
        .delete_client_key(&token, &key.client_id)
        .await
        .unwrap();
    let trail = events(&app, &token).await;
    assert_eq!(
        kinds(&trail)[..3],
        [
            "client_key_deleted",
            "client_key_created",
            "password_changed"
        ]
    );
    assert_eq!(trail[0].client_id.as_deref(), Some(key.client_id.as_str()));
    assert_eq!(trail[1].client_id.as_deref(), Some(key.client_id.as_str()));
    // No secret ever reaches the trail.
    let text = format!("{trail:?}");
    assert!(!text.contains(key.client_secret.expose()) && !text.contains("horse"));
}

async fn revocations_and_refresh_reuse_are_recorded(app: TestApp) {
    let (token, key) = app.account_with_key(EMAIL).await;
    app.client_refresh_token(&key).await;
    let session = app.client.refresh_tokens(&token).await.unwrap().remove(0);
    app.client
        .revoke_refresh_token(&token, &session.id)
        .await
        .unwrap();
    app.client.revoke_all_refresh_tokens(&token).await.unwrap();
    // Logging out everywhere ended the caller's token too (unless it is of the same
    // second): log in again.
    let token = app.login(EMAIL).await;

    let rotating = app
        .client
        .create_client_key(
            &token,
            &CreateClientKeyRequest {
                rotate_refresh_tokens: Some(true),
                ..CreateClientKeyRequest::default()
            },
        )
        .await
        .unwrap();
    let first = app.client_refresh_token(&rotating).await;
    app.client.refresh(&first, None).await.unwrap();
    app.clock.advance(60); // past the grace window
    assert_api_error(app.client.refresh(&first, None).await, 400, "invalid_grant");

    let trail = events(&app, &token).await;
    assert_eq!(
        kinds(&trail)[..5],
        [
            "refresh_token_reuse_detected",
            "client_key_created",
            "login_succeeded",
            "refresh_tokens_revoked",
            "refresh_token_revoked"
        ]
    );
    assert_eq!(
        trail[0].client_id.as_deref(),
        Some(rotating.client_id.as_str())
    );
    assert!(trail[4].detail.as_deref().unwrap().contains(&session.id));
}

async fn an_oauth_revocation_is_recorded(app: TestApp) {
    let (token, key) = app.account_with_key(EMAIL).await;
    let refresh = app.client_refresh_token(&key).await;
    let response = app
        .http
        .post(app.url("/oauth2/revoke"))
        .basic_auth(&key.client_id, Some(key.client_secret.expose()))
        .form(&[("token", refresh.expose())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let trail = events(&app, &token).await;
    assert_eq!(trail[0].kind, "refresh_token_revoked");
    assert_eq!(trail[0].client_id.as_deref(), Some(key.client_id.as_str()));
}

async fn events_come_newest_first_in_pages(app: TestApp) {
    let token = app.account(EMAIL).await;
    for _ in 0..4 {
        let _ = app
            .client
            .login(EMAIL, "wrong password", &LoginRequest::default())
            .await;
    }
    let page = |limit, before| EventsQuery {
        limit: Some(limit),
        before,
    };
    let first = app.client.events(&token, &page(2, None)).await.unwrap();
    assert_eq!(first.len(), 2);
    let second = app
        .client
        .events(&token, &page(10, Some(first[1].id)))
        .await
        .unwrap();
    assert_eq!(
        kinds(&second),
        ["login_failed", "login_failed", "login_succeeded"]
    );
    assert!(second[0].id < first[1].id);
    let (status, body) = {
        let response = app
            .http
            .get(app.url("/users/me/events?limit=lots"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    };
    assert_eq!(status, 400);
    assert!(body.contains("invalid_request"), "{body}");
}

async fn an_account_reads_only_its_own_events(app: TestApp) {
    let ada = app.account(EMAIL).await;
    let bob = app.account("bob@example.com").await;
    let _ = app
        .client
        .login(EMAIL, "wrong password", &LoginRequest::default())
        .await;
    assert_eq!(kinds(&events(&app, &bob).await), ["login_succeeded"]);
    assert_eq!(events(&app, &ada).await.len(), 2);
}

async fn a_signing_key_rotation_is_recorded_for_operators(app: TestApp) {
    app.account(EMAIL).await;
    let rotated = app.latchkey.key_ring().rotate(true).await.unwrap().unwrap();
    let filter = AuditFilter {
        kind: Some(EventKind::SigningKeyRotated),
        ..AuditFilter::default()
    };
    let found = app.latchkey.all_events(&filter).await.unwrap();
    assert_eq!(found.len(), 1);
    assert!(found[0].detail.as_deref().unwrap().contains(&rotated.kid));
    let mine = AuditFilter {
        account: Some(EMAIL.into()),
        ..AuditFilter::default()
    };
    let kinds: Vec<_> = app
        .latchkey
        .all_events(&mine)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, ["login_succeeded"]);
}

#[tokio::test]
async fn operators_read_the_trail_with_latchkeyd_audit() {
    let dir = TempDir::new();
    let database = format!("sqlite://{}", dir.0.join("audit.db").display());
    let app = TestApp::start(&database, |_| {}).await;
    app.account(EMAIL).await;
    let _ = app
        .client
        .login(EMAIL, "wrong password", &LoginRequest::default())
        .await;
    let env = [("LATCHKEY_DATABASE_URL", database.as_str())];

    let (ok, out, err) = latchkeyd(&["audit", "--account", EMAIL, "--json"], &env).await;
    assert!(ok, "{err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["kind"], "login_failed");
    assert_eq!(lines[0]["sourceAddress"], "127.0.0.1");

    let (ok, out, _) = latchkeyd(&["audit", "--kind", "login_succeeded"], &env).await;
    assert!(ok);
    assert_eq!(out.lines().count(), 1);
    assert!(out.contains("login_succeeded"));

    let (ok, _, err) = latchkeyd(&["audit", "--kind", "bogus"], &env).await;
    assert!(!ok);
    assert!(err.contains("login_failed"), "{err}");
    let (ok, _, err) = latchkeyd(&["audit", "--since", "yesterday"], &env).await;
    assert!(!ok);
    assert!(err.contains("RFC 3339"), "{err}");
}
