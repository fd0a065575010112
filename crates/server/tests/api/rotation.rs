//! Refresh-token rotation: one winner, the same tokens within the grace window, and the
//! whole family (only it) revoked on reuse.

use std::collections::HashSet;

use latchkey_client::RefreshToken;
use latchkey_client::api::CreateClientKeyRequest;
use latchkey_testkit::{TestApp, assert_api_error, backend_tests, decode};

backend_tests!(
    without_rotation_a_refresh_returns_no_new_refresh_token,
    a_client_key_can_turn_rotation_on_for_its_tokens,
    a_retry_within_the_grace_window_gets_the_same_tokens,
    reuse_after_the_grace_window_revokes_the_family_and_nothing_else,
    fifty_concurrent_refreshes_mint_one_pair,
    a_revoked_rotating_session_cannot_be_refreshed,
);

async fn rotating_key(app: &TestApp, email: &str) -> (String, RefreshToken) {
    let (token, key) = app.account_with_rotating_key(email).await;
    assert!(key.rotate_refresh_tokens);
    let refresh = app.client_refresh_token(&key).await;
    (token, refresh)
}

/// The new refresh token a rotating refresh of `refresh` answers.
async fn rotated(app: &TestApp, refresh: &RefreshToken) -> RefreshToken {
    let tokens = app.client.refresh(refresh, None).await.unwrap();
    tokens.refresh_token.unwrap()
}

/// Whether a refresh of `refresh` answers a new refresh token.
async fn rotates(app: &TestApp, refresh: &RefreshToken) -> bool {
    let tokens = app.client.refresh(refresh, None).await.unwrap();
    tokens.refresh_token.is_some()
}

async fn without_rotation_a_refresh_returns_no_new_refresh_token(app: TestApp) {
    let (token, key) = app.account_with_key("ada@example.com").await;
    assert!(!key.rotate_refresh_tokens);
    let refresh = app.client_refresh_token(&key).await;
    for _ in 0..3 {
        assert!(!rotates(&app, &refresh).await);
    }
    assert!(!app.client.client_keys(&token).await.unwrap()[0].rotate_refresh_tokens);
}

async fn a_client_key_can_turn_rotation_on_for_its_tokens(app: TestApp) {
    let (_, first) = rotating_key(&app, "ada@example.com").await;
    let next = app.client.refresh(&first, None).await.unwrap();
    let second = next.refresh_token.unwrap();
    assert_ne!(first, second);
    let (_, a) = decode(first.expose());
    let (_, b) = decode(second.expose());
    assert_eq!(
        (a["sid"].clone(), a["generation"].as_u64()),
        (b["sid"].clone(), Some(0))
    );
    assert_eq!(b["generation"], 1);
    let third = rotated(&app, &second).await;
    assert_eq!(decode(third.expose()).1["generation"], 2);
}

async fn a_retry_within_the_grace_window_gets_the_same_tokens(app: TestApp) {
    let (_, first) = rotating_key(&app, "ada@example.com").await;
    let winner = app.client.refresh(&first, None).await.unwrap();
    app.clock.advance(4);
    let retry = app.client.refresh(&first, None).await.unwrap();
    assert_eq!(retry.access_token, winner.access_token);
    assert_eq!(retry.refresh_token, winner.refresh_token);
    // The new token works as usual.
    app.client
        .refresh(winner.refresh_token.as_ref().unwrap(), None)
        .await
        .unwrap();
}

async fn reuse_after_the_grace_window_revokes_the_family_and_nothing_else(app: TestApp) {
    let (token, first) = rotating_key(&app, "ada@example.com").await;
    let (_, other) = rotating_key(&app, "bob@example.com").await;
    let ada_second_session = {
        let key = app
            .client
            .create_client_key(&token, &CreateClientKeyRequest::default())
            .await
            .unwrap();
        app.client_refresh_token(&key).await
    };
    let second = rotated(&app, &first).await;
    app.clock.advance(6);
    assert_api_error(app.client.refresh(&first, None).await, 400, "invalid_grant");
    assert_api_error(
        app.client.refresh(&second, None).await,
        400,
        "invalid_grant",
    );
    app.client.refresh(&other, None).await.unwrap();
    app.client.refresh(&ada_second_session, None).await.unwrap();
    assert_eq!(app.client.refresh_tokens(&token).await.unwrap().len(), 1);
}

async fn fifty_concurrent_refreshes_mint_one_pair(app: TestApp) {
    let (_, first) = rotating_key(&app, "ada@example.com").await;
    let calls = (0..50).map(|_| {
        let client = app.client.clone();
        let first = first.clone();
        tokio::spawn(async move { client.refresh(&first, None).await })
    });
    let mut pairs = HashSet::new();
    for call in calls {
        let tokens = call.await.unwrap().unwrap();
        pairs.insert((
            tokens.access_token,
            tokens.refresh_token.unwrap().expose().to_owned(),
        ));
    }
    assert_eq!(
        pairs.len(),
        1,
        "every concurrent refresh got the winner's tokens"
    );
    let (_, refresh) = pairs.into_iter().next().unwrap();
    assert_eq!(decode(&refresh).1["generation"], 1);
}

async fn a_revoked_rotating_session_cannot_be_refreshed(app: TestApp) {
    let (token, first) = rotating_key(&app, "ada@example.com").await;
    let second = rotated(&app, &first).await;
    app.client.revoke_all_refresh_tokens(&token).await.unwrap();
    assert_api_error(
        app.client.refresh(&second, None).await,
        400,
        "invalid_grant",
    );
    assert_api_error(app.client.refresh(&first, None).await, 400, "invalid_grant");
}

#[tokio::test]
async fn the_deployment_can_turn_rotation_on_for_every_key() {
    let app = TestApp::spawn_with(|config| config.policies.rotation.enabled = true).await;
    let (_, key) = app.account_with_key("ada@example.com").await;
    assert!(key.rotate_refresh_tokens);
    let refresh = app.client_refresh_token(&key).await;
    assert!(rotates(&app, &refresh).await);
}

/// The value of one metrics sample, from `/metrics`.
async fn metric(app: &TestApp, sample: &str) -> Option<f64> {
    let text = latchkey_testkit::text_at(&app.http, &app.url("/metrics")).await;
    text.lines()
        .find_map(|line| line.strip_prefix(sample))
        .and_then(|v| v.trim().parse().ok())
}

#[tokio::test]
async fn metrics_tell_a_grace_reuse_from_a_detected_one() {
    let app = TestApp::spawn().await;
    let (_, first) = rotating_key(&app, "ada@example.com").await;
    app.client.refresh(&first, None).await.unwrap();
    app.client.refresh(&first, None).await.unwrap();
    let grace = "latchkey_refresh_token_reuse_total{outcome=\"grace\"}";
    let detected = "latchkey_refresh_token_reuse_total{outcome=\"detected\"}";
    assert_eq!(metric(&app, grace).await, Some(1.0));
    assert_eq!(metric(&app, detected).await, Some(0.0));
    app.clock.advance(6);
    assert_api_error(app.client.refresh(&first, None).await, 400, "invalid_grant");
    assert_eq!(metric(&app, detected).await, Some(1.0));
}
