//! The token endpoint: client credentials and refresh, as the seeds describe them.

use latchkey_client::api::TokenRequest;
use latchkey_client::{ClientSecret, RefreshToken};
use latchkey_testkit::{TestApp, assert_api_error, backend_tests, decode};

backend_tests!(
    client_credentials_return_a_1_hour_access_token_and_a_365_day_refresh_token,
    the_seed_refresh_sample_with_its_trailing_comma_returns_an_access_token,
    a_refreshed_token_keeps_the_client_and_session,
    a_wrong_secret_or_unknown_client_is_401_invalid_client,
    an_unknown_grant_type_is_400_unsupported_grant_type,
    a_missing_field_is_400_invalid_request,
    a_refresh_token_used_as_a_bearer_token_is_401,
    an_access_token_used_as_a_refresh_token_is_invalid_grant,
    expiration_shortens_a_client_access_token_within_the_maximum,
    an_expired_access_token_is_refused_with_401,
    latchkeyd_gives_its_own_account_tokens_no_leeway,
);

async fn client_credentials_return_a_1_hour_access_token_and_a_365_day_refresh_token(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    // The seed's sample body, byte for byte with real keys.
    let body = format!(
        "{{\n  \"grantType\": \"clientCredentials\",\n  \"clientId\": \"{}\",\n  \"clientSecret\": \"{}\"\n}}",
        key.client_id,
        key.client_secret.expose()
    );
    let (status, tokens) = app.post_raw("/auth/token", &body).await;
    assert_eq!(status, 200);
    let (header, access) = decode(tokens["accessToken"].as_str().unwrap());
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(access["kind"], "client_access");
    assert_eq!(access["client_id"], key.client_id.as_str());
    assert_eq!(
        access["exp"].as_i64().unwrap() - access["iat"].as_i64().unwrap(),
        3600
    );
    assert_eq!(access["scope"], "nodes:read nodes:write");
    let (header, refresh) = decode(tokens["refreshToken"].as_str().unwrap());
    assert_eq!(header["typ"], "rt+jwt");
    assert_eq!(refresh["kind"], "client_refresh");
    assert_eq!(
        refresh["exp"].as_i64().unwrap() - refresh["iat"].as_i64().unwrap(),
        365 * 86_400
    );
    assert_eq!(access["sid"], refresh["sid"]);
}

async fn the_seed_refresh_sample_with_its_trailing_comma_returns_an_access_token(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let refresh = app.client_refresh_token(&key).await;
    let body = format!(
        "{{\n  \"grantType\": \"refreshToken\",\n  \"refreshToken\": \"{}\",\n}}",
        refresh.expose()
    );
    let (status, tokens) = app.post_raw("/auth/token", &body).await;
    assert_eq!(status, 200, "{tokens}");
    assert!(tokens["accessToken"].is_string());
    assert!(
        tokens.get("refreshToken").is_none(),
        "rotation is off by default"
    );
}

async fn a_refreshed_token_keeps_the_client_and_session(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let first = app.client_grant(&key).await;
    let refreshed = app
        .client
        .refresh(first.refresh_token.as_ref().unwrap(), None)
        .await
        .unwrap();
    let (_, before) = decode(&first.access_token);
    let (_, after) = decode(&refreshed.access_token);
    assert_eq!(after["kind"], "client_access");
    for claim in ["sub", "client_id", "sid", "scope"] {
        assert_eq!(before[claim], after[claim], "{claim}");
    }
    assert_ne!(before["jti"], after["jti"]);
    // The client ID may be repeated, but must match.
    app.client
        .refresh(first.refresh_token.as_ref().unwrap(), Some(&key.client_id))
        .await
        .unwrap();
    let mismatch = app
        .client
        .refresh(first.refresh_token.as_ref().unwrap(), Some(&"a".repeat(40)))
        .await;
    assert_api_error(mismatch, 400, "invalid_grant");
}

async fn a_wrong_secret_or_unknown_client_is_401_invalid_client(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let wrong_secret = ClientSecret::new("0".repeat(80));
    assert_api_error(
        app.client
            .client_credentials(&key.client_id, &wrong_secret)
            .await,
        401,
        "invalid_client",
    );
    assert_api_error(
        app.client
            .client_credentials(&"f".repeat(40), &key.client_secret)
            .await,
        401,
        "invalid_client",
    );
    assert_api_error(
        app.client
            .client_credentials("short", &key.client_secret)
            .await,
        401,
        "invalid_client",
    );
    // The ID is case-insensitive; the secret is hex, so case-insensitive too.
    app.client
        .client_credentials(
            &key.client_id.to_uppercase(),
            &ClientSecret::new(key.client_secret.expose().to_uppercase()),
        )
        .await
        .unwrap();
}

async fn an_unknown_grant_type_is_400_unsupported_grant_type(app: TestApp) {
    let request = TokenRequest {
        grant_type: "password".into(),
        ..TokenRequest::default()
    };
    assert_api_error(
        app.client.token(&request).await,
        400,
        "unsupported_grant_type",
    );
}

async fn a_missing_field_is_400_invalid_request(app: TestApp) {
    for body in [
        r#"{"grantType": "clientCredentials", "clientId": "x"}"#,
        r#"{"grantType": "refreshToken"}"#,
        r#"{"clientId": "x"}"#,
        r#"{"grantType": 7}"#,
        r#"{"grantType": "refreshToken", "refreshToken": "a.b.c", "expiration": "soon"}"#,
    ] {
        let (status, error) = app.post_raw("/auth/token", body).await;
        assert_eq!(
            (status, error["error"].as_str()),
            (400, Some("invalid_request")),
            "{body}"
        );
    }
}

async fn a_refresh_token_used_as_a_bearer_token_is_401(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let refresh = app.client_refresh_token(&key).await;
    for header in ["authorization", "x-auth-token"] {
        let value = if header == "authorization" {
            format!("Bearer {}", refresh.expose())
        } else {
            refresh.expose().to_owned()
        };
        let response = app
            .http
            .get(app.url("/users/me"))
            .header(header, value)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        assert_eq!(
            response.headers()["www-authenticate"],
            r#"Bearer error="invalid_token""#
        );
    }
}

async fn an_access_token_used_as_a_refresh_token_is_invalid_grant(app: TestApp) {
    let (token, key) = app.account_with_key("ada@example.com").await;
    let access = app.client_grant(&key).await.access_token;
    assert_api_error(
        app.client.refresh(&RefreshToken::new(access), None).await,
        400,
        "invalid_grant",
    );
    assert_api_error(
        app.client.refresh(&RefreshToken::new(token), None).await,
        400,
        "invalid_grant",
    );
    assert_api_error(
        app.client
            .refresh(&RefreshToken::new("garbage"), None)
            .await,
        400,
        "invalid_grant",
    );
}

async fn expiration_shortens_a_client_access_token_within_the_maximum(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let request = |expiration| TokenRequest {
        grant_type: "clientCredentials".into(),
        client_id: Some(key.client_id.clone()),
        client_secret: Some(key.client_secret.clone()),
        expiration: Some(expiration),
        ..TokenRequest::default()
    };
    let tokens = app.client.token(&request(60)).await.unwrap();
    let (_, claims) = decode(&tokens.access_token);
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        60
    );
    assert_api_error(
        app.client.token(&request(3601)).await,
        400,
        "invalid_request",
    );
    assert_api_error(app.client.token(&request(0)).await, 400, "invalid_request");
}

async fn an_expired_access_token_is_refused_with_401(app: TestApp) {
    let token = app.account("ada@example.com").await;
    app.clock.advance(12 * 3600 + 120);
    assert_api_error(app.client.me(&token).await, 401, "invalid_token");
}

async fn latchkeyd_gives_its_own_account_tokens_no_leeway(app: TestApp) {
    app.clock.freeze();
    let token = app.account("ada@example.com").await;
    app.clock.advance(12 * 3600 - 1);
    app.client.me(&token).await.unwrap();
    // One second past its exp: resource services may allow for clock drift, latchkeyd
    // is the clock.
    app.clock.advance(2);
    assert_api_error(app.client.me(&token).await, 401, "invalid_token");
}
