//! Sign-up, login, profile and password change.

use latchkey_client::api::LoginRequest;
use latchkey_testkit::{PASSWORD, TestApp, assert_api_error, backend_tests, decode};

backend_tests!(
    signup_normalises_the_email_and_returns_the_account,
    signup_refuses_a_registered_email_with_409,
    signup_refuses_passwords_outside_8_to_1024_bytes,
    signup_refuses_a_malformed_email,
    login_by_email_or_account_id_returns_a_12_hour_account_access_token,
    login_answers_the_same_401_for_a_wrong_password_and_an_unknown_account,
    login_without_credentials_returns_401,
    login_expiration_shortens_the_token_within_the_maximum,
    me_returns_the_callers_account,
    changing_the_password_ends_refresh_tokens_and_older_access_tokens,
    changing_the_password_needs_the_current_one,
);

async fn signup_normalises_the_email_and_returns_the_account(app: TestApp) {
    let account = app
        .client
        .signup("  Ada@Example.COM ", PASSWORD)
        .await
        .unwrap();
    assert_eq!(account.email, "ada@example.com");
    assert_eq!(account.id.len(), 36);
}

async fn signup_refuses_a_registered_email_with_409(app: TestApp) {
    app.signup("ada@example.com").await;
    assert_api_error(
        app.client.signup("ADA@example.com", PASSWORD).await,
        409,
        "conflict",
    );
}

async fn signup_refuses_passwords_outside_8_to_1024_bytes(app: TestApp) {
    let longest = format!("{PASSWORD} {}", "x".repeat(1024 - PASSWORD.len() - 1));
    assert_api_error(
        app.client.signup("a@example.com", "1234567").await,
        400,
        "invalid_request",
    );
    assert_api_error(
        app.client.signup("a@example.com", &"x".repeat(1025)).await,
        400,
        "invalid_request",
    );
    assert_api_error(
        app.client
            .signup("a@example.com", &format!("{longest}x"))
            .await,
        400,
        "invalid_request",
    );
    app.client.signup("a@example.com", &longest).await.unwrap();
    app.client
        .signup("b@example.com", "tulip ferry granite")
        .await
        .unwrap();
}

async fn signup_refuses_a_malformed_email(app: TestApp) {
    for email in ["", "ada", "ada@localhost", "a b@example.com"] {
        assert_api_error(
            app.client.signup(email, PASSWORD).await,
            400,
            "invalid_request",
        );
    }
}

async fn login_by_email_or_account_id_returns_a_12_hour_account_access_token(app: TestApp) {
    let account = app
        .client
        .signup("ada@example.com", PASSWORD)
        .await
        .unwrap();
    for username in [account.id.as_str(), "ada@example.com", "ADA@example.com"] {
        let tokens = app
            .client
            .login(username, PASSWORD, &LoginRequest::default())
            .await
            .unwrap();
        assert!(tokens.refresh_token.is_none());
        let (header, claims) = decode(&tokens.access_token);
        assert_eq!(header["alg"], "EdDSA");
        assert_eq!(header["typ"], "at+jwt");
        assert!(header["kid"].is_string());
        assert_eq!(claims["kind"], "account_access");
        assert_eq!(claims["sub"], account.id.as_str());
        assert_eq!(claims["iss"], app.address.as_str());
        assert_eq!(claims["aud"], app.address.as_str());
        assert_eq!(
            claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
            12 * 3600
        );
        assert!(claims["jti"].is_string());
        assert!(claims.get("client_id").is_none());
    }
}

async fn login_answers_the_same_401_for_a_wrong_password_and_an_unknown_account(app: TestApp) {
    app.signup("ada@example.com").await;
    let wrong = app
        .http
        .post(app.url("/auth/login"))
        .basic_auth("ada@example.com", Some("wrong password"))
        .send()
        .await
        .unwrap();
    let unknown = app
        .http
        .post(app.url("/auth/login"))
        .basic_auth("bob@example.com", Some(PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert_eq!(unknown.status(), 401);
    assert!(wrong.headers().contains_key("www-authenticate"));
    let (wrong, unknown): (serde_json::Value, serde_json::Value) =
        (wrong.json().await.unwrap(), unknown.json().await.unwrap());
    assert_eq!(wrong, unknown);
    assert_eq!(wrong["error"], "invalid_credentials");
}

async fn login_without_credentials_returns_401(app: TestApp) {
    let response = app.http.post(app.url("/auth/login")).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_credentials");
}

async fn login_expiration_shortens_the_token_within_the_maximum(app: TestApp) {
    app.signup("ada@example.com").await;
    let short = LoginRequest {
        expiration: Some(3600),
        ..LoginRequest::default()
    };
    let tokens = app.login_with("ada@example.com", &short).await.unwrap();
    let (_, claims) = decode(&tokens.access_token);
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        3600
    );
    for bad in [0, 12 * 3600 + 1] {
        let options = LoginRequest {
            expiration: Some(bad),
            ..LoginRequest::default()
        };
        assert_api_error(
            app.login_with("ada@example.com", &options).await,
            400,
            "invalid_request",
        );
    }
}

async fn me_returns_the_callers_account(app: TestApp) {
    let token = app.account("ada@example.com").await;
    let me = app.client.me(&token).await.unwrap();
    assert_eq!(me.email, "ada@example.com");
    let other = app.account("bob@example.com").await;
    assert_eq!(
        app.client.me(&other).await.unwrap().email,
        "bob@example.com"
    );
}

async fn changing_the_password_ends_refresh_tokens_and_older_access_tokens(app: TestApp) {
    let (token, key) = app.account_with_key("ada@example.com").await;
    let client_tokens = app.client_grant(&key).await;
    // Tokens issued before the change predate it by at least a second.
    app.clock.advance(1);
    let fresh = app
        .client
        .change_password(&token, PASSWORD, "a brand new password")
        .await
        .unwrap();
    assert_api_error(app.client.me(&token).await, 401, "invalid_token");
    app.client.me(&fresh.access_token).await.unwrap();
    let refresh = client_tokens.refresh_token.unwrap();
    assert_api_error(
        app.client.refresh(&refresh, None).await,
        400,
        "invalid_grant",
    );
    assert_api_error(
        app.client
            .login("ada@example.com", PASSWORD, &LoginRequest::default())
            .await,
        401,
        "invalid_credentials",
    );
    app.client
        .login(
            "ada@example.com",
            "a brand new password",
            &LoginRequest::default(),
        )
        .await
        .unwrap();
}

async fn changing_the_password_needs_the_current_one(app: TestApp) {
    let token = app.account("ada@example.com").await;
    assert_api_error(
        app.client
            .change_password(&token, "not my password", "another new one")
            .await,
        401,
        "invalid_credentials",
    );
    assert_api_error(
        app.client.change_password(&token, PASSWORD, "short").await,
        400,
        "invalid_request",
    );
    app.client
        .login("ada@example.com", PASSWORD, &LoginRequest::default())
        .await
        .unwrap();
}
