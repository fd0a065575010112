//! The Nodes service started on port 0 (the issuer it trusts, and the tokens, come from
//! `latchkey-testkit`).

use latchkey_testkit::{FakeIssuer, TestKey, jwks};

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

    /// latchkey-nodes beside an issuer that publishes one Ed25519 key, `k1`.
    pub async fn with_one_key() -> (TestKey, FakeIssuer, Self) {
        let key = TestKey::ed25519("k1");
        let issuer = FakeIssuer::start(&jwks(&[&key]));
        let nodes = Self::start(&issuer).await;
        (key, issuer, nodes)
    }

    /// `GET path` with no token.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        let url = format!("{}{path}", self.url);
        self.http.get(url).send().await.unwrap()
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
