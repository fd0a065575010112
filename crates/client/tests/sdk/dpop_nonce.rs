//! `Client::token_with_dpop` against a token endpoint that asks for DPoP nonces
//! (RFC 9449 §8): one retry with the nonce of `DPoP-Nonce`, the nonce kept for later.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_client::api::TokenRequest;
use latchkey_client::{Client, DpopKey, ErrorCode, GrantType};
use serde_json::{Value, json};

/// The `nonce` claim of the request's proof, if any.
fn proof_nonce(headers: &HeaderMap) -> Option<String> {
    let proof = headers.get("dpop")?.to_str().ok()?;
    let claims = URL_SAFE_NO_PAD.decode(proof.split('.').nth(1)?).ok()?;
    let claims: Value = serde_json::from_slice(&claims).ok()?;
    claims["nonce"].as_str().map(str::to_owned)
}

/// Serves `POST /auth/token`, requiring the nonce `n-0`; when `rotating`, refusing every
/// proof and naming a new nonce (`n-<calls so far>`) each time. Returns its URL and the
/// number of requests it got.
async fn nonce_service(rotating: bool) -> (String, Arc<AtomicU64>) {
    let calls = Arc::new(AtomicU64::new(0));
    let counter = calls.clone();
    let app = Router::new().route(
        "/auth/token",
        post(move |headers: HeaderMap| {
            let calls = counter.clone();
            async move {
                let call = calls.fetch_add(1, Ordering::SeqCst);
                let next = format!("n-{}", if rotating { call + 1 } else { 0 });
                let nonce = [("dpop-nonce", next)];
                if !rotating && proof_nonce(&headers).as_deref() == Some("n-0") {
                    let body = json!({"accessToken": "a.b.c", "tokenType": "DPoP"});
                    (StatusCode::OK, nonce, axum::Json(body)).into_response()
                } else {
                    let body = json!({"error": "use_dpop_nonce", "message": "use the nonce"});
                    (StatusCode::BAD_REQUEST, nonce, axum::Json(body)).into_response()
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}"), calls)
}

fn request() -> TokenRequest {
    TokenRequest {
        grant_type: GrantType::ClientCredentials,
        ..TokenRequest::default()
    }
}

#[tokio::test]
async fn use_dpop_nonce_is_retried_once_with_the_nonce_which_is_kept() {
    let (url, calls) = nonce_service(false).await;
    let client = Client::new(url).unwrap();
    let key = DpopKey::generate().unwrap();
    let tokens = client.token_with_dpop(&request(), &key).await.unwrap();
    assert_eq!(tokens.access_token, "a.b.c");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(client.dpop_nonce().as_deref(), Some("n-0"));
    // The next request, from a clone too, carries the nonce at once.
    client
        .clone()
        .token_with_dpop(&request(), &key)
        .await
        .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_second_use_dpop_nonce_is_returned_not_retried_again() {
    let (url, calls) = nonce_service(true).await;
    let client = Client::new(url).unwrap();
    let key = DpopKey::generate_es256().unwrap();
    let err = client.token_with_dpop(&request(), &key).await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::UseDpopNonce));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(client.dpop_nonce().as_deref(), Some("n-2"));
}
