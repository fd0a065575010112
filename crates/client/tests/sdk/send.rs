//! `TokenSource::send` against a service that refuses the first token it sees.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use latchkey_client::{ClientSecret, TokenSource};

use crate::fake::FakeEndpoint;

/// Serves `GET /status`: 401 for the first token it is shown, 200 for any other.
async fn refusing_service() -> (String, Arc<AtomicU64>) {
    let calls = Arc::new(AtomicU64::new(0));
    let first_token = Arc::new(std::sync::Mutex::new(None::<String>));
    let counter = calls.clone();
    let app = Router::new().route(
        "/status",
        get(move |headers: HeaderMap| {
            let calls = counter.clone();
            let first_token = first_token.clone();
            async move {
                calls.fetch_add(1, Ordering::SeqCst);
                let token = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                let mut first = first_token.lock().unwrap();
                if first.get_or_insert_with(|| token.clone()) == &token {
                    StatusCode::UNAUTHORIZED
                } else {
                    StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}/status"), calls)
}

fn source() -> (Arc<FakeEndpoint>, TokenSource) {
    let fake = Arc::new(FakeEndpoint::new(3600));
    let source = TokenSource::builder_with(fake.clone())
        .client_credentials("client-id", &ClientSecret::new("client-secret"))
        .build();
    (fake, source)
}

#[tokio::test]
async fn a_401_is_retried_once_with_a_fresh_token() {
    let (url, calls) = refusing_service().await;
    let (fake, source) = source();
    let http = reqwest::Client::new();
    let response = source
        .send(|token| http.get(&url).bearer_auth(token))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(fake.refreshes(), 1, "the refused token was renewed");

    // The new token is kept: the next call goes through at once.
    let response = source
        .send(|token| http.get(&url).bearer_auth(token))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_second_401_is_returned_not_retried_again() {
    let (url, calls) = refusing_service().await;
    let (_fake, source) = source();
    let http = reqwest::Client::new();
    // Every request carries the same fixed token, so the service refuses both.
    let response = source
        .send(|_token| http.get(&url).bearer_auth("always-the-first"))
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}
