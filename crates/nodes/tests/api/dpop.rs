//! DPoP-bound tokens at the Nodes service (RFC 9449 §7): accepted only as
//! `Authorization: DPoP` with a proof by their key for this request; every way the proof
//! or the presentation can be wrong is refused.

use latchkey_client::DpopKey;
use latchkey_testkit::{FakeIssuer, TestKey, jwks, unix_now};
use latchkey_verify::{Confirmation, ErrorBody, Kind};
use serde_json::json;

use crate::helpers::Nodes;

struct Setup {
    nodes: Nodes,
    url: String,
    token: String,
    dpop: DpopKey,
    key: TestKey,
    issuer: FakeIssuer,
}

/// The Nodes service, and a client token bound to a fresh DPoP key.
async fn setup() -> Setup {
    let key = TestKey::ed25519("k1");
    let issuer = FakeIssuer::start(&jwks(&[&key]));
    let nodes = Nodes::start(&issuer).await;
    let dpop = DpopKey::generate().unwrap();
    let mut claims = issuer.claims(Kind::ClientAccess);
    claims.cnf = Some(Confirmation {
        jkt: dpop.thumbprint().to_owned(),
    });
    let url = format!("{}/nodes/v1/status", nodes.url);
    Setup {
        token: key.sign(&claims),
        nodes,
        url,
        dpop,
        key,
        issuer,
    }
}

/// `GET /nodes/v1/status` with `Authorization: <scheme> <token>` and these proofs:
/// (status, error code, WWW-Authenticate).
async fn get(s: &Setup, scheme: &str, token: &str, proofs: &[String]) -> (u16, String, String) {
    let mut request = s
        .nodes
        .http
        .get(&s.url)
        .header("Authorization", format!("{scheme} {token}"));
    for proof in proofs {
        request = request.header("DPoP", proof);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let code = match response.json::<ErrorBody>().await {
        Ok(body) => body.error.as_str().to_owned(),
        Err(_) => String::new(),
    };
    (status, code, challenge)
}

#[tokio::test]
async fn a_bound_token_with_a_proof_for_the_request_gets_in() {
    let s = setup().await;
    let proof = s.dpop.proof("GET", &s.url, Some(&s.token));
    assert_eq!(get(&s, "DPoP", &s.token, &[proof]).await.0, 200);
    // The query is not part of htu.
    let proof = s
        .dpop
        .proof("GET", &format!("{}?x=1", s.url), Some(&s.token));
    assert_eq!(get(&s, "DPoP", &s.token, &[proof]).await.0, 200);
}

#[tokio::test]
async fn a_bound_token_presented_as_bearer_is_refused() {
    let s = setup().await;
    let proof = s.dpop.proof("GET", &s.url, Some(&s.token));
    let (status, code, challenge) = get(&s, "Bearer", &s.token, &[proof]).await;
    assert_eq!((status, code.as_str()), (401, "invalid_token"));
    assert!(challenge.starts_with("DPoP "), "{challenge}");
}

#[tokio::test]
async fn an_unbound_token_is_refused_with_the_dpop_scheme() {
    let s = setup().await;
    let unbound = s.key.sign(&s.issuer.claims(Kind::ClientAccess));
    let proof = s.dpop.proof("GET", &s.url, Some(&unbound));
    let (status, code, _) = get(&s, "DPoP", &unbound, &[proof]).await;
    assert_eq!((status, code.as_str()), (401, "invalid_token"));
    // As a bearer token it is fine.
    assert_eq!(s.nodes.status(&unbound).await.status(), 200);
}

#[tokio::test]
async fn every_kind_of_bad_proof_is_refused() {
    let s = setup().await;
    let now = unix_now();
    let ath = latchkey_verify::dpop::access_token_hash(&s.token);
    let claims = |htm: &str, htu: &str, iat: i64, ath: &str, jti: &str| json!({"jti": jti, "htm": htm, "htu": htu, "iat": iat, "ath": ath});
    let signed = |header: serde_json::Value, c: serde_json::Value| s.dpop.sign_jwt(&header, &c);
    let mut tampered = s.dpop.proof("GET", &s.url, Some(&s.token));
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let other = DpopKey::generate().unwrap();
    let home = format!("{}/healthz", s.nodes.url);
    let cases: Vec<(&str, Vec<String>, &str)> = vec![
        ("no proof", vec![], "invalid_dpop_proof"),
        (
            "wrong method",
            vec![signed(json!({}), claims("POST", &s.url, now, &ath, "m"))],
            "invalid_dpop_proof",
        ),
        (
            "wrong URI",
            vec![signed(json!({}), claims("GET", &home, now, &ath, "u"))],
            "invalid_dpop_proof",
        ),
        (
            "too old",
            vec![signed(
                json!({}),
                claims("GET", &s.url, now - 300, &ath, "o"),
            )],
            "invalid_dpop_proof",
        ),
        ("bad signature", vec![tampered], "invalid_dpop_proof"),
        (
            "wrong typ",
            vec![signed(
                json!({"typ": "JWT"}),
                claims("GET", &s.url, now, &ath, "t"),
            )],
            "invalid_dpop_proof",
        ),
        (
            "no ath",
            vec![signed(
                json!({}),
                json!({"jti": "a", "htm": "GET", "htu": s.url, "iat": now}),
            )],
            "invalid_dpop_proof",
        ),
        (
            "ath of another token",
            vec![s.dpop.proof("GET", &s.url, Some("another.token.x"))],
            "invalid_dpop_proof",
        ),
        (
            "another key",
            vec![other.proof("GET", &s.url, Some(&s.token))],
            "invalid_token",
        ),
        (
            "two proofs",
            vec![
                s.dpop.proof("GET", &s.url, Some(&s.token)),
                s.dpop.proof("GET", &s.url, Some(&s.token)),
            ],
            "invalid_dpop_proof",
        ),
    ];
    for (case, proofs, expected) in cases {
        let (status, code, challenge) = get(&s, "DPoP", &s.token, &proofs).await;
        assert_eq!((status, code.as_str()), (401, expected), "{case}");
        assert!(challenge.starts_with("DPoP "), "{case}: {challenge}");
    }
    // A proof is good once.
    let once = s.dpop.proof("GET", &s.url, Some(&s.token));
    assert_eq!(
        get(&s, "DPoP", &s.token, std::slice::from_ref(&once))
            .await
            .0,
        200
    );
    let (status, code, _) = get(&s, "DPoP", &s.token, &[once]).await;
    assert_eq!((status, code.as_str()), (401, "invalid_dpop_proof"));
}

#[tokio::test]
async fn behind_a_proxy_proofs_name_the_public_url() {
    let s = setup().await;
    let config = latchkey_nodes::Config::new("127.0.0.1:0", s.issuer.url.clone());
    let public = "https://nodes.example.com";
    let dpop = latchkey_verify::dpop::DpopVerifier::new().with_public_url(public);
    let behind = Nodes::start_with(config.verifier().unwrap().with_dpop(dpop)).await;
    let s = Setup {
        url: format!("{}/nodes/v1/status", behind.url),
        nodes: behind,
        ..s
    };
    let public_proof = s
        .dpop
        .proof("GET", &format!("{public}/nodes/v1/status"), Some(&s.token));
    assert_eq!(get(&s, "DPoP", &s.token, &[public_proof]).await.0, 200);
    let local_proof = s.dpop.proof("GET", &s.url, Some(&s.token));
    let (status, code, _) = get(&s, "DPoP", &s.token, &[local_proof]).await;
    assert_eq!((status, code.as_str()), (401, "invalid_dpop_proof"));
}
