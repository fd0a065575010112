//! Bound tokens with good proofs, and every way a proof or the presentation can be
//! wrong, in the Traefik and nginx header styles.

use latchkey_client::DpopKey;
use latchkey_testkit::unix_now;
use serde_json::{Value, json};

use super::{
    BASE, HOST, STYLES, Style, assert_dpop_refusal, decisions, forwarded, identity, proven, setup,
    with_dpop,
};
use crate::helpers::bound_client;

#[tokio::test]
async fn a_bound_token_with_its_proof_passes_with_the_identity_of_a_bearer_token() {
    let s = setup(None).await;
    let bearer = s
        .gate
        .send(forwarded(&s, Style::Traefik, "GET", "/api/items").bearer_auth(&s.unbound))
        .await;
    assert_eq!(bearer.status, 200, "{bearer:?}");
    assert_eq!(bearer.header("x-latchkey-kind"), Some("client_access"));
    for style in STYLES {
        // The query is not part of htu; the host's case and the default port do not
        // matter.
        for (target, htu) in [
            ("/api/items?page=2", format!("{BASE}/api/items")),
            (
                "/api/items",
                "HTTPS://API.example.com:443/api/items".to_owned(),
            ),
        ] {
            let answer = s.gate.send(proven(&s, style, "GET", target, &htu)).await;
            assert_eq!(answer.status, 200, "{style:?} {target}: {answer:?}");
            assert_eq!(identity(&answer), identity(&bearer), "{style:?}");
        }
        // A write, with the method the proof names.
        let htu = format!("{BASE}/api/items/1");
        let request = proven(&s, style, "DELETE", "/api/items/1", &htu);
        assert_eq!(s.gate.send(request).await.status, 200, "{style:?}");
    }
    // ES256 proofs as well as EdDSA.
    let es256 = DpopKey::generate_es256().unwrap();
    let (token, _) = bound_client(&s.app, &s.account, &es256).await;
    let proof = es256.proof("GET", &format!("{BASE}/api/items"), Some(&token));
    let request = with_dpop(
        forwarded(&s, Style::Nginx, "GET", "/api/items"),
        &token,
        &[proof],
    );
    assert_eq!(s.gate.send(request).await.status, 200);
    assert_eq!(decisions(&s.gate, "allowed").await, 8);
}

#[tokio::test]
async fn every_kind_of_bad_proof_is_refused_in_each_header_style() {
    let s = setup(None).await;
    let url = format!("{BASE}/api/items");
    let now = unix_now();
    let ath = latchkey_verify::dpop::access_token_hash(&s.token);
    let other = DpopKey::generate().unwrap();
    let mut proof_failures = 0;
    for style in STYLES {
        let tag = format!("{style:?}");
        let claims = |htm: &str, htu: &str, iat: i64, jti: &str| json!({"jti": format!("{tag}-{jti}"), "htm": htm, "htu": htu, "iat": iat, "ath": ath});
        let signed = |header: Value, claims: Value| s.dpop.sign_jwt(&header, &claims);
        let mut tampered = s.dpop.proof("GET", &url, Some(&s.token));
        let last = tampered.pop().unwrap();
        tampered.push(if last == 'A' { 'B' } else { 'A' });
        let good = || s.dpop.proof("GET", &url, Some(&s.token));
        let cases: Vec<(&str, Vec<String>, &str)> = vec![
            ("no proof", vec![], "invalid_dpop_proof"),
            ("two proofs", vec![good(), good()], "invalid_dpop_proof"),
            ("garbage", vec!["x.y.z".to_owned()], "invalid_dpop_proof"),
            (
                "wrong method",
                vec![signed(json!({}), claims("POST", &url, now, "m"))],
                "invalid_dpop_proof",
            ),
            (
                "wrong path",
                vec![signed(
                    json!({}),
                    claims("GET", &format!("{BASE}/api/other"), now, "p"),
                )],
                "invalid_dpop_proof",
            ),
            (
                "wrong host",
                vec![signed(
                    json!({}),
                    claims("GET", "https://other.example.com/api/items", now, "h"),
                )],
                "invalid_dpop_proof",
            ),
            (
                "wrong scheme",
                vec![signed(
                    json!({}),
                    claims("GET", &format!("http://{HOST}/api/items"), now, "s"),
                )],
                "invalid_dpop_proof",
            ),
            (
                "wrong port",
                vec![signed(
                    json!({}),
                    claims("GET", &format!("https://{HOST}:8443/api/items"), now, "o"),
                )],
                "invalid_dpop_proof",
            ),
            (
                "too old",
                vec![signed(json!({}), claims("GET", &url, now - 300, "old"))],
                "invalid_dpop_proof",
            ),
            (
                "from the future",
                vec![signed(json!({}), claims("GET", &url, now + 300, "new"))],
                "invalid_dpop_proof",
            ),
            ("bad signature", vec![tampered], "invalid_dpop_proof"),
            (
                "wrong typ",
                vec![signed(json!({"typ": "JWT"}), claims("GET", &url, now, "t"))],
                "invalid_dpop_proof",
            ),
            (
                "no ath",
                vec![signed(
                    json!({}),
                    json!({"jti": format!("{tag}-a"), "htm": "GET", "htu": url, "iat": now}),
                )],
                "invalid_dpop_proof",
            ),
            (
                "ath of another token",
                vec![s.dpop.proof("GET", &url, Some(&s.unbound))],
                "invalid_dpop_proof",
            ),
            (
                "a proof by another key",
                vec![other.proof("GET", &url, Some(&s.token))],
                "invalid_token",
            ),
        ];
        for (case, proofs, code) in cases {
            let request = with_dpop(forwarded(&s, style, "GET", "/api/items"), &s.token, &proofs);
            assert_dpop_refusal(&s.gate.send(request).await, code, &format!("{tag}: {case}"));
            proof_failures += usize::from(code == "invalid_dpop_proof");
        }

        // A proof is good once.
        let once = good();
        let request = || {
            with_dpop(
                forwarded(&s, style, "GET", "/api/items"),
                &s.token,
                std::slice::from_ref(&once),
            )
        };
        assert_eq!(s.gate.send(request()).await.status, 200, "{tag}");
        let replayed = s.gate.send(request()).await;
        assert_dpop_refusal(&replayed, "invalid_dpop_proof", &format!("{tag}: replay"));
        proof_failures += 1;

        // The presentation must fit the token: a bound token as a bearer token (with
        // its proof beside it, or in X-Auth-Token), an unbound token with the DPoP
        // scheme.
        let as_bearer = forwarded(&s, style, "GET", "/api/items")
            .bearer_auth(&s.token)
            .header("DPoP", good());
        let in_x_auth = forwarded(&s, style, "GET", "/api/items").header("X-Auth-Token", &s.token);
        let unbound = with_dpop(
            forwarded(&s, style, "GET", "/api/items"),
            &s.unbound,
            &[s.dpop.proof("GET", &url, Some(&s.unbound))],
        );
        for (case, request) in [
            ("a bound token as Bearer", as_bearer),
            ("a bound token in X-Auth-Token", in_x_auth),
            ("an unbound token with the DPoP scheme", unbound),
        ] {
            let answer = s.gate.send(request).await;
            assert_dpop_refusal(&answer, "invalid_token", &format!("{tag}: {case}"));
        }
    }
    let counted = decisions(&s.gate, "invalid_dpop_proof").await;
    assert_eq!(counted, u64::try_from(proof_failures).unwrap());
    assert_eq!(decisions(&s.gate, "allowed").await, 2);
}
