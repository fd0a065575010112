//! The URI proofs must name: the public URL when configured, else the proxy's
//! `X-Forwarded-Proto` + `X-Forwarded-Host`, else none (bound tokens refused).

use super::{BASE, HOST, STYLES, assert_dpop_refusal, bare, forwarded, proven, setup, with_dpop};

#[tokio::test]
async fn with_a_public_url_proofs_name_it_whatever_the_proxy_says() {
    let public = "https://public.example.com";
    let s = setup(Some(&format!("{public}/"))).await;
    let url = format!("{public}/api/items");
    for style in STYLES {
        // The proxy's X-Forwarded-Host names another host: the public URL decides.
        let request = proven(&s, style, "GET", "/api/items", &url);
        assert_eq!(s.gate.send(request).await.status, 200, "{style:?}");
        let request = proven(&s, style, "GET", "/api/items", &format!("{BASE}/api/items"));
        let answer = s.gate.send(request).await;
        assert_dpop_refusal(&answer, "invalid_dpop_proof", &format!("{style:?}"));
        // No forwarded scheme and host needed.
        let proof = s.dpop.proof("GET", &url, Some(&s.token));
        let request = with_dpop(bare(&s, style, "GET", "/api/items"), &s.token, &[proof]);
        assert_eq!(s.gate.send(request).await.status, 200, "{style:?}");
    }
    // Envoy: the original method on /verify + the original path.
    let envoy = |method: reqwest::Method, path: &str| {
        s.gate
            .http
            .request(method, format!("{}/verify{path}", s.gate.url))
    };
    let proof = s.dpop.proof("GET", &url, Some(&s.token));
    let request = with_dpop(
        envoy(reqwest::Method::GET, "/api/items"),
        &s.token,
        &[proof],
    );
    assert_eq!(s.gate.send(request).await.status, 200);
    let proof = s.dpop.proof("GET", &url, Some(&s.token));
    let request = with_dpop(
        envoy(reqwest::Method::PUT, "/api/items"),
        &s.token,
        &[proof],
    );
    assert_dpop_refusal(
        &s.gate.send(request).await,
        "invalid_dpop_proof",
        "Envoy: wrong method",
    );
}

#[tokio::test]
async fn without_a_public_url_bound_tokens_need_the_forwarded_scheme_and_host() {
    let s = setup(None).await;
    let url = format!("{BASE}/api/items");
    for style in STYLES {
        let tag = format!("{style:?}");
        let proof = || vec![s.dpop.proof("GET", &url, Some(&s.token))];
        let cases = [
            (
                "no forwarded scheme and host",
                bare(&s, style, "GET", "/api/items"),
            ),
            (
                "no forwarded host",
                bare(&s, style, "GET", "/api/items").header("X-Forwarded-Proto", "https"),
            ),
            (
                "two forwarded hosts",
                forwarded(&s, style, "GET", "/api/items").header("X-Forwarded-Host", HOST),
            ),
            (
                "a list of hosts",
                bare(&s, style, "GET", "/api/items")
                    .header("X-Forwarded-Proto", "https")
                    .header("X-Forwarded-Host", format!("{HOST}, other.example.com")),
            ),
            (
                "a host with a path",
                bare(&s, style, "GET", "/api/items")
                    .header("X-Forwarded-Proto", "https")
                    .header("X-Forwarded-Host", format!("{HOST}/x")),
            ),
            (
                "a scheme that is not http(s)",
                bare(&s, style, "GET", "/api/items")
                    .header("X-Forwarded-Proto", "ftp")
                    .header("X-Forwarded-Host", HOST),
            ),
        ];
        for (case, request) in cases {
            let answer = s.gate.send(with_dpop(request, &s.token, &proof())).await;
            assert_dpop_refusal(&answer, "invalid_token", &format!("{tag}: {case}"));
        }
        let answer = s
            .gate
            .send(with_dpop(
                bare(&s, style, "GET", "/api/items"),
                &s.token,
                &proof(),
            ))
            .await;
        let message = answer.body["message"].as_str().unwrap_or("");
        assert!(message.contains("--public-url"), "{message}");
        // Bearer tokens need no URI.
        let answer = s
            .gate
            .send(bare(&s, style, "GET", "/api/items").bearer_auth(&s.unbound))
            .await;
        assert_eq!(answer.status, 200, "{tag}: {answer:?}");
    }
    // Envoy sends no X-Forwarded-Host: bound tokens need --public-url there.
    let proof = s.dpop.proof("GET", &url, Some(&s.token));
    let request = s.gate.http.get(format!("{}/verify/api/items", s.gate.url));
    let answer = s.gate.send(with_dpop(request, &s.token, &[proof])).await;
    assert_dpop_refusal(&answer, "invalid_token", "Envoy without a public URL");
}
