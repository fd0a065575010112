//! Malformed requests get a JSON error body with a stable code, never a 500.

use latchkey_testkit::{TestApp, backend_tests};

backend_tests!(
    malformed_json_is_400_invalid_request,
    a_body_over_64_kib_is_413,
    unknown_routes_and_methods_get_json_404_and_405,
    a_missing_or_garbage_bearer_token_is_401_with_a_challenge,
    the_x_auth_token_header_is_accepted,
    malformed_basic_credentials_are_400,
);

async fn malformed_json_is_400_invalid_request(app: TestApp) {
    for body in [
        "{",
        "[]",
        "null",
        "{\"grantType\":}",
        "\u{0}",
        "{\"email\": \"a@example.com\",, }",
    ] {
        for path in ["/auth/token", "/users"] {
            let (status, error) = app.post_raw(path, body).await;
            assert_eq!(status, 400, "{path} {body:?}");
            assert_eq!(error["error"], "invalid_request");
            assert!(error["message"].is_string());
        }
    }
}

async fn a_body_over_64_kib_is_413(app: TestApp) {
    let padding = "x".repeat(64 * 1024);
    let (status, error) = app
        .post_raw("/auth/token", &format!("{{\"grantType\": \"{padding}\"}}"))
        .await;
    assert_eq!(
        (status, error["error"].as_str()),
        (413, Some("payload_too_large"))
    );
}

async fn unknown_routes_and_methods_get_json_404_and_405(app: TestApp) {
    let response = app
        .http
        .get(app.url("/no/such/thing"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap()["error"],
        "not_found"
    );
    let response = app
        .http
        .delete(app.url("/auth/token"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap()["error"],
        "method_not_allowed"
    );
}

async fn a_missing_or_garbage_bearer_token_is_401_with_a_challenge(app: TestApp) {
    let missing = app.http.get(app.url("/users/me")).send().await.unwrap();
    assert_eq!(missing.status(), 401);
    assert_eq!(missing.headers()["www-authenticate"], "Bearer");
    for garbage in ["garbage", "a.b.c", "eyJhbGciOiJub25lIn0.e30.", "Bearer"] {
        let response = app
            .http
            .get(app.url("/users/me"))
            .bearer_auth(garbage)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{garbage}");
        assert_eq!(
            response.headers()["www-authenticate"],
            r#"Bearer error="invalid_token""#
        );
        assert_eq!(
            response.json::<serde_json::Value>().await.unwrap()["error"],
            "invalid_token"
        );
    }
}

async fn the_x_auth_token_header_is_accepted(app: TestApp) {
    let token = app.account("ada@example.com").await;
    let response = app
        .http
        .get(app.url("/users/me"))
        .header("X-Auth-Token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

async fn malformed_basic_credentials_are_400(app: TestApp) {
    for header in ["Basic !!!", "Basic bm9jb2xvbg=="] {
        let response = app
            .http
            .post(app.url("/auth/login"))
            .header("authorization", header)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{header}");
    }
}
