//! `/refresh-tokens`: listing and revoking sessions.

use latchkey_client::Kind;
use latchkey_client::api::LoginRequest;
use latchkey_testkit::{TestApp, assert_api_error, backend_tests, decode};

backend_tests!(
    the_list_shows_live_refresh_tokens_but_never_the_tokens,
    revoking_a_refresh_token_ends_it_and_its_access_tokens,
    log_out_everywhere_ends_every_refresh_token,
    log_out_everywhere_ends_the_account_tokens_of_plain_logins,
    another_accounts_refresh_token_cannot_be_revoked,
);

async fn the_list_shows_live_refresh_tokens_but_never_the_tokens(app: TestApp) {
    let (token, key) = app.account_with_key("ada@example.com").await;
    let client = app.client_grant(&key).await;
    let offline = LoginRequest {
        client_id: Some("example".into()),
        access_type: Some("offline".into()),
        expiration: None,
    };
    app.login_with("ada@example.com", &offline).await.unwrap();
    let raw = app.get_text("/refresh-tokens", &token).await;
    assert!(!raw.contains(client.refresh_token.as_ref().unwrap().expose()));
    let list = app.client.refresh_tokens(&token).await.unwrap();
    assert_eq!(list.len(), 2);
    let (_, claims) = decode(client.refresh_token.as_ref().unwrap().expose());
    let client_session = list.iter().find(|s| s.kind == Kind::ClientRefresh).unwrap();
    assert_eq!(client_session.id, claims["sid"].as_str().unwrap());
    assert_eq!(
        client_session.client_id.as_deref(),
        Some(key.client_id.as_str())
    );
    assert!(client_session.expires_at.is_some());
    let account_session = list
        .iter()
        .find(|s| s.kind == Kind::AccountRefresh)
        .unwrap();
    assert_eq!(account_session.client_id.as_deref(), Some("example"));
    assert!(account_session.expires_at.is_none());
    assert!(account_session.last_used_at.is_none());
}

async fn revoking_a_refresh_token_ends_it_and_its_access_tokens(app: TestApp) {
    let token = app.account("ada@example.com").await;
    let offline = LoginRequest {
        client_id: Some("example".into()),
        access_type: Some("offline".into()),
        expiration: None,
    };
    let session = app.login_with("ada@example.com", &offline).await.unwrap();
    let refresh = session.refresh_token.unwrap();
    let minted = app
        .client
        .refresh(&refresh, Some("example"))
        .await
        .unwrap()
        .access_token;
    app.client.me(&minted).await.unwrap();
    let id = app.client.refresh_tokens(&token).await.unwrap()[0]
        .id
        .clone();
    app.client.revoke_refresh_token(&token, &id).await.unwrap();
    assert_api_error(
        app.client.refresh(&refresh, Some("example")).await,
        400,
        "invalid_grant",
    );
    assert_api_error(app.client.me(&minted).await, 401, "invalid_token");
    assert_api_error(
        app.client.me(&session.access_token).await,
        401,
        "invalid_token",
    );
    app.client.me(&token).await.unwrap();
    assert_api_error(
        app.client.revoke_refresh_token(&token, &id).await,
        404,
        "not_found",
    );
}

async fn log_out_everywhere_ends_every_refresh_token(app: TestApp) {
    let (token, key) = app.account_with_key("ada@example.com").await;
    let mut refresh_tokens = Vec::new();
    for _ in 0..3 {
        refresh_tokens.push(app.client_refresh_token(&key).await);
    }
    assert_eq!(
        app.client.revoke_all_refresh_tokens(&token).await.unwrap(),
        3
    );
    for refresh in refresh_tokens {
        assert_api_error(
            app.client.refresh(&refresh, None).await,
            400,
            "invalid_grant",
        );
    }
    // The caller's own token ended with the rest (if it is older than the log-out: a
    // token of the same second lives on); a new login works.
    let token = app.login("ada@example.com").await;
    assert!(app.client.refresh_tokens(&token).await.unwrap().is_empty());
    assert_eq!(
        app.client.revoke_all_refresh_tokens(&token).await.unwrap(),
        0
    );
    // The client keys themselves still work.
    app.client_grant(&key).await;
}

async fn another_accounts_refresh_token_cannot_be_revoked(app: TestApp) {
    let (_, bobs_key) = app.account_with_key("bob@example.com").await;
    let bobs = app.client_grant(&bobs_key).await;
    let (_, claims) = decode(bobs.refresh_token.as_ref().unwrap().expose());
    let ada = app.account("ada@example.com").await;
    assert_api_error(
        app.client
            .revoke_refresh_token(&ada, claims["sid"].as_str().unwrap())
            .await,
        404,
        "not_found",
    );
    assert_eq!(app.client.revoke_all_refresh_tokens(&ada).await.unwrap(), 0);
    app.client
        .refresh(bobs.refresh_token.as_ref().unwrap(), None)
        .await
        .unwrap();
}

async fn log_out_everywhere_ends_the_account_tokens_of_plain_logins(app: TestApp) {
    // All within one second: the tokens before the log-out end, the login after it works.
    app.clock.freeze();
    let laptop = app.account("ada@example.com").await;
    let phone = app.login("ada@example.com").await;
    app.client.revoke_all_refresh_tokens(&phone).await.unwrap();
    for token in [&laptop, &phone] {
        assert_api_error(app.client.me(token).await, 401, "invalid_token");
    }
    let again = app.login("ada@example.com").await;
    app.client.me(&again).await.unwrap();
}
