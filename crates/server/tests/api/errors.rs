//! Malformed requests get a JSON error body with a stable code, never a 500.

use latchkey_testkit::{TestApp, backend_tests};

backend_tests!(
    malformed_json_is_400_invalid_request,
    a_body_over_64_kib_is_413,
    unknown_routes_and_methods_get_json_404_and_405,
    a_missing_or_garbage_bearer_token_is_401_with_a_challenge,
    the_x_auth_token_header_is_accepted,
    malformed_basic_credentials_are_400,
    a_path_parameter_that_is_not_utf8_gets_the_json_error,
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

/// Every route with a path parameter, with `%FF` (a lone byte that is not UTF-8) in each
/// parameter in turn: 400 `invalid_request` with the JSON body, not axum's plain text.
async fn a_path_parameter_that_is_not_utf8_gets_the_json_error(app: TestApp) {
    let token = app.account("ada@example.com").await;
    let routes = [
        ("DELETE", "/client-keys/%FF"),
        ("DELETE", "/refresh-tokens/%FF"),
        ("GET", "/api/auth/0.1/users/%FF/tokens"),
        ("DELETE", "/api/auth/0.1/users/%FF/tokens/example"),
        ("DELETE", "/api/auth/0.1/users/me/tokens/%C3%28"),
    ];
    for (method, path) in routes {
        let response = app
            .http
            .request(method.parse().unwrap(), app.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        let text = response.text().await.unwrap();
        assert_eq!(status, 400, "{method} {path}: {text}");
        assert_eq!(content_type, "application/json", "{method} {path}: {text}");
        let body: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(body["error"], "invalid_request", "{method} {path}");
        assert!(
            body["message"].as_str().unwrap().contains("UTF-8"),
            "{method} {path}: {body}"
        );
    }
}
