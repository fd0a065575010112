//! The OAuth 2 token endpoint's client authentication (RFC 6749 §2.3): Basic or form
//! fields, never both, and the answers to a failed one, over raw form-encoded HTTP.

use latchkey_client::api::CreatedClientKey;

use crate::backend_tests;
use crate::helpers::{TestApp, decode};
use crate::oauth2_kit::{Auth, claim, form};

backend_tests!(
    client_credentials_with_basic_auth_return_bearer_tokens_that_are_not_cached,
    client_credentials_with_post_auth_return_the_same_kinds_of_token,
    basic_and_post_auth_in_one_request_is_invalid_request,
    a_failed_basic_auth_is_401_invalid_client_with_a_basic_challenge,
    a_failed_post_auth_is_401_invalid_client_without_a_challenge,
);

async fn client_credentials_with_basic_auth_return_bearer_tokens_that_are_not_cached(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let reply = form(
        &app,
        "/oauth2/token",
        Auth::Basic(&key),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.headers["cache-control"], "no-store");
    assert_eq!(reply.headers["pragma"], "no-cache");
    let body = &reply.body;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "nodes:read nodes:write");
    let (header, access) = decode(body["access_token"].as_str().unwrap());
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(access["kind"], "client_access");
    assert_eq!(access["client_id"], key.client_id.as_str());
    let (header, refresh) = decode(body["refresh_token"].as_str().unwrap());
    assert_eq!(header["typ"], "rt+jwt");
    assert_eq!(refresh["kind"], "client_refresh");
    assert_eq!(access["sid"], refresh["sid"]);
}

async fn client_credentials_with_post_auth_return_the_same_kinds_of_token(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let reply = form(
        &app,
        "/oauth2/token",
        Auth::Post(&key),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(claim(&reply.body, "access_token", "kind"), "client_access");
    assert_eq!(
        claim(&reply.body, "refresh_token", "kind"),
        "client_refresh"
    );
    // Basic with the (same) client_id repeated in the body is one method, not two.
    let reply = form(
        &app,
        "/oauth2/token",
        Auth::Basic(&key),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &key.client_id),
        ],
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

async fn basic_and_post_auth_in_one_request_is_invalid_request(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let both = form(
        &app,
        "/oauth2/token",
        Auth::Basic(&key),
        &[
            ("grant_type", "client_credentials"),
            ("client_secret", key.client_secret.expose()),
        ],
    )
    .await;
    assert_eq!((both.status, both.error()), (400, "invalid_request"));
    assert!(both.body["error_description"].is_string());
    let other_id = "a".repeat(40);
    let mismatch = form(
        &app,
        "/oauth2/token",
        Auth::Basic(&key),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &other_id),
        ],
    )
    .await;
    assert_eq!(
        (mismatch.status, mismatch.error()),
        (400, "invalid_request")
    );
}

async fn a_failed_basic_auth_is_401_invalid_client_with_a_basic_challenge(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let wrong = CreatedClientKey {
        client_secret: "0".repeat(80).into(),
        ..key.clone()
    };
    let unknown = CreatedClientKey {
        client_id: "f".repeat(40),
        ..key.clone()
    };
    let grant = [("grant_type", "client_credentials")];
    for auth in [Auth::Basic(&wrong), Auth::Basic(&unknown), Auth::None] {
        let reply = form(&app, "/oauth2/token", auth, &grant).await;
        assert_eq!((reply.status, reply.error()), (401, "invalid_client"));
        assert!(
            reply.headers["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Basic")
        );
    }
    for header in ["Basic !!!", "Basic Zm9v", "Bearer abc"] {
        let response = app
            .http
            .post(app.url("/oauth2/token"))
            .header("authorization", header)
            .form(&grant)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{header}");
        assert!(response.headers().contains_key("www-authenticate"));
    }
}

async fn a_failed_post_auth_is_401_invalid_client_without_a_challenge(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let wrong = CreatedClientKey {
        client_secret: "0".repeat(80).into(),
        ..key.clone()
    };
    let reply = form(
        &app,
        "/oauth2/token",
        Auth::Post(&wrong),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!((reply.status, reply.error()), (401, "invalid_client"));
    assert!(!reply.headers.contains_key("www-authenticate"));
    // A client_id without a secret is a public client, which Latchkey does not have.
    let public = form(
        &app,
        "/oauth2/token",
        Auth::None,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &key.client_id),
        ],
    )
    .await;
    assert_eq!((public.status, public.error()), (401, "invalid_client"));
}
