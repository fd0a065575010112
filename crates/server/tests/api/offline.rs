//! Offline logins (Wazo style): account refresh tokens bound to an application id.

use latchkey_client::api::LoginRequest;
use latchkey_testkit::{TestApp, assert_api_error, backend_tests, decode};

use crate::oauth2_kit::offline;

backend_tests!(
    an_offline_login_returns_an_account_refresh_token_without_expiry,
    an_account_refresh_token_works_only_with_its_client_id,
    an_offline_login_needs_a_client_id,
    an_unknown_access_type_is_refused,
);

async fn an_offline_login_returns_an_account_refresh_token_without_expiry(app: TestApp) {
    app.signup("ada@example.com").await;
    let tokens = app
        .login_with("ada@example.com", &offline("example"))
        .await
        .unwrap();
    let (header, refresh) = decode(tokens.refresh_token.as_ref().unwrap().expose());
    assert_eq!(header["typ"], "rt+jwt");
    assert_eq!(refresh["kind"], "account_refresh");
    assert_eq!(refresh["client_id"], "example");
    assert!(refresh.get("exp").is_none());
    let (_, access) = decode(&tokens.access_token);
    assert_eq!(access["sid"], refresh["sid"]);
    // Years later, it still works.
    app.clock.advance(5 * 365 * 86_400);
    let refreshed = app
        .client
        .refresh(tokens.refresh_token.as_ref().unwrap(), Some("example"))
        .await
        .unwrap();
    app.client.me(&refreshed.access_token).await.unwrap();
}

async fn an_account_refresh_token_works_only_with_its_client_id(app: TestApp) {
    app.signup("ada@example.com").await;
    let refresh = app
        .login_with("ada@example.com", &offline("example"))
        .await
        .unwrap()
        .refresh_token
        .unwrap();
    assert_api_error(
        app.client.refresh(&refresh, None).await,
        400,
        "invalid_grant",
    );
    assert_api_error(
        app.client.refresh(&refresh, Some("another-app")).await,
        400,
        "invalid_grant",
    );
    let tokens = app.client.refresh(&refresh, Some("example")).await.unwrap();
    assert!(
        tokens.refresh_token.is_none(),
        "a refresh token cannot make a refresh token"
    );
    let (_, access) = decode(&tokens.access_token);
    assert_eq!(access["kind"], "account_access");
    app.client.me(&tokens.access_token).await.unwrap();
}

async fn an_offline_login_needs_a_client_id(app: TestApp) {
    app.signup("ada@example.com").await;
    let options = LoginRequest {
        access_type: Some("offline".into()),
        ..LoginRequest::default()
    };
    assert_api_error(
        app.login_with("ada@example.com", &options).await,
        400,
        "invalid_request",
    );
    // A client id without offline access is fine and makes no refresh token.
    let online = LoginRequest {
        client_id: Some("example".into()),
        ..LoginRequest::default()
    };
    let tokens = app.login_with("ada@example.com", &online).await.unwrap();
    assert!(tokens.refresh_token.is_none());
}

async fn an_unknown_access_type_is_refused(app: TestApp) {
    app.signup("ada@example.com").await;
    let options = LoginRequest {
        access_type: Some("forever".into()),
        client_id: Some("x".into()),
        expiration: None,
    };
    assert_api_error(
        app.login_with("ada@example.com", &options).await,
        400,
        "invalid_request",
    );
}
