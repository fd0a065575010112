//! A fake issuer (a JWKS on 127.0.0.1:0), tokens signed the way latchkeyd signs them,
//! and the Nodes service started on port 0.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_verify::{Claims, Jwk, Jwks, Kind, Scope};

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .try_into()
        .unwrap()
}

/// An Ed25519 signing key with a `kid`.
pub struct Key {
    kid: String,
    pair: Ed25519KeyPair,
}

impl Key {
    pub fn new(kid: &str) -> Self {
        let der = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        Self {
            kid: kid.into(),
            pair: Ed25519KeyPair::from_pkcs8(der.as_ref()).unwrap(),
        }
    }

    pub fn jwk(&self) -> Jwk {
        Jwk {
            kty: "OKP".into(),
            crv: Some("Ed25519".into()),
            x: Some(b64(self.pair.public_key().as_ref())),
            y: None,
            kid: Some(self.kid.clone()),
            alg: Some("EdDSA".into()),
            use_: Some("sig".into()),
        }
    }

    /// Signs `claims` with latchkeyd's header for the claims' kind.
    pub fn sign(&self, claims: &Claims) -> String {
        let typ = if claims.kind.is_refresh() {
            "rt+jwt"
        } else {
            "at+jwt"
        };
        let header = b64(format!(
            r#"{{"alg":"EdDSA","kid":"{}","typ":"{typ}"}}"#,
            self.kid
        ));
        let input = format!("{header}.{}", b64(serde_json::to_vec(claims).unwrap()));
        let signature = b64(self.pair.sign(input.as_bytes()));
        format!("{input}.{signature}")
    }
}

/// Serves a JWKS that tests may replace, on 127.0.0.1:0.
pub struct FakeIssuer {
    pub url: String,
    jwks: Arc<Mutex<Jwks>>,
}

impl FakeIssuer {
    pub async fn start(keys: &[&Key]) -> Self {
        let jwks = Arc::new(Mutex::new(Jwks {
            keys: keys.iter().map(|k| k.jwk()).collect(),
        }));
        let shared = Arc::clone(&jwks);
        let app = axum::Router::new().route(
            "/.well-known/jwks.json",
            axum::routing::get(move || {
                let jwks = shared.lock().unwrap().clone();
                async move { axum::Json(jwks) }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, jwks }
    }

    pub fn publish(&self, keys: &[&Key]) {
        *self.jwks.lock().unwrap() = Jwks {
            keys: keys.iter().map(|k| k.jwk()).collect(),
        };
    }

    /// Claims as this issuer's latchkeyd would issue them now.
    pub fn claims(&self, kind: Kind) -> Claims {
        let now = now();
        let client = matches!(kind, Kind::ClientAccess | Kind::ClientRefresh);
        Claims {
            iss: self.url.clone(),
            sub: "3b9f7d52-1c44-4f6a-9a0e-6f1f2d3c4b5a".into(),
            aud: self.url.clone(),
            iat: now,
            nbf: now,
            exp: Some(now + 3600),
            jti: "jti".into(),
            kind,
            scope: Scope::parse("nodes:read nodes:write").unwrap(),
            client_id: client.then(|| "c0ffee".repeat(6) + "c0ff"),
            sid: None,
            generation: None,
        }
    }
}

/// The Nodes service, running on a free port until dropped.
pub struct Nodes {
    pub url: String,
    pub http: reqwest::Client,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Nodes {
    pub async fn start(issuer: &FakeIssuer) -> Self {
        let config = latchkey_nodes::Config::new("127.0.0.1:0", issuer.url.clone());
        Self::start_with(config.verifier().unwrap()).await
    }

    pub async fn start_with(verifier: latchkey_verify::Verifier) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(latchkey_nodes::serve(listener, verifier, async move {
            let _ = stopped.await;
        }));
        Self {
            url,
            http: reqwest::Client::new(),
            _stop: stop,
        }
    }

    /// `GET /nodes/v1/status` with `Authorization: Bearer <token>`, as in the seeds.
    pub async fn status(&self, token: &str) -> reqwest::Response {
        self.http
            .get(format!("{}/nodes/v1/status", self.url))
            .header("Authorization", format!("Bearer {token}"))
            .send()
            .await
            .unwrap()
    }
}
