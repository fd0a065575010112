//! `/healthz`, `/readyz` and `/metrics`.

use latchkey_testkit::{FakeIssuer, TestKey, jwks};
use latchkey_verify::Kind;

use crate::helpers::{RULES, TestGate};

#[tokio::test]
async fn metrics_count_decisions_by_outcome_without_paths_or_ids() {
    let key = TestKey::ed25519("k1");
    let issuer = FakeIssuer::start(&jwks(&[&key]));
    let gate = TestGate::start(&issuer.url, RULES).await;
    assert_eq!(gate.get("/healthz").await.status, 200);
    let ready = gate.get("/readyz").await;
    assert_eq!(
        (ready.status, &ready.body["verificationKeys"]),
        (200, &1.into())
    );

    let claims = issuer.claims(Kind::ClientAccess);
    let token = key.sign(&claims);
    gate.ask("GET", "/api/secret-path-1", Some(&token)).await;
    gate.ask("GET", "/api/secret-path-2", Some(&token)).await;
    gate.ask("GET", "/public/x", None).await;
    gate.ask("GET", "/api/x", None).await;
    gate.ask("GET", "/api/x", Some("garbage")).await;
    gate.ask(
        "POST",
        "/api/x",
        Some(&key.sign(&{
            let mut c = issuer.claims(Kind::ClientAccess);
            c.scope = latchkey_verify::Scope::parse("nodes:read").unwrap();
            c
        })),
    )
    .await;
    gate.ask("GET", "/nowhere", None).await;
    gate.ask("GET", "/public/%2e%2e/admin", None).await;

    let response = gate
        .http
        .get(format!("{}/metrics", gate.url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    for (outcome, count) in [
        ("allowed", 2),
        ("public", 1),
        ("missing_token", 1),
        ("invalid_token", 1),
        ("invalid_dpop_proof", 0),
        ("insufficient_scope", 1),
        ("no_rule", 1),
        ("bad_request", 1),
        ("unavailable", 0),
    ] {
        let line = format!("latchkey_gate_decisions_total{{outcome=\"{outcome}\"}} {count}\n");
        assert!(text.contains(&line), "{line} in\n{text}");
    }
    assert!(text.contains("latchkey_gate_verification_keys 1\n"));
    assert!(text.contains("latchkey_gate_rules 5\n"));
    for secret in ["secret-path", claims.sub.as_str(), "ababab", "/api"] {
        assert!(!text.contains(secret), "{secret} in\n{text}");
    }
}
