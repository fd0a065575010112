//! DPoP (RFC 9449) at the token endpoints: proofs bind tokens to the client's key,
//! bound refresh tokens need the same key, `dpopBound` keys refuse unbound requests, and
//! every way a proof can be wrong is `invalid_dpop_proof`.

use latchkey_client::api::{CreateClientKeyRequest, CreatedClientKey, TokenRequest, TokenResponse};
use latchkey_client::{DpopKey, GrantType, RefreshToken};
use latchkey_testkit::{TestApp, assert_api_error, backend_tests, decode, unix_now};
use serde_json::{Value, json};

backend_tests!(
    a_proof_binds_the_access_and_refresh_tokens_to_the_key,
    a_bound_refresh_token_needs_a_proof_by_the_same_key,
    a_rotating_bound_session_stays_bound,
    the_oauth2_endpoint_binds_tokens_and_answers_token_type_dpop,
    a_dpop_bound_key_refuses_requests_without_a_proof,
    every_kind_of_bad_proof_is_refused,
    es256_and_eddsa_proofs_are_accepted,
    the_metadata_lists_the_proof_algorithms,
);

pub(crate) fn credentials(key: &CreatedClientKey) -> TokenRequest {
    TokenRequest {
        grant_type: GrantType::ClientCredentials,
        client_id: Some(key.client_id.clone()),
        client_secret: Some(key.client_secret.clone()),
        ..TokenRequest::default()
    }
}

pub(crate) fn refresh(token: &RefreshToken) -> TokenRequest {
    TokenRequest {
        grant_type: GrantType::RefreshToken,
        refresh_token: Some(token.clone()),
        ..TokenRequest::default()
    }
}

/// The form of a `POST /oauth2/token` by `key` (`client_secret_post`), with `extra`.
pub(crate) fn oauth2_form(
    key: &CreatedClientKey,
    grant: &str,
    extra: Option<(&'static str, &str)>,
) -> Vec<(&'static str, String)> {
    let mut form: Vec<(&'static str, String)> = vec![
        ("grant_type", grant.to_owned()),
        ("client_id", key.client_id.clone()),
        ("client_secret", key.client_secret.expose().to_owned()),
    ];
    form.extend(extra.map(|(k, v)| (k, v.to_owned())));
    form
}

fn jkt(token: &str) -> Value {
    decode(token).1["cnf"]["jkt"].clone()
}

/// `POST /auth/token` with a proof by `dpop`, which must succeed.
async fn bound(app: &TestApp, request: &TokenRequest, dpop: &DpopKey) -> TokenResponse {
    app.client.token_with_dpop(request, dpop).await.unwrap()
}

/// A raw `POST /auth/token` with these `DPoP` headers.
async fn post_token(app: &TestApp, proofs: &[String], body: &TokenRequest) -> (u16, Value) {
    let mut request = app.http.post(app.url("/auth/token")).json(body);
    for proof in proofs {
        request = request.header("DPoP", proof);
    }
    let reply = app.send(request).await;
    (reply.status, reply.body)
}

async fn a_proof_binds_the_access_and_refresh_tokens_to_the_key(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let dpop = DpopKey::generate().unwrap();
    let tokens = bound(&app, &credentials(&key), &dpop).await;
    assert_eq!(tokens.token_type.as_deref(), Some("DPoP"));
    assert_eq!(jkt(&tokens.access_token), dpop.thumbprint());
    let refresh_token = tokens.refresh_token.unwrap();
    assert_eq!(jkt(refresh_token.expose()), dpop.thumbprint());
    // Without a proof nothing is bound.
    let plain = app
        .client
        .client_credentials(&key.client_id, &key.client_secret)
        .await
        .unwrap();
    assert_eq!(plain.token_type, None);
    assert_eq!(jkt(&plain.access_token), Value::Null);
}

async fn a_bound_refresh_token_needs_a_proof_by_the_same_key(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let dpop = DpopKey::generate().unwrap();
    let tokens = bound(&app, &credentials(&key), &dpop).await;
    let bound_token = tokens.refresh_token.unwrap();
    assert_api_error(
        app.client.refresh(&bound_token, None).await,
        400,
        "invalid_dpop_proof",
    );
    let other = DpopKey::generate().unwrap();
    assert_api_error(
        app.client
            .token_with_dpop(&refresh(&bound_token), &other)
            .await,
        400,
        "invalid_dpop_proof",
    );
    let refreshed = bound(&app, &refresh(&bound_token), &dpop).await;
    assert_eq!(jkt(&refreshed.access_token), dpop.thumbprint());
    // An unbound session may have its new access tokens bound.
    let plain = app.client_refresh_token(&key).await;
    let now_bound = bound(&app, &refresh(&plain), &other).await;
    assert_eq!(jkt(&now_bound.access_token), other.thumbprint());
    app.client.refresh(&plain, None).await.unwrap();
}

async fn a_rotating_bound_session_stays_bound(app: TestApp) {
    let request = CreateClientKeyRequest {
        rotate_refresh_tokens: Some(true),
        ..CreateClientKeyRequest::default()
    };
    let (_, key) = app.account_with_key_like("ada@example.com", &request).await;
    let dpop = DpopKey::generate().unwrap();
    let first = bound(&app, &credentials(&key), &dpop).await;
    let second = bound(&app, &refresh(first.refresh_token.as_ref().unwrap()), &dpop).await;
    let rotated = second.refresh_token.unwrap();
    assert_eq!(jkt(rotated.expose()), dpop.thumbprint());
    assert_api_error(
        app.client.refresh(&rotated, None).await,
        400,
        "invalid_dpop_proof",
    );
}

async fn the_oauth2_endpoint_binds_tokens_and_answers_token_type_dpop(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let dpop = DpopKey::generate().unwrap();
    let url = app.url("/oauth2/token");
    let form = |grant: &str, extra| oauth2_form(&key, grant, extra);
    let post = |form: Vec<(&'static str, String)>, proof: Option<String>| {
        let mut request = app.http.post(&url).form(&form);
        if let Some(proof) = proof {
            request = request.header("DPoP", proof);
        }
        app.send(request)
    };
    let granted = post(
        form("client_credentials", None),
        Some(dpop.proof("POST", &url, None)),
    )
    .await;
    assert_eq!(granted.status, 200, "{}", granted.text);
    assert_eq!(granted.body["token_type"], "DPoP");
    assert_eq!(
        jkt(granted.body["access_token"].as_str().unwrap()),
        dpop.thumbprint()
    );
    let access_token = granted.body["access_token"].as_str().unwrap();
    let introspected = app
        .send(app.http.post(app.url("/oauth2/introspect")).form(&[
            ("token", access_token),
            ("client_id", key.client_id.as_str()),
            ("client_secret", key.client_secret.expose()),
        ]))
        .await;
    assert_eq!(
        introspected.body["token_type"], "DPoP",
        "{}",
        introspected.text
    );
    assert_eq!(introspected.body["cnf"]["jkt"], dpop.thumbprint());
    let refresh_token = granted.body["refresh_token"].as_str().unwrap();
    let unproven = post(
        form("refresh_token", Some(("refresh_token", refresh_token))),
        None,
    )
    .await;
    assert_eq!(
        (unproven.status, unproven.error()),
        (400, "invalid_dpop_proof")
    );
    let refreshed = post(
        form("refresh_token", Some(("refresh_token", refresh_token))),
        Some(dpop.proof("POST", &url, None)),
    )
    .await;
    assert_eq!(refreshed.body["token_type"], "DPoP", "{}", refreshed.text);
}

async fn a_dpop_bound_key_refuses_requests_without_a_proof(app: TestApp) {
    let request = CreateClientKeyRequest {
        dpop_bound: Some(true),
        ..CreateClientKeyRequest::default()
    };
    let (_, key) = app.account_with_key_like("ada@example.com", &request).await;
    assert!(key.lifecycle.dpop_bound);
    assert_api_error(
        app.client
            .client_credentials(&key.client_id, &key.client_secret)
            .await,
        400,
        "invalid_dpop_proof",
    );
    let dpop = DpopKey::generate_es256().unwrap();
    let tokens = bound(&app, &credentials(&key), &dpop).await;
    assert_eq!(tokens.token_type.as_deref(), Some("DPoP"));
}

async fn every_kind_of_bad_proof_is_refused(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let body = credentials(&key);
    let dpop = DpopKey::generate().unwrap();
    let url = app.url("/auth/token");
    let now = unix_now();
    let claims = |htm: &str, htu: &str, iat: i64, jti: &str| json!({"jti": jti, "htm": htm, "htu": htu, "iat": iat});
    let signed = |header: Value, claims: Value| dpop.sign_jwt(&header, &claims);
    let mut tampered = dpop.proof("POST", &url, None);
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let mut private_jwk: Value = decode(&dpop.proof("POST", &url, None)).0["jwk"].clone();
    private_jwk["d"] = json!("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A");
    let cases: Vec<(&str, Vec<String>)> = vec![
        (
            "wrong method",
            vec![signed(json!({}), claims("GET", &url, now, "m"))],
        ),
        (
            "wrong URI",
            vec![signed(
                json!({}),
                claims("POST", &app.url("/oauth2/token"), now, "u"),
            )],
        ),
        (
            "too old",
            vec![signed(json!({}), claims("POST", &url, now - 120, "o"))],
        ),
        (
            "from the future",
            vec![signed(json!({}), claims("POST", &url, now + 120, "f"))],
        ),
        ("bad signature", vec![tampered]),
        (
            "wrong typ",
            vec![signed(
                json!({"typ": "JWT"}),
                claims("POST", &url, now, "t"),
            )],
        ),
        (
            "alg none",
            vec![signed(
                json!({"alg": "none"}),
                claims("POST", &url, now, "n"),
            )],
        ),
        (
            "private key",
            vec![signed(
                json!({"jwk": private_jwk}),
                claims("POST", &url, now, "d"),
            )],
        ),
        (
            "no jwk",
            vec![signed(json!({"jwk": null}), claims("POST", &url, now, "j"))],
        ),
        (
            "no jti",
            vec![signed(
                json!({}),
                json!({"htm": "POST", "htu": url, "iat": now}),
            )],
        ),
        ("not a JWT", vec!["proof".to_owned()]),
        (
            "two proofs",
            vec![
                dpop.proof("POST", &url, None),
                dpop.proof("POST", &url, None),
            ],
        ),
    ];
    for (case, proofs) in cases {
        let (status, answer) = post_token(&app, &proofs, &body).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (400, Some("invalid_dpop_proof")),
            "{case}: {answer}"
        );
    }
    // A proof is good once: its replay is refused.
    let once = dpop.proof("POST", &url, None);
    assert_eq!(
        post_token(&app, std::slice::from_ref(&once), &body).await.0,
        200
    );
    let (status, answer) = post_token(&app, &[once], &body).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("invalid_dpop_proof"))
    );
    assert!(
        answer["message"].as_str().unwrap().contains("already used"),
        "{answer}"
    );
    // The query and fragment of htu are ignored; within the window the age is fine.
    let query = signed(
        json!({}),
        claims("POST", &format!("{url}?x=1#y"), now - 30, "q"),
    );
    assert_eq!(post_token(&app, &[query], &body).await.0, 200);
}

async fn es256_and_eddsa_proofs_are_accepted(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    for dpop in [
        DpopKey::generate().unwrap(),
        DpopKey::generate_es256().unwrap(),
    ] {
        let tokens = bound(&app, &credentials(&key), &dpop).await;
        assert_eq!(
            jkt(&tokens.access_token),
            dpop.thumbprint(),
            "{}",
            dpop.algorithm()
        );
    }
}

async fn the_metadata_lists_the_proof_algorithms(app: TestApp) {
    let metadata = app
        .get_json("/.well-known/oauth-authorization-server")
        .await;
    assert_eq!(
        metadata["dpop_signing_alg_values_supported"],
        json!(["ES256", "EdDSA"])
    );
}
