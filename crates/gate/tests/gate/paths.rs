//! The original path is normalised before any rule is looked at: dot segments cannot
//! reach a protected path through a public one, and ambiguous paths are refused.

use latchkey_testkit::{FakeIssuer, TestKey, jwks};
use latchkey_verify::Kind;

use crate::helpers::{RULES, TestGate};

#[tokio::test]
async fn dot_segments_and_escapes_are_resolved_before_the_rules() {
    let key = TestKey::ed25519("k1");
    let issuer = FakeIssuer::start(&jwks(&[&key]));
    let gate = TestGate::start(&issuer.url, RULES).await;
    // (path, status without a token): 200 public, 401 a token needed, 403 no rule.
    let cases = [
        ("/public/../admin", 401),
        ("/public/./../admin/users", 401),
        ("/public/x/../../admin", 401),
        ("/public/../../../admin", 401),
        ("/../public/../admin", 401),
        ("/api/../public/x", 200),
        ("//public//x", 200),
        ("/public/./x", 200),
        ("/%70ublic/x", 200),
        ("/public/x?next=/admin", 200),
        ("/public?../admin", 200),
        ("/public#/../admin", 200),
        ("/publicfoo", 403),
        ("/PUBLIC/x", 403),
        ("/public/../apifoo", 403),
    ];
    for (path, status) in cases {
        let answer = gate.ask("GET", path, None).await;
        assert_eq!(answer.status, status, "{path}: {answer:?}");
    }
}

#[tokio::test]
async fn ambiguous_paths_are_refused_400_even_with_a_valid_token() {
    let key = TestKey::ed25519("k1");
    let issuer = FakeIssuer::start(&jwks(&[&key]));
    let gate = TestGate::start(&issuer.url, RULES).await;
    let token = key.sign(&issuer.claims(Kind::AccountAccess));
    for path in [
        "/public/%2e%2e/admin",
        "/public/%2E%2E/admin",
        "/public/.%2e/admin",
        "/public%2F..%2Fadmin",
        "/public/..%2fadmin",
        "/public/%252e%252e/admin",
        "/api/items%2Fx",
        "/public\\..\\admin",
        "/public/%5c../admin",
        "/admin;/public",
        "/public;x/../admin",
        "/api/items%00",
        "/api/items%0d%0aX-Injected:%201",
        "/api/%zz",
        "/api/%e",
        "/api/%ff%fe",
        "api/items",
        "http://example.com/public",
        "*",
    ] {
        let answer = gate.ask("GET", path, Some(&token)).await;
        assert_eq!(
            (answer.status, answer.error()),
            (400, "invalid_request"),
            "{path}"
        );
        assert!(!answer.has_identity(), "{path}");
    }
}
