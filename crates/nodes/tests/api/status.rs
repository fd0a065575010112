//! `GET /nodes/v1/status`: who gets in, who does not, and what they are told.

use latchkey_testkit::{FakeIssuer, TestKey, jwks, unix_now};
use latchkey_verify::{ErrorBody, ErrorCode, Kind};
use serde_json::Value;

use crate::helpers::Nodes;

async fn refused(
    response: reqwest::Response,
    status: u16,
    code: ErrorCode,
) -> reqwest::header::HeaderMap {
    assert_eq!(response.status().as_u16(), status);
    let headers = response.headers().clone();
    let body: ErrorBody = response.json().await.unwrap();
    assert_eq!(body.error, code);
    headers
}

#[tokio::test]
async fn account_and_client_access_tokens_get_the_status_naming_the_caller() {
    let (key, issuer, nodes) = Nodes::with_one_key().await;
    for kind in [Kind::AccountAccess, Kind::ClientAccess] {
        let claims = issuer.claims(kind);
        let response = nodes.status(&key.sign(&claims)).await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["caller"]["subject"], claims.sub.as_str());
        assert_eq!(body["caller"]["kind"], kind.as_str());
        assert_eq!(
            body["caller"]["scopes"],
            serde_json::json!(["nodes:read", "nodes:write"])
        );
        match &claims.client_id {
            Some(id) => assert_eq!(body["caller"]["clientId"], id.as_str()),
            None => assert!(body["caller"].get("clientId").is_none()),
        }
        assert_eq!(body["node"]["status"], "ok");
        assert_eq!(body["node"]["verificationKeys"], 1);
    }
}

#[tokio::test]
async fn x_auth_token_is_accepted_too() {
    let (key, issuer, nodes) = Nodes::with_one_key().await;
    let response = nodes
        .http
        .get(format!("{}/nodes/v1/status", nodes.url))
        .header("X-Auth-Token", key.sign(&issuer.claims(Kind::ClientAccess)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn refresh_expired_tampered_foreign_and_garbage_tokens_get_401() {
    let (key, issuer, nodes) = Nodes::with_one_key().await;

    let mut expired = issuer.claims(Kind::ClientAccess);
    expired.iat = unix_now() - 7200;
    expired.nbf = unix_now() - 7200;
    expired.exp = Some(unix_now() - 3600);
    let mut foreign = issuer.claims(Kind::ClientAccess);
    foreign.iss = "http://evil.test".into();
    let mut other_audience = issuer.claims(Kind::ClientAccess);
    other_audience.aud = "http://billing.test".into();
    let valid = key.sign(&issuer.claims(Kind::ClientAccess));
    let (input, _) = valid.rsplit_once('.').unwrap();
    let tampered = format!("{input}.{}", "A".repeat(86));

    let cases = [
        (
            "client refresh",
            key.sign(&issuer.claims(Kind::ClientRefresh)),
        ),
        (
            "account refresh",
            key.sign(&issuer.claims(Kind::AccountRefresh)),
        ),
        ("expired", key.sign(&expired)),
        ("tampered", tampered),
        ("foreign issuer", key.sign(&foreign)),
        ("other audience", key.sign(&other_audience)),
        (
            "unknown key",
            TestKey::ed25519("k9").sign(&issuer.claims(Kind::ClientAccess)),
        ),
        (
            "same kid, other key",
            TestKey::ed25519("k1").sign(&issuer.claims(Kind::ClientAccess)),
        ),
        ("garbage", "xxxxxx.xxxxxxxxxx.xxxxxx".to_owned()),
    ];
    for (what, token) in cases {
        let response = nodes.status(&token).await;
        assert_eq!(response.status(), 401, "{what}");
        let challenge = response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            challenge.starts_with(r#"Bearer error="invalid_token""#),
            "{what}: {challenge}"
        );
        let body: ErrorBody = response.json().await.unwrap();
        assert_eq!(body.error, ErrorCode::InvalidToken, "{what}");
    }
}

#[tokio::test]
async fn no_token_gets_401_with_a_bearer_challenge() {
    let (_key, _issuer, nodes) = Nodes::with_one_key().await;
    let response = nodes.get("/nodes/v1/status").await;
    let headers = refused(response, 401, ErrorCode::InvalidToken).await;
    assert_eq!(headers["www-authenticate"], "Bearer");
}

#[tokio::test]
async fn a_token_without_nodes_read_gets_403_insufficient_scope() {
    let (key, issuer, nodes) = Nodes::with_one_key().await;
    let mut write_only = issuer.claims(Kind::ClientAccess);
    write_only.scope = latchkey_verify::Scope::parse("nodes:write").unwrap();
    let headers = refused(
        nodes.status(&key.sign(&write_only)).await,
        403,
        ErrorCode::InsufficientScope,
    )
    .await;
    assert_eq!(
        headers["www-authenticate"],
        r#"Bearer error="insufficient_scope", scope="nodes:read""#
    );
}

#[tokio::test]
async fn a_rotated_key_is_accepted_without_restarting() {
    let old = TestKey::ed25519("old");
    let issuer = FakeIssuer::start(&jwks(&[&old]));
    // Unknown kids may refetch at once here; the rate limit has tests of its own.
    let verifier = latchkey_verify::Verifier::builder(issuer.url.clone())
        .min_refetch_interval(std::time::Duration::ZERO)
        .build()
        .unwrap();
    let nodes = Nodes::start_with(verifier).await;
    assert_eq!(
        nodes
            .status(&old.sign(&issuer.claims(Kind::AccountAccess)))
            .await
            .status(),
        200
    );
    let new = TestKey::ed25519("new");
    issuer.publish(&jwks(&[&new, &old]));
    let token = new.sign(&issuer.claims(Kind::AccountAccess));
    assert_eq!(nodes.status(&token).await.status(), 200);
}

#[tokio::test]
async fn healthz_is_open_and_unknown_routes_get_json_errors() {
    let (_key, _issuer, nodes) = Nodes::with_one_key().await;
    let health = nodes.get("/healthz").await;
    assert_eq!(health.status(), 200);
    let missing = nodes.get("/nodes/v1/nope").await;
    refused(missing, 404, ErrorCode::NotFound).await;
    let wrong_method = nodes
        .http
        .post(format!("{}/nodes/v1/status", nodes.url))
        .send()
        .await
        .unwrap();
    refused(wrong_method, 405, ErrorCode::MethodNotAllowed).await;
}
