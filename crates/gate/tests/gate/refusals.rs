//! Every reason a token is refused, with tokens signed by a fake issuer's key (or a
//! forger's), and the 503 of a gate that holds no keys yet.

use latchkey_gate::Rules;
use latchkey_testkit::{FakeIssuer, TestKey, jwks, unix_now};
use latchkey_verify::{Claims, Kind, Verifier};

use crate::helpers::{RULES, TestGate, assert_invalid_token};

#[tokio::test]
async fn tokens_are_refused_401_for_every_reason() {
    let key = TestKey::ed25519("k1");
    let issuer = FakeIssuer::start(&jwks(&[&key]));
    let gate = TestGate::start(&issuer.url, RULES).await;
    let with = |change: fn(&mut Claims)| {
        let mut claims = issuer.claims(Kind::ClientAccess);
        change(&mut claims);
        key.sign(&claims)
    };
    let valid = key.sign(&issuer.claims(Kind::ClientAccess));
    let (signed, _) = valid.rsplit_once('.').unwrap();
    let cases = [
        (
            "expired",
            with(|c| {
                c.iat = unix_now() - 7200;
                c.nbf = unix_now() - 7200;
                c.exp = Some(unix_now() - 3600);
            }),
        ),
        ("not yet valid", with(|c| c.nbf = unix_now() + 3600)),
        ("bad signature", format!("{signed}.{}", "A".repeat(86))),
        ("wrong issuer", with(|c| c.iss = "http://evil.test".into())),
        (
            "wrong audience",
            with(|c| c.aud = "http://billing.test".into()),
        ),
        (
            "unknown kid",
            TestKey::ed25519("k9").sign(&issuer.claims(Kind::ClientAccess)),
        ),
        (
            "same kid, another key",
            TestKey::ed25519("k1").sign(&issuer.claims(Kind::ClientAccess)),
        ),
        (
            "wrong typ (refresh header on access claims)",
            key.sign_typ("rt+jwt", &issuer.claims(Kind::ClientAccess)),
        ),
        (
            "wrong typ (plain JWT)",
            key.sign_typ("JWT", &issuer.claims(Kind::AccountAccess)),
        ),
        (
            "refresh token",
            key.sign(&issuer.claims(Kind::ClientRefresh)),
        ),
        ("alg none", "eyJhbGciOiJub25lIn0.e30.".to_owned()),
        ("garbage", "xxxxxx.xxxxxxxxxx.xxxxxx".to_owned()),
    ];
    assert_eq!(
        gate.ask("GET", "/api/items", Some(&valid)).await.status,
        200
    );
    for (what, token) in cases {
        assert_invalid_token(&gate.ask("GET", "/api/items", Some(&token)).await, what);
    }
    // A DPoP-bound token is never a bearer token (401, with the DPoP scheme's
    // challenge); with its proof, see `dpop`.
    let bound = with(|c| {
        c.cnf = Some(latchkey_verify::Confirmation {
            jkt: "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I".into(),
        });
    });
    let answer = gate.ask("GET", "/api/items", Some(&bound)).await;
    assert_eq!(answer.status, 401);
    let challenge = answer.headers.get("www-authenticate").unwrap();
    assert!(
        challenge.to_str().unwrap().starts_with("DPoP "),
        "{challenge:?}"
    );
}

#[tokio::test]
async fn without_keys_the_gate_answers_503_but_public_routes_pass() {
    let key = TestKey::ed25519("k1");
    let issuer = FakeIssuer::start(&jwks(&[&key]));
    issuer.set_down(true);
    let verifier = Verifier::builder(issuer.url.clone())
        .min_refetch_interval(std::time::Duration::ZERO)
        .build()
        .unwrap();
    let gate = TestGate::start_with(verifier, Rules::parse(RULES).unwrap()).await;
    let token = key.sign(&issuer.claims(Kind::AccountAccess));

    let answer = gate.ask("GET", "/api/items", Some(&token)).await;
    assert_eq!(
        (answer.status, answer.error()),
        (503, "unavailable"),
        "{answer:?}"
    );
    assert!(!answer.has_identity());
    assert_eq!(gate.get("/readyz").await.status, 503);
    assert_eq!(gate.get("/healthz").await.status, 200);
    assert_eq!(gate.ask("GET", "/public/x", None).await.status, 200);

    issuer.set_down(false);
    gate.verifier.fetch_keys().await.unwrap();
    assert_eq!(gate.get("/readyz").await.status, 200);
    assert_eq!(
        gate.ask("GET", "/api/items", Some(&token)).await.status,
        200
    );
}
