//! The status-list check: a token naming a status list the node cannot fetch is refused
//! (503) when failing closed, accepted when failing open or when the check is off; a
//! token naming none is accepted either way. (`crates/server/tests/api/nodes_revocation.rs`
//! runs the node against a real latchkeyd that revokes tokens.)

use latchkey_testkit::{FakeIssuer, TestKey, jwks};
use latchkey_verify::{ErrorBody, ErrorCode, Kind, Status, StatusCheck};

use crate::helpers::Nodes;

async fn node(issuer: &FakeIssuer, check: StatusCheck) -> Nodes {
    let mut config = latchkey_nodes::Config::new("127.0.0.1:0", issuer.url.clone());
    config.status_check = check;
    Nodes::start_with(config.verifier().unwrap()).await
}

#[tokio::test]
async fn a_list_that_cannot_be_fetched_refuses_or_accepts_as_configured() {
    let key = TestKey::ed25519("k1");
    // The fake issuer serves its JWKS and nothing else: its status lists are 404s.
    let issuer = FakeIssuer::start(&jwks(&[&key]));
    let mut claims = issuer.claims(Kind::ClientAccess);
    claims.status = Some(Status::new(&issuer.url, 0, 7));
    let with_status = key.sign(&claims);
    let without = key.sign(&issuer.claims(Kind::ClientAccess));

    let closed = node(&issuer, StatusCheck::FailClosed).await;
    let response = closed.status(&with_status).await;
    assert_eq!(response.status(), 503);
    let body: ErrorBody = response.json().await.unwrap();
    assert_eq!(body.error, ErrorCode::Unavailable);
    assert_eq!(closed.status(&without).await.status(), 200);
    let metrics = closed.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("latchkey_nodes_status_list_fetch_failures_total 1"),
        "{metrics}"
    );

    for check in [StatusCheck::FailOpen, StatusCheck::Off] {
        let open = node(&issuer, check).await;
        assert_eq!(open.status(&with_status).await.status(), 200, "{check:?}");
        assert_eq!(open.status(&without).await.status(), 200, "{check:?}");
    }
}

#[tokio::test]
async fn a_token_naming_another_hosts_list_is_refused_without_fetching_it() {
    let key = TestKey::ed25519("k1");
    let issuer = FakeIssuer::start(&jwks(&[&key]));
    let mut claims = issuer.claims(Kind::AccountAccess);
    claims.status = Some(Status::new("http://elsewhere.invalid", 0, 1));
    let nodes = node(&issuer, StatusCheck::FailOpen).await;
    let response = nodes.status(&key.sign(&claims)).await;
    assert_eq!(response.status(), 401);
}
