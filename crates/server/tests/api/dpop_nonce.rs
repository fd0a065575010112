//! DPoP server nonces (RFC 9449 §8) at the token endpoints: off by default (no header,
//! proofs without a nonce pass); on, a proof needs a fresh nonce the service made —
//! `use_dpop_nonce` + `DPoP-Nonce` otherwise —, any instance on the same database accepts
//! another's, and the SDK retries with the nonce by itself.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use latchkey_client::api::TokenRequest;
use latchkey_client::{Client, ClientSecret, DpopEndpoint, DpopKey, RefreshToken, TokenSource};
use latchkey_core::Clock as _;
use latchkey_testkit::{
    Backend, OnBackend, Reply, TestApp, backend_tests, decode, require_dpop_nonces,
};
use serde_json::json;

use crate::dpop::{credentials, oauth2_form, refresh};

backend_tests!(
    without_the_setting_no_nonce_is_asked_or_sent,
    a_proof_without_a_nonce_is_told_the_nonce_to_use,
    the_oauth2_endpoint_asks_for_nonces_too,
    made_up_and_expired_nonces_are_refused,
    a_nonce_from_one_instance_passes_at_another,
    the_sdk_retries_with_the_nonce_and_keeps_it,
);

/// latchkeyd requiring DPoP nonces.
struct NonceApp(TestApp);

impl OnBackend for NonceApp {
    async fn on(backend: Backend) -> Self {
        Self(TestApp::spawn_with_dpop_nonces(backend).await)
    }
}

/// A proof for `POST url` made at `iat`, with `nonce` if given (a new `jti` each time).
fn proof_at(dpop: &DpopKey, url: &str, iat: i64, nonce: Option<&str>) -> String {
    static JTI: AtomicU64 = AtomicU64::new(0);
    let jti = format!("nonce-test-{}", JTI.fetch_add(1, Ordering::SeqCst));
    let mut claims = json!({"jti": jti, "htm": "POST", "htu": url, "iat": iat});
    if let Some(nonce) = nonce {
        claims["nonce"] = json!(nonce);
    }
    dpop.sign_jwt(&json!({}), &claims)
}

/// A raw `POST /auth/token` with one `DPoP` proof.
async fn post_token(app: &TestApp, proof: &str, body: &TokenRequest) -> Reply {
    let request = app.http.post(app.url("/auth/token")).json(body);
    app.send(request.header("DPoP", proof)).await
}

/// The `DPoP-Nonce` of an answer, which must have one.
fn nonce_of(reply: &Reply) -> String {
    let nonce = reply.headers.get("dpop-nonce");
    let nonce = nonce.unwrap_or_else(|| panic!("no DPoP-Nonce: {} {}", reply.status, reply.text));
    nonce.to_str().unwrap().to_owned()
}

fn assert_use_nonce(reply: &Reply) {
    assert_eq!(
        (reply.status, reply.error()),
        (400, "use_dpop_nonce"),
        "{}",
        reply.text
    );
}

async fn without_the_setting_no_nonce_is_asked_or_sent(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let dpop = DpopKey::generate().unwrap();
    let url = app.url("/auth/token");
    let granted = post_token(&app, &dpop.proof("POST", &url, None), &credentials(&key)).await;
    assert_eq!(granted.status, 200, "{}", granted.text);
    assert!(granted.headers.get("dpop-nonce").is_none());
    let refused = post_token(&app, "not.a.proof", &credentials(&key)).await;
    assert_eq!(refused.error(), "invalid_dpop_proof");
    assert!(refused.headers.get("dpop-nonce").is_none());
    // A nonce the client sends anyway is not looked at.
    let proof = dpop.proof_with_nonce("POST", &url, None, Some("whatever"));
    assert_eq!(
        post_token(&app, &proof, &credentials(&key)).await.status,
        200
    );
    assert_eq!(app.latchkey.dpop_nonce(), None);
}

async fn a_proof_without_a_nonce_is_told_the_nonce_to_use(NonceApp(app): NonceApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let dpop = DpopKey::generate().unwrap();
    let url = app.url("/auth/token");
    let asked = post_token(&app, &dpop.proof("POST", &url, None), &credentials(&key)).await;
    assert_use_nonce(&asked);
    let nonce = nonce_of(&asked);
    let proof = dpop.proof_with_nonce("POST", &url, None, Some(&nonce));
    let granted = post_token(&app, &proof, &credentials(&key)).await;
    assert_eq!(granted.status, 200, "{}", granted.text);
    assert_eq!(
        decode(granted.body["accessToken"].as_str().unwrap()).1["cnf"]["jkt"],
        dpop.thumbprint()
    );
    let nonce = nonce_of(&granted);
    let refresh_token =
        RefreshToken::new(granted.body["refreshToken"].as_str().unwrap().to_owned());
    let unproven = post_token(
        &app,
        &dpop.proof("POST", &url, None),
        &refresh(&refresh_token),
    )
    .await;
    assert_use_nonce(&unproven);
    let proof = dpop.proof_with_nonce("POST", &url, None, Some(&nonce));
    let refreshed = post_token(&app, &proof, &refresh(&refresh_token)).await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    // Other refusals of a DPoP request name the nonce too; requests without a proof
    // need none.
    let mut wrong = credentials(&key);
    wrong.client_secret = Some(ClientSecret::new("0".repeat(80)));
    let proof = dpop.proof_with_nonce("POST", &url, None, Some(&nonce));
    let refused = post_token(&app, &proof, &wrong).await;
    assert_eq!(refused.error(), "invalid_client");
    nonce_of(&refused);
    app.client_grant(&key).await;
}

async fn the_oauth2_endpoint_asks_for_nonces_too(NonceApp(app): NonceApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let dpop = DpopKey::generate_es256().unwrap();
    let url = app.url("/oauth2/token");
    let post = |form: Vec<(&'static str, String)>, proof: String| {
        let request = app.http.post(&url).form(&form).header("DPoP", proof);
        app.send(request)
    };
    let form = |extra: Option<(&'static str, &str)>| match extra {
        Some(_) => oauth2_form(&key, "refresh_token", extra),
        None => oauth2_form(&key, "client_credentials", None),
    };
    let asked = post(form(None), dpop.proof("POST", &url, None)).await;
    assert_use_nonce(&asked);
    assert!(
        asked.body["error_description"]
            .as_str()
            .unwrap()
            .contains("nonce")
    );
    let proof = dpop.proof_with_nonce("POST", &url, None, Some(&nonce_of(&asked)));
    let granted = post(form(None), proof).await;
    assert_eq!(granted.body["token_type"], "DPoP", "{}", granted.text);
    let refresh_token = granted.body["refresh_token"].as_str().unwrap();
    let unproven = post(
        form(Some(("refresh_token", refresh_token))),
        dpop.proof("POST", &url, None),
    )
    .await;
    assert_use_nonce(&unproven);
    let proof = dpop.proof_with_nonce("POST", &url, None, Some(&nonce_of(&granted)));
    let refreshed = post(form(Some(("refresh_token", refresh_token))), proof).await;
    assert_eq!(refreshed.body["token_type"], "DPoP", "{}", refreshed.text);
    nonce_of(&refreshed);
}

async fn made_up_and_expired_nonces_are_refused(NonceApp(app): NonceApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let dpop = DpopKey::generate().unwrap();
    let url = app.url("/auth/token");
    app.clock.freeze();
    let window = i64::from(app.latchkey.settings().policies.dpop_proof_window);
    let nonce = app.latchkey.dpop_nonce().unwrap();
    for made_up in ["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "nonce", ""] {
        let proof = proof_at(&dpop, &url, app.clock.now(), Some(made_up));
        let refused = post_token(&app, &proof, &credentials(&key)).await;
        assert_use_nonce(&refused);
        assert_eq!(nonce_of(&refused), nonce);
    }
    // A nonce lives through the next proof window, not the one after.
    app.clock.advance(window);
    let proof = proof_at(&dpop, &url, app.clock.now(), Some(&nonce));
    assert_eq!(
        post_token(&app, &proof, &credentials(&key)).await.status,
        200
    );
    app.clock.advance(window);
    let proof = proof_at(&dpop, &url, app.clock.now(), Some(&nonce));
    let expired = post_token(&app, &proof, &credentials(&key)).await;
    assert_use_nonce(&expired);
    let fresh = nonce_of(&expired);
    assert_ne!(fresh, nonce);
    let proof = proof_at(&dpop, &url, app.clock.now(), Some(&fresh));
    assert_eq!(
        post_token(&app, &proof, &credentials(&key)).await.status,
        200
    );
}

async fn a_nonce_from_one_instance_passes_at_another(NonceApp(app): NonceApp) {
    let other = TestApp::start(&app.database_url, require_dpop_nonces).await;
    let (_, key) = app.account_with_key("ada@example.com").await;
    let dpop = DpopKey::generate().unwrap();
    let url = app.url("/auth/token");
    let asked = post_token(&app, &dpop.proof("POST", &url, None), &credentials(&key)).await;
    let nonce = nonce_of(&asked);
    // The second instance's issuer is its own address: the proof names it.
    let other_url = other.url("/auth/token");
    let proof = dpop.proof_with_nonce("POST", &other_url, None, Some(&nonce));
    let granted = post_token(&other, &proof, &credentials(&key)).await;
    assert_eq!(granted.status, 200, "{}", granted.text);
    assert_eq!(nonce_of(&granted), nonce);
}

async fn the_sdk_retries_with_the_nonce_and_keeps_it(NonceApp(app): NonceApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let dpop = DpopKey::generate().unwrap();
    assert_eq!(app.client.dpop_nonce(), None);
    let tokens = app
        .client
        .token_with_dpop(&credentials(&key), &dpop)
        .await
        .unwrap();
    assert_eq!(tokens.token_type.as_deref(), Some("DPoP"));
    let nonce = app.client.dpop_nonce().unwrap();
    let refresh_token = tokens.refresh_token.unwrap();
    let refreshed = app
        .client
        .token_with_dpop(&refresh(&refresh_token), &dpop)
        .await
        .unwrap();
    assert_eq!(refreshed.token_type.as_deref(), Some("DPoP"));
    assert_eq!(app.client.dpop_nonce(), Some(nonce));
    // A token source on a client that has seen no nonce yet refreshes all the same.
    let fresh = Client::new(&app.address).unwrap();
    let endpoint = DpopEndpoint::new(fresh.clone(), Arc::new(dpop));
    let source = TokenSource::builder_with(Arc::new(endpoint))
        .tokens(None, Some(&refresh_token))
        .build();
    let access_token = source.access_token().await.unwrap();
    assert!(decode(&access_token).1["cnf"]["jkt"].is_string());
    assert!(fresh.dpop_nonce().is_some());
}
