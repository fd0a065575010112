//! Client keys: creation, listing, deletion, and the kind rule on account endpoints.

use latchkey_client::api::CreateClientKeyRequest;
use latchkey_testkit::{TestApp, assert_api_error, backend_tests};

backend_tests!(
    a_new_key_has_a_40_hex_id_and_an_80_hex_secret_shown_once,
    the_list_shows_the_callers_keys_without_secrets_and_with_last_use,
    deleting_a_key_ends_it_and_every_refresh_token_made_from_it,
    deleting_an_unknown_or_foreign_key_is_404,
    a_client_access_token_is_refused_by_account_endpoints_with_403,
    a_name_over_100_characters_is_refused,
);

fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

async fn a_new_key_has_a_40_hex_id_and_an_80_hex_secret_shown_once(app: TestApp) {
    let token = app.account("ada@example.com").await;
    let request = CreateClientKeyRequest {
        name: Some("build server".into()),
        scope: None,
        rotate_refresh_tokens: None,
        ..CreateClientKeyRequest::default()
    };
    let response = app
        .http
        .post(app.url("/client-keys"))
        .bearer_auth(&token)
        .json(&request)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let key: serde_json::Value = response.json().await.unwrap();
    assert!(is_lower_hex(key["clientId"].as_str().unwrap(), 40));
    assert!(is_lower_hex(key["clientSecret"].as_str().unwrap(), 80));
    assert_eq!(key["name"], "build server");
    assert!(key["createdAt"].is_string());
    let listed = app.get_text("/client-keys", &token).await;
    assert!(!listed.contains(key["clientSecret"].as_str().unwrap()));
}

async fn the_list_shows_the_callers_keys_without_secrets_and_with_last_use(app: TestApp) {
    let (token, first) = app.account_with_key("ada@example.com").await;
    let second = app
        .client
        .create_client_key(&token, &CreateClientKeyRequest::default())
        .await
        .unwrap();
    app.account_with_key("bob@example.com").await;
    let keys = app.client.client_keys(&token).await.unwrap();
    let mut ids: Vec<_> = keys.iter().map(|k| k.client_id.as_str()).collect();
    let mut expected = [first.client_id.as_str(), second.client_id.as_str()];
    ids.sort_unstable();
    expected.sort_unstable();
    assert_eq!(ids, expected);
    assert!(keys.iter().all(|k| k.last_used_at.is_none()));
    app.client_grant(&first).await;
    let keys = app.client.client_keys(&token).await.unwrap();
    let used = |id: &str| {
        keys.iter()
            .find(|k| k.client_id == id)
            .unwrap()
            .last_used_at
    };
    assert!(used(&first.client_id).is_some());
    assert!(used(&second.client_id).is_none());
}

async fn deleting_a_key_ends_it_and_every_refresh_token_made_from_it(app: TestApp) {
    let (token, key) = app.account_with_key("ada@example.com").await;
    let tokens = app.client_grant(&key).await;
    let refresh = tokens.refresh_token.unwrap();
    app.client.refresh(&refresh, None).await.unwrap();
    app.client
        .delete_client_key(&token, &key.client_id)
        .await
        .unwrap();
    assert_api_error(
        app.client
            .client_credentials(&key.client_id, &key.client_secret)
            .await,
        401,
        "invalid_client",
    );
    assert_api_error(
        app.client.refresh(&refresh, None).await,
        400,
        "invalid_grant",
    );
    assert!(app.client.client_keys(&token).await.unwrap().is_empty());
    assert!(app.client.refresh_tokens(&token).await.unwrap().is_empty());
}

async fn deleting_an_unknown_or_foreign_key_is_404(app: TestApp) {
    let (token, _) = app.account_with_key("ada@example.com").await;
    let (_, bobs) = app.account_with_key("bob@example.com").await;
    assert_api_error(
        app.client.delete_client_key(&token, &bobs.client_id).await,
        404,
        "not_found",
    );
    assert_api_error(
        app.client.delete_client_key(&token, &"0".repeat(40)).await,
        404,
        "not_found",
    );
    assert_api_error(
        app.client.delete_client_key(&token, "nonsense").await,
        404,
        "not_found",
    );
    app.client_grant(&bobs).await;
}

async fn a_client_access_token_is_refused_by_account_endpoints_with_403(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let tokens = app.client_grant(&key).await;
    assert_api_error(
        app.client.me(&tokens.access_token).await,
        403,
        "insufficient_token_kind",
    );
    assert_api_error(
        app.client.client_keys(&tokens.access_token).await,
        403,
        "insufficient_token_kind",
    );
    let create = app
        .client
        .create_client_key(&tokens.access_token, &CreateClientKeyRequest::default())
        .await;
    assert_api_error(create, 403, "insufficient_token_kind");
    assert_api_error(
        app.client.refresh_tokens(&tokens.access_token).await,
        403,
        "insufficient_token_kind",
    );
}

async fn a_name_over_100_characters_is_refused(app: TestApp) {
    let token = app.account("ada@example.com").await;
    let request = CreateClientKeyRequest {
        name: Some("n".repeat(101)),
        scope: None,
        rotate_refresh_tokens: None,
        ..CreateClientKeyRequest::default()
    };
    assert_api_error(
        app.client.create_client_key(&token, &request).await,
        400,
        "invalid_request",
    );
}
