//! Client-key lifecycle: expiry, allowed networks (and the trusted proxies that name the
//! client behind them), last use, and secret rotation with an overlap.

use latchkey_client::api::{AuditEvent, CreateClientKeyRequest, CreatedClientKey, EventsQuery};
use latchkey_client::{Client, ClientSecret};
use latchkey_testkit::{TestApp, assert_api_error, backend_tests};
use time::OffsetDateTime;

backend_tests!(
    an_expired_key_is_invalid_client_and_audited,
    an_expiry_in_the_past_is_refused,
    a_key_is_refused_outside_its_networks_and_the_refusal_audited,
    malformed_cidrs_are_refused_with_a_clear_message,
    the_key_shows_its_last_use_and_address,
    forwarded_for_names_the_client_only_behind_a_trusted_proxy,
    a_rotated_secret_overlaps_then_stops_and_issued_tokens_live_on,
    the_overlap_is_checked_and_a_second_rotation_ends_the_first_secret,
    rotating_an_unknown_or_foreign_key_is_404,
    a_grant_racing_a_rotation_always_finds_a_working_secret,
);

async fn key_with(app: &TestApp, request: CreateClientKeyRequest) -> (String, CreatedClientKey) {
    app.account_with_key_like("ada@example.com", &request).await
}

/// Asserts that a client-credentials grant with `key`'s ID and `secret` is refused.
async fn refused(client: &Client, key: &CreatedClientKey, secret: &ClientSecret) {
    assert_api_error(
        client.client_credentials(&key.client_id, secret).await,
        401,
        "invalid_client",
    );
}

async fn events(app: &TestApp, token: &str) -> Vec<AuditEvent> {
    app.client
        .events(token, &EventsQuery::default())
        .await
        .unwrap()
}

fn cidrs(ranges: &[&str]) -> CreateClientKeyRequest {
    CreateClientKeyRequest {
        allowed_cidrs: Some(ranges.iter().map(|r| (*r).to_owned()).collect()),
        ..CreateClientKeyRequest::default()
    }
}

async fn an_expired_key_is_invalid_client_and_audited(app: TestApp) {
    let expires_at = OffsetDateTime::now_utc() + time::Duration::hours(1);
    let (token, key) = key_with(
        &app,
        CreateClientKeyRequest {
            expires_at: Some(expires_at),
            ..CreateClientKeyRequest::default()
        },
    )
    .await;
    assert_eq!(
        key.lifecycle.expires_at,
        Some(expires_at.replace_nanosecond(0).unwrap())
    );
    let refresh = app.client_refresh_token(&key).await;
    app.clock.advance(3601);
    refused(&app.client, &key, &key.client_secret).await;
    // A refresh token made from the key ends with it.
    assert_api_error(
        app.client.refresh(&refresh, None).await,
        401,
        "invalid_client",
    );
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", key.client_id.as_str()),
        ("client_secret", key.client_secret.expose()),
    ];
    let reply = app
        .send(app.http.post(app.url("/oauth2/token")).form(&form))
        .await;
    assert_eq!((reply.status, reply.error()), (401, "invalid_client"));
    let trail = events(&app, &token).await;
    let expired: Vec<_> = trail
        .iter()
        .filter(|e| e.kind == "client_key_expired")
        .collect();
    assert_eq!(expired.len(), 3, "{trail:?}");
    assert_eq!(
        expired[0].client_id.as_deref(),
        Some(key.client_id.as_str())
    );
}

async fn an_expiry_in_the_past_is_refused(app: TestApp) {
    let token = app.account("ada@example.com").await;
    let request = CreateClientKeyRequest {
        expires_at: Some(OffsetDateTime::now_utc() - time::Duration::minutes(1)),
        ..CreateClientKeyRequest::default()
    };
    assert_api_error(
        app.client.create_client_key(&token, &request).await,
        400,
        "invalid_request",
    );
}

async fn a_key_is_refused_outside_its_networks_and_the_refusal_audited(app: TestApp) {
    let (token, key) = key_with(&app, cidrs(&["127.0.0.5/32", "2001:db8::/32"])).await;
    assert_eq!(
        key.lifecycle.allowed_cidrs,
        ["127.0.0.5/32", "2001:db8::/32"]
    );
    let inside = app.client_from("127.0.0.5");
    let tokens = inside
        .client_credentials(&key.client_id, &key.client_secret)
        .await
        .unwrap();
    let refresh = tokens.refresh_token.unwrap();
    inside.refresh(&refresh, None).await.unwrap();
    let outside = app.client_from("127.0.0.6");
    refused(&outside, &key, &key.client_secret).await;
    assert_api_error(outside.refresh(&refresh, None).await, 401, "invalid_client");
    let trail = events(&app, &token).await;
    let refused: Vec<_> = trail
        .iter()
        .filter(|e| e.kind == "client_network_refused")
        .collect();
    assert_eq!(refused.len(), 2, "{trail:?}");
    assert_eq!(refused[0].source_address.as_deref(), Some("127.0.0.6"));
    // A wrong secret from outside is a plain failure, not a network event.
    assert_api_error(
        outside
            .client_credentials(&key.client_id, &"0".repeat(80).into())
            .await,
        401,
        "invalid_client",
    );
    assert_eq!(events(&app, &token).await.len(), trail.len());
}

async fn malformed_cidrs_are_refused_with_a_clear_message(app: TestApp) {
    let token = app.account("ada@example.com").await;
    for bad in ["10.0.0.1/8", "10.0.0.0/33", "intranet"] {
        let reply = app
            .send(
                app.http
                    .post(app.url("/client-keys"))
                    .bearer_auth(&token)
                    .json(&cidrs(&[bad])),
            )
            .await;
        assert_eq!((reply.status, reply.error()), (400, "invalid_request"));
        let message = reply.body["message"].as_str().unwrap();
        assert!(
            message.contains("allowedCidrs") && message.contains(bad),
            "{message}"
        );
    }
}

async fn the_key_shows_its_last_use_and_address(app: TestApp) {
    let (token, key) = key_with(&app, CreateClientKeyRequest::default()).await;
    let listed = app.client.client_keys(&token).await.unwrap();
    assert_eq!(
        (listed[0].last_used_at, listed[0].last_used_ip.as_deref()),
        (None, None)
    );
    app.client_from("127.0.0.7")
        .client_credentials(&key.client_id, &key.client_secret)
        .await
        .unwrap();
    let listed = app.client.client_keys(&token).await.unwrap();
    assert!(listed[0].last_used_at.is_some());
    assert_eq!(listed[0].last_used_ip.as_deref(), Some("127.0.0.7"));
    // A new address is recorded at once, not a minute later.
    app.client_from("127.0.0.8")
        .client_credentials(&key.client_id, &key.client_secret)
        .await
        .unwrap();
    let listed = app.client.client_keys(&token).await.unwrap();
    assert_eq!(listed[0].last_used_ip.as_deref(), Some("127.0.0.8"));
}

async fn forwarded_for_names_the_client_only_behind_a_trusted_proxy(app: TestApp) {
    let behind = TestApp::start(&app.database_url, |config| {
        config.trusted_proxies =
            latchkey_core::network::Networks::parse(&["127.0.0.1/32"]).unwrap();
    })
    .await;
    let (_, key) = key_with(&behind, cidrs(&["198.51.100.0/24"])).await;
    let grant = |app: &TestApp, from: &str, forwarded: &str| {
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", key.client_id.as_str()),
            ("client_secret", key.client_secret.expose()),
        ];
        TestApp::http_from(from)
            .post(app.url("/oauth2/token"))
            .header("x-forwarded-for", forwarded)
            .form(&form)
            .send()
    };
    let status = |r: reqwest::Result<reqwest::Response>| r.unwrap().status().as_u16();
    // The trusted proxy says the client is 198.51.100.7 (the left-most entry is the
    // client's own claim, ignored).
    let trusted = grant(&behind, "127.0.0.1", "10.9.9.9, 198.51.100.7").await;
    assert_eq!(status(trusted), 200);
    let spoofed = grant(&behind, "127.0.0.1", "198.51.100.7, 203.0.113.1").await;
    assert_eq!(status(spoofed), 401);
    // From a peer that is not a trusted proxy, or without trusted proxies, the header
    // means nothing.
    assert_eq!(
        status(grant(&behind, "127.0.0.2", "198.51.100.7").await),
        401
    );
    assert_eq!(status(grant(&app, "127.0.0.1", "198.51.100.7").await), 401);
}

async fn a_rotated_secret_overlaps_then_stops_and_issued_tokens_live_on(app: TestApp) {
    let (token, key) = key_with(&app, CreateClientKeyRequest::default()).await;
    let before = app.client_refresh_token(&key).await;
    let rotated = app
        .client
        .rotate_client_secret(&token, &key.client_id, Some(600))
        .await
        .unwrap();
    assert_eq!(rotated.client_id, key.client_id);
    assert_ne!(rotated.client_secret.expose(), key.client_secret.expose());
    let listed = app.client.client_keys(&token).await.unwrap();
    assert_eq!(
        listed[0].previous_secret_expires_at,
        Some(rotated.previous_secret_expires_at)
    );
    for secret in [&key.client_secret, &rotated.client_secret] {
        app.client
            .client_credentials(&key.client_id, secret)
            .await
            .unwrap();
    }
    app.clock.advance(601);
    refused(&app.client, &key, &key.client_secret).await;
    app.client
        .client_credentials(&key.client_id, &rotated.client_secret)
        .await
        .unwrap();
    app.client.refresh(&before, None).await.unwrap();
    let listed = app.client.client_keys(&token).await.unwrap();
    assert_eq!(listed[0].previous_secret_expires_at, None);
    let trail = events(&app, &token).await;
    assert!(trail.iter().any(|e| e.kind == "client_secret_rotated"));
    assert!(!format!("{trail:?}").contains(rotated.client_secret.expose()));
}

async fn the_overlap_is_checked_and_a_second_rotation_ends_the_first_secret(app: TestApp) {
    let (token, key) = key_with(&app, CreateClientKeyRequest::default()).await;
    let reply = app
        .send(
            app.http
                .post(app.url(&format!("/client-keys/{}/secret", key.client_id)))
                .bearer_auth(&token)
                .json(&serde_json::json!({"overlapSeconds": 2_592_001})),
        )
        .await;
    assert_eq!((reply.status, reply.error()), (400, "invalid_request"));
    assert!(reply.body["message"].as_str().unwrap().contains("2592000"));
    // The default overlap is one day.
    let first = app
        .client
        .rotate_client_secret(&token, &key.client_id, None)
        .await
        .unwrap();
    let day = first.previous_secret_expires_at - OffsetDateTime::now_utc();
    assert!((day.whole_seconds() - 86_400).abs() < 60, "{day}");
    let second = app
        .client
        .rotate_client_secret(&token, &key.client_id, Some(0))
        .await
        .unwrap();
    for (secret, works) in [
        (&key.client_secret, false),
        (&first.client_secret, false),
        (&second.client_secret, true),
    ] {
        let result = app.client.client_credentials(&key.client_id, secret).await;
        assert_eq!(result.is_ok(), works);
    }
}

async fn rotating_an_unknown_or_foreign_key_is_404(app: TestApp) {
    let (token, _) = key_with(&app, CreateClientKeyRequest::default()).await;
    let (_, bobs) = app.account_with_key("bob@example.com").await;
    assert_api_error(
        app.client
            .rotate_client_secret(&token, &bobs.client_id, None)
            .await,
        404,
        "not_found",
    );
    assert_api_error(
        app.client.rotate_client_secret(&token, "nope", None).await,
        404,
        "not_found",
    );
}

/// However a grant and a rotation interleave, the grant finds a secret that works: the
/// old one (current before, previous after), and the new one works once the rotation
/// has answered.
async fn a_grant_racing_a_rotation_always_finds_a_working_secret(app: TestApp) {
    let (token, key) = key_with(&app, CreateClientKeyRequest::default()).await;
    let mut secret = key.client_secret.clone();
    for _ in 0..200 {
        let (rotated, granted) = tokio::join!(
            app.client
                .rotate_client_secret(&token, &key.client_id, Some(60)),
            app.client.client_credentials(&key.client_id, &secret),
        );
        granted.unwrap();
        secret = rotated.unwrap().client_secret;
        app.client
            .client_credentials(&key.client_id, &secret)
            .await
            .unwrap();
    }
}
