//! The gate on a free port, in this process, and the requests each proxy sends it.

use latchkey_client::api::{CreateClientKeyRequest, CreatedClientKey, TokenRequest};
use latchkey_client::{DpopKey, GrantType};
use latchkey_gate::{Config, Gate, Rules};
use latchkey_testkit::TestApp;
use latchkey_verify::{Scope, Verifier};
use reqwest::header::HeaderMap;
use serde_json::Value;

/// The rules most tests use.
pub const RULES: &str = r#"
[[route]]
prefix = "/public"
public = true

[[route]]
prefix = "/api"
methods = ["GET", "HEAD"]
scope = "nodes:read"

[[route]]
prefix = "/api"
methods = ["POST", "PUT", "DELETE"]
scope = "nodes:write"

[[route]]
prefix = "/api/status"
methods = ["GET"]
public = true

[[route]]
prefix = "/admin"
scope = "admin"
"#;

/// A running gate; stops when dropped.
pub struct TestGate {
    /// `http://127.0.0.1:port`.
    pub url: String,
    /// A plain HTTP client.
    pub http: reqwest::Client,
    /// The gate's verifier (shares the gate's key cache).
    pub verifier: Verifier,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// An answer read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    /// A header's value, if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    /// The `error` code of the body.
    pub fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or("")
    }

    /// Whether any `X-Latchkey-*` header is present.
    pub fn has_identity(&self) -> bool {
        self.headers
            .keys()
            .any(|name| name.as_str().starts_with("x-latchkey-"))
    }
}

impl TestGate {
    /// The gate for `issuer` with `rules`, its keys fetched once before it answers.
    pub async fn start(issuer: &str, rules: &str) -> Self {
        let mut config = Config::new("127.0.0.1:0", issuer);
        config.rules = Rules::parse(rules).unwrap();
        let verifier = config.service.verifier().unwrap();
        let _ = verifier.fetch_keys().await;
        Self::start_with(verifier, config.rules).await
    }

    /// The gate with this verifier (its keys as they are).
    pub async fn start_with(verifier: Verifier, rules: Rules) -> Self {
        Self::serve(Gate::new(verifier.clone(), rules), verifier).await
    }

    /// Serves `gate`, whose verifier is `verifier`.
    pub async fn serve(gate: Gate, verifier: Verifier) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(latchkey_gate::serve(listener, gate, async move {
            let _ = stopped.await;
        }));
        Self {
            url,
            http: reqwest::Client::new(),
            verifier,
            _stop: stop,
        }
    }

    /// Asks as Traefik and Caddy do: `X-Forwarded-Method` + `X-Forwarded-Uri`, the token
    /// as `Authorization: Bearer`.
    pub async fn ask(&self, method: &str, uri: &str, token: Option<&str>) -> Answer {
        let mut request = self
            .http
            .get(format!("{}/verify", self.url))
            .header("X-Forwarded-Method", method)
            .header("X-Forwarded-Uri", uri);
        if let Some(token) = token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        self.send(request).await
    }

    /// Sends any request and reads the answer.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        Answer {
            status,
            headers,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    /// GETs a path of the gate itself.
    pub async fn get(&self, path: &str) -> Answer {
        self.send(self.http.get(format!("{}{path}", self.url)))
            .await
    }
}

/// Asserts a 401 `invalid_token` with the RFC 6750 challenge.
#[track_caller]
pub fn assert_invalid_token(answer: &Answer, what: &str) {
    assert_eq!(answer.status, 401, "{what}: {answer:?}");
    assert_eq!(answer.error(), "invalid_token", "{what}");
    let challenge = answer.header("www-authenticate").unwrap_or("");
    assert!(
        challenge.starts_with(r#"Bearer error="invalid_token""#),
        "{what}: {challenge}"
    );
    assert!(!answer.has_identity(), "{what}");
}

/// A client access token of a new key of `account` that grants `nodes:read` only:
/// (token, client id).
pub async fn read_only_client(app: &TestApp, account: &str) -> (String, String) {
    let request = CreateClientKeyRequest {
        scope: Some(Scope::parse("nodes:read").unwrap()),
        ..CreateClientKeyRequest::default()
    };
    let key = app
        .client
        .create_client_key(account, &request)
        .await
        .unwrap();
    let token = app
        .client
        .client_credentials(&key.client_id, &key.client_secret)
        .await
        .unwrap()
        .access_token;
    (token, key.client_id)
}

/// A client access token bound to `dpop` (client credentials with a proof), from a new
/// client key of `account`: (token, the key).
pub async fn bound_client(
    app: &TestApp,
    account: &str,
    dpop: &DpopKey,
) -> (String, CreatedClientKey) {
    let key = app
        .client
        .create_client_key(account, &CreateClientKeyRequest::default())
        .await
        .unwrap();
    let request = TokenRequest {
        grant_type: GrantType::ClientCredentials,
        client_id: Some(key.client_id.clone()),
        client_secret: Some(key.client_secret.clone()),
        ..TokenRequest::default()
    };
    let tokens = app.client.token_with_dpop(&request, dpop).await.unwrap();
    assert_eq!(tokens.token_type.as_deref(), Some("DPoP"));
    (tokens.access_token, key)
}
