//! Test keys, tokens signed the way latchkeyd signs them, and a fake issuer serving a JWKS.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _,
};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_verify::{Claims, Jwk, Jwks, KeySet, Kind, Scope, Validation, VerifyError, verify};

pub const ISSUER: &str = "http://issuer.test";
/// "Now" for tokens: the tests pin the clock here.
pub const NOW: i64 = 1_700_000_000;

pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The access-token rules of [`ISSUER`], for itself.
pub fn access_rules() -> Validation {
    Validation::access(ISSUER, ISSUER)
}

/// A key set of `keys`.
pub fn key_set(keys: &[&TestKey]) -> KeySet {
    KeySet::from_jwks(&jwks(keys))
}

/// Verifies `token` with `key` alone, by the access-token rules, at [`NOW`].
pub fn check(key: &TestKey, token: &str) -> Result<latchkey_verify::Claims, VerifyError> {
    verify(token, &key_set(&[key]), &access_rules(), NOW)
}

enum Pair {
    Ed25519(Ed25519KeyPair),
    Es256(EcdsaKeyPair),
}

/// A signing key with a chosen `kid`.
pub struct TestKey {
    pub kid: String,
    pair: Pair,
}

impl TestKey {
    pub fn ed25519(kid: &str) -> Self {
        let der = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        Self {
            kid: kid.into(),
            pair: Pair::Ed25519(Ed25519KeyPair::from_pkcs8(der.as_ref()).unwrap()),
        }
    }

    pub fn es256(kid: &str) -> Self {
        let der =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                .unwrap();
        Self {
            kid: kid.into(),
            pair: Pair::Es256(
                EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der.as_ref()).unwrap(),
            ),
        }
    }

    pub fn alg(&self) -> &'static str {
        match self.pair {
            Pair::Ed25519(_) => "EdDSA",
            Pair::Es256(_) => "ES256",
        }
    }

    /// The raw public key bytes.
    pub fn public_bytes(&self) -> Vec<u8> {
        match &self.pair {
            Pair::Ed25519(p) => p.public_key().as_ref().to_vec(),
            Pair::Es256(p) => p.public_key().as_ref().to_vec(),
        }
    }

    pub fn jwk(&self) -> Jwk {
        let public = self.public_bytes();
        let (kty, crv, x, y) = match self.pair {
            Pair::Ed25519(_) => ("OKP", "Ed25519", b64(&public), None),
            Pair::Es256(_) => ("EC", "P-256", b64(&public[1..33]), Some(b64(&public[33..]))),
        };
        Jwk {
            kty: kty.into(),
            crv: Some(crv.into()),
            x: Some(x),
            y,
            kid: Some(self.kid.clone()),
            alg: Some(self.alg().into()),
            use_: Some("sig".into()),
        }
    }

    /// Signs `header.payload` as given, byte for byte.
    pub fn sign_parts(&self, header: &str, payload: &str) -> String {
        let input = format!("{}.{}", b64(header), b64(payload));
        let signature = match &self.pair {
            Pair::Ed25519(p) => p.sign(input.as_bytes()).as_ref().to_vec(),
            Pair::Es256(p) => p
                .sign(&SystemRandom::new(), input.as_bytes())
                .unwrap()
                .as_ref()
                .to_vec(),
        };
        format!("{input}.{}", b64(signature))
    }

    /// A token with latchkeyd's header for `typ` (`at+jwt` or `rt+jwt`).
    pub fn sign_typ(&self, typ: &str, claims: &Claims) -> String {
        let header = format!(
            r#"{{"alg":"{}","kid":"{}","typ":"{typ}"}}"#,
            self.alg(),
            self.kid
        );
        self.sign_parts(&header, &serde_json::to_string(claims).unwrap())
    }

    /// A token with the header latchkeyd gives tokens of this kind.
    pub fn sign(&self, claims: &Claims) -> String {
        let typ = if claims.kind.is_refresh() {
            "rt+jwt"
        } else {
            "at+jwt"
        };
        self.sign_typ(typ, claims)
    }
}

/// Claims as latchkeyd would issue them at [`NOW`], valid for an hour.
pub fn claims(kind: Kind) -> Claims {
    let client = matches!(kind, Kind::ClientAccess | Kind::ClientRefresh);
    Claims {
        iss: ISSUER.into(),
        sub: "acct_0123456789".into(),
        aud: ISSUER.into(),
        iat: NOW - 10,
        nbf: NOW - 10,
        exp: Some(NOW + 3600),
        jti: "jti-1".into(),
        kind,
        scope: Scope::parse("nodes:read nodes:write").unwrap(),
        client_id: client.then(|| "ab".repeat(20)),
        sid: None,
        generation: None,
    }
}

pub fn jwks(keys: &[&TestKey]) -> Jwks {
    Jwks {
        keys: keys.iter().map(|k| k.jwk()).collect(),
    }
}

struct FakeState {
    body: Mutex<String>,
    down: AtomicBool,
    fetches: AtomicUsize,
}

/// An issuer serving `/.well-known/jwks.json` on 127.0.0.1:0, on a thread and runtime
/// of its own so that tests may pause their own clock.
pub struct FakeIssuer {
    pub url: String,
    state: Arc<FakeState>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn serve_jwks(State(state): State<Arc<FakeState>>) -> axum::response::Response {
    state.fetches.fetch_add(1, Ordering::SeqCst);
    if state.down.load(Ordering::SeqCst) {
        return (StatusCode::SERVICE_UNAVAILABLE, "down").into_response();
    }
    let body = state.body.lock().unwrap().clone();
    ([("content-type", "application/json")], body).into_response()
}

impl FakeIssuer {
    pub fn start(jwks: &Jwks) -> Self {
        let state = Arc::new(FakeState {
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

    pub fn publish(&self, jwks: &Jwks) {
        self.publish_raw(&serde_json::to_string(jwks).unwrap());
    }

    pub fn publish_raw(&self, body: &str) {
        *self.state.body.lock().unwrap() = body.into();
    }

    pub fn set_down(&self, down: bool) {
        self.state.down.store(down, Ordering::SeqCst);
    }

    pub fn fetches(&self) -> usize {
        self.state.fetches.load(Ordering::SeqCst)
    }
}

/// A URL on which nothing listens.
pub fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}
