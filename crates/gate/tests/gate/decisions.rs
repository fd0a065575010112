//! The decision table with latchkeyd's own tokens: who passes, with which identity, and
//! who is refused with which answer.

use latchkey_testkit::TestApp;

use crate::helpers::{RULES, TestGate, assert_invalid_token, read_only_client};

/// latchkeyd, the gate trusting it, an account token (every scope) and a client token
/// whose key grants `nodes:read` only: (app, gate, account token, client token, client id).
async fn setup() -> (TestApp, TestGate, String, String, String) {
    let app = TestApp::spawn().await;
    let gate = TestGate::start(&app.address, RULES).await;
    let account = app.account("ada@example.com").await;
    let (client, client_id) = read_only_client(&app, &account).await;
    (app, gate, account, client, client_id)
}

#[tokio::test]
async fn account_and_client_tokens_pass_with_their_identity_headers() {
    let (app, gate, account, client, client_id) = setup().await;
    let me = app.client.me(&account).await.unwrap();

    let answer = gate.ask("GET", "/api/items?page=2", Some(&account)).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.header("x-latchkey-subject"), Some(me.id.as_str()));
    assert_eq!(answer.header("x-latchkey-kind"), Some("account_access"));
    assert_eq!(answer.header("x-latchkey-client-id"), None);
    assert_eq!(
        answer.header("x-latchkey-scope"),
        Some("nodes:read nodes:write")
    );

    let answer = gate.ask("HEAD", "/api/items", Some(&client)).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.header("x-latchkey-subject"), Some(me.id.as_str()));
    assert_eq!(answer.header("x-latchkey-kind"), Some("client_access"));
    assert_eq!(
        answer.header("x-latchkey-client-id"),
        Some(client_id.as_str())
    );
    assert_eq!(answer.header("x-latchkey-scope"), Some("nodes:read"));
}

#[tokio::test]
async fn a_token_without_the_rules_scope_gets_403_insufficient_scope() {
    let (_app, gate, account, client, _) = setup().await;
    let answer = gate.ask("POST", "/api/items", Some(&client)).await;
    assert_eq!(answer.status, 403, "{answer:?}");
    assert_eq!(answer.error(), "insufficient_scope");
    assert_eq!(
        answer.header("www-authenticate"),
        Some(r#"Bearer error="insufficient_scope", scope="nodes:write""#)
    );
    assert!(!answer.has_identity());
    // The account token has nodes:write, but nobody has `admin`.
    assert_eq!(
        gate.ask("DELETE", "/api/items/1", Some(&account))
            .await
            .status,
        200
    );
    let admin = gate.ask("GET", "/admin/users", Some(&account)).await;
    assert_eq!((admin.status, admin.error()), (403, "insufficient_scope"));
}

#[tokio::test]
async fn no_rule_for_the_method_or_path_gets_403() {
    let (_app, gate, account, _, _) = setup().await;
    for (method, uri) in [
        ("PATCH", "/api/items"),
        ("GET", "/apifoo"),
        ("GET", "/"),
        ("GET", "/elsewhere"),
        ("get", "/api/items"),
    ] {
        let answer = gate.ask(method, uri, Some(&account)).await;
        assert_eq!(
            (answer.status, answer.error()),
            (403, "forbidden"),
            "{method} {uri}"
        );
        assert!(!answer.has_identity(), "{method} {uri}");
    }
}

#[tokio::test]
async fn public_routes_pass_without_a_token_and_without_identity() {
    let (_app, gate, account, _, _) = setup().await;
    for (method, uri, token) in [
        ("GET", "/public", None),
        ("POST", "/public/form", None),
        ("GET", "/public/x", Some("not-a-token")),
        ("GET", "/public/x", Some(account.as_str())),
        ("GET", "/api/status", None),
    ] {
        let answer = gate.ask(method, uri, token).await;
        assert_eq!(answer.status, 200, "{method} {uri}");
        assert!(!answer.has_identity(), "{method} {uri}");
    }
    // The longest prefix wins only for its methods: POST /api/status needs nodes:write.
    let answer = gate.ask("POST", "/api/status", None).await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.header("www-authenticate"), Some("Bearer"));
}

#[tokio::test]
async fn a_missing_token_gets_401_with_the_plain_bearer_challenge() {
    let (_app, gate, _, _, _) = setup().await;
    let answer = gate.ask("GET", "/api/items", None).await;
    assert_eq!((answer.status, answer.error()), (401, "invalid_token"));
    assert_eq!(answer.header("www-authenticate"), Some("Bearer"));
}

#[tokio::test]
async fn a_refresh_token_is_no_bearer_token() {
    let app = TestApp::spawn().await;
    let gate = TestGate::start(&app.address, RULES).await;
    let (_, key) = app.account_with_key("ada@example.com").await;
    let refresh = app.client_refresh_token(&key).await;
    let answer = gate.ask("GET", "/api/items", Some(refresh.expose())).await;
    assert_invalid_token(&answer, "client refresh token");
}

#[tokio::test]
async fn x_auth_token_is_read_too() {
    let (_app, gate, _, client, _) = setup().await;
    let request = gate
        .http
        .post(format!("{}/verify", gate.url))
        .header("X-Forwarded-Method", "GET")
        .header("X-Forwarded-Uri", "/api/items")
        .header("X-Auth-Token", &client);
    let answer = gate.send(request).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.header("x-latchkey-kind"), Some("client_access"));
}

#[tokio::test]
async fn nginx_style_headers_and_envoy_style_paths_are_read_too() {
    let (_app, gate, _, client, _) = setup().await;
    let ask = |method: &str, uri: &str| {
        gate.http
            .get(format!("{}/verify", gate.url))
            .header("X-Original-Method", method)
            .header("X-Original-URI", uri)
            .header("Authorization", format!("Bearer {client}"))
    };
    assert_eq!(gate.send(ask("GET", "/api/items")).await.status, 200);
    assert_eq!(gate.send(ask("PUT", "/api/items")).await.status, 403);

    // Envoy: the original method, and the original path after /verify.
    let envoy = |method: reqwest::Method, path: &str| {
        gate.http
            .request(method, format!("{}/verify{path}", gate.url))
            .header("Authorization", format!("Bearer {client}"))
    };
    let answer = gate
        .send(envoy(reqwest::Method::GET, "/api/items?x=1"))
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.header("x-latchkey-kind"), Some("client_access"));
    assert_eq!(
        gate.send(envoy(reqwest::Method::POST, "/api/items"))
            .await
            .status,
        403
    );
    assert_eq!(
        gate.send(envoy(reqwest::Method::GET, "/")).await.status,
        403
    );
}

#[tokio::test]
async fn forward_auth_headers_that_disagree_or_repeat_are_refused() {
    let (_app, gate, _, client, _) = setup().await;
    let base = || {
        gate.http
            .get(format!("{}/verify", gate.url))
            .header("Authorization", format!("Bearer {client}"))
    };
    let cases = [
        (
            "two styles disagreeing",
            base()
                .header("X-Original-Method", "GET")
                .header("X-Original-URI", "/admin")
                .header("X-Forwarded-Method", "GET")
                .header("X-Forwarded-Uri", "/public"),
        ),
        (
            "URI twice",
            base()
                .header("X-Forwarded-Method", "GET")
                .header("X-Forwarded-Uri", "/public")
                .header("X-Forwarded-Uri", "/admin"),
        ),
        (
            "method without URI",
            base().header("X-Forwarded-Method", "GET"),
        ),
        (
            "empty method",
            base()
                .header("X-Forwarded-Method", "")
                .header("X-Forwarded-Uri", "/api/items"),
        ),
        ("nothing", base()),
    ];
    for (what, request) in cases {
        let answer = gate.send(request).await;
        assert_eq!(
            (answer.status, answer.error()),
            (400, "invalid_request"),
            "{what}"
        );
    }
    // Both styles naming the same request are fine.
    let same = base()
        .header("X-Original-Method", "GET")
        .header("X-Original-URI", "/api/items")
        .header("X-Forwarded-Method", "GET")
        .header("X-Forwarded-Uri", "/api/items");
    assert_eq!(gate.send(same).await.status, 200);
}
