//! A fake issuer: `/.well-known/jwks.json` on a free port, for tests of what verifies
//! latchkeyd's tokens (the verify library, the Nodes service) without a latchkeyd.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use latchkey_verify::{Claims, Jwks, Kind};

use crate::scratch::unix_now;
use crate::tokens::claims;

struct Published {
    body: Mutex<String>,
    down: AtomicBool,
    fetches: AtomicUsize,
}

/// An issuer serving a JWKS that tests may replace, break or take down, on 127.0.0.1:0.
/// It runs on a thread and runtime of its own, so that tests may pause their own clock.
pub struct FakeIssuer {
    /// `http://127.0.0.1:port`: the issuer URL, the `iss` and `aud` of its tokens.
    pub url: String,
    state: Arc<Published>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn serve_jwks(State(state): State<Arc<Published>>) -> axum::response::Response {
    state.fetches.fetch_add(1, Ordering::SeqCst);
    if state.down.load(Ordering::SeqCst) {
        return (StatusCode::SERVICE_UNAVAILABLE, "down").into_response();
    }
    let body = state.body.lock().unwrap().clone();
    ([("content-type", "application/json")], body).into_response()
}

impl FakeIssuer {
    /// Starts serving `jwks`; it stops when this is dropped.
    ///
    /// # Panics
    ///
    /// If no port or thread is to be had.
    pub fn start(jwks: &Jwks) -> Self {
        let state = Arc::new(Published {
            body: Mutex::new(serde_json::to_string(jwks).unwrap()),
            down: AtomicBool::new(false),
            fetches: AtomicUsize::new(0),
        });
        let app = axum::Router::new()
            .route("/.well-known/jwks.json", axum::routing::get(serve_jwks))
            .with_state(Arc::clone(&state));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async move {
                        let _ = stopped.await;
                    })
                    .await;
            });
        });
        let addr = addr_rx.recv().unwrap();
        Self {
            url: format!("http://{addr}"),
            state,
            _stop: stop,
        }
    }

    /// Publishes `jwks` instead (a key rotation).
    pub fn publish(&self, jwks: &Jwks) {
        self.publish_raw(&serde_json::to_string(jwks).unwrap());
    }

    /// Publishes `body` as it is, JSON or not.
    pub fn publish_raw(&self, body: &str) {
        *self.state.body.lock().unwrap() = body.into();
    }

    /// While down, the issuer answers 503.
    pub fn set_down(&self, down: bool) {
        self.state.down.store(down, Ordering::SeqCst);
    }

    /// How many times the JWKS was asked for.
    pub fn fetches(&self) -> usize {
        self.state.fetches.load(Ordering::SeqCst)
    }

    /// Claims of a `kind` token from this issuer, issued now.
    pub fn claims(&self, kind: Kind) -> Claims {
        self.claims_at(kind, unix_now())
    }

    /// Claims of a `kind` token from this issuer, issued at `now`.
    pub fn claims_at(&self, kind: Kind, now: i64) -> Claims {
        claims(kind, &self.url, now)
    }
}
