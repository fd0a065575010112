//! DPoP-bound tokens from latchkeyd at the gate (RFC 9449 §7): accepted as
//! `Authorization: DPoP` with one proof by their key for the original method and
//! absolute URI, in each header style; every way the proof or the presentation can be
//! wrong is a 401 with the DPoP challenge, never a 200. The URI is the public URL's when
//! one is configured, else the proxy's `X-Forwarded-Proto` + `X-Forwarded-Host`.

use latchkey_client::DpopKey;
use latchkey_gate::{Config, PublicUrl, Rules};
use latchkey_testkit::TestApp;

use crate::helpers::{Answer, RULES, TestGate, bound_client};

mod proofs;
mod uri;

/// The host and the URL clients address in these tests (sent as the proxy's
/// `X-Forwarded-Host` and `X-Forwarded-Proto`).
pub const HOST: &str = "api.example.com";
pub const BASE: &str = "https://api.example.com";

/// How the proxy names the original method and target.
#[derive(Debug, Clone, Copy)]
pub enum Style {
    /// Traefik and Caddy: `X-Forwarded-Method` + `X-Forwarded-Uri`.
    Traefik,
    /// nginx: `X-Original-Method` + `X-Original-URI`.
    Nginx,
}

pub const STYLES: [Style; 2] = [Style::Traefik, Style::Nginx];

pub struct Setup {
    pub app: TestApp,
    pub gate: TestGate,
    pub account: String,
    pub dpop: DpopKey,
    /// A client token bound to `dpop`.
    pub token: String,
    /// An unbound token of the same client key.
    pub unbound: String,
}

/// latchkeyd, the gate (with `public_url` if given), and a client key's bound and
/// unbound tokens.
pub async fn setup(public_url: Option<&str>) -> Setup {
    let app = TestApp::spawn().await;
    let mut config = Config::new("127.0.0.1:0", app.address.clone());
    config.rules = Rules::parse(RULES).unwrap();
    config.public_url = public_url.map(|url| PublicUrl::parse(url).unwrap());
    let gate = config.gate().unwrap();
    gate.verifier().fetch_keys().await.unwrap();
    let verifier = gate.verifier().clone();
    let gate = TestGate::serve(gate, verifier).await;
    let account = app.account("ada@example.com").await;
    let dpop = DpopKey::generate().unwrap();
    let (token, key) = bound_client(&app, &account, &dpop).await;
    let unbound = app
        .client
        .client_credentials(&key.client_id, &key.client_secret)
        .await
        .unwrap()
        .access_token;
    Setup {
        app,
        gate,
        account,
        dpop,
        token,
        unbound,
    }
}

/// The forward-auth request of `style` for `method target`, without any other header.
pub fn bare(s: &Setup, style: Style, method: &str, target: &str) -> reqwest::RequestBuilder {
    let (method_header, uri_header) = match style {
        Style::Traefik => ("X-Forwarded-Method", "X-Forwarded-Uri"),
        Style::Nginx => ("X-Original-Method", "X-Original-URI"),
    };
    s.gate
        .http
        .get(format!("{}/verify", s.gate.url))
        .header(method_header, method)
        .header(uri_header, target)
}

/// The same, for a client that addressed [`BASE`].
pub fn forwarded(s: &Setup, style: Style, method: &str, target: &str) -> reqwest::RequestBuilder {
    bare(s, style, method, target)
        .header("X-Forwarded-Proto", "https")
        .header("X-Forwarded-Host", HOST)
}

/// A forwarded request in `style` presenting the bound token with one proof of its key
/// naming `method` and `htu`.
pub fn proven(
    s: &Setup,
    style: Style,
    method: &str,
    target: &str,
    htu: &str,
) -> reqwest::RequestBuilder {
    let proof = s.dpop.proof(method, htu, Some(&s.token));
    with_dpop(forwarded(s, style, method, target), &s.token, &[proof])
}

/// `request` with `Authorization: DPoP <token>` and these `DPoP` headers.
pub fn with_dpop(
    mut request: reqwest::RequestBuilder,
    token: &str,
    proofs: &[String],
) -> reqwest::RequestBuilder {
    request = request.header("Authorization", format!("DPoP {token}"));
    for proof in proofs {
        request = request.header("DPoP", proof);
    }
    request
}

/// The identity headers of an answer.
pub fn identity(answer: &Answer) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = answer
        .headers
        .iter()
        .filter(|(name, _)| name.as_str().starts_with("x-latchkey-"))
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
        .collect();
    headers.sort();
    headers
}

/// Asserts a 401 with error `code` and the RFC 9449 §7.1 challenge.
#[track_caller]
pub fn assert_dpop_refusal(answer: &Answer, code: &str, what: &str) {
    assert_eq!(
        (answer.status, answer.error()),
        (401, code),
        "{what}: {answer:?}"
    );
    let challenge = answer.header("www-authenticate").unwrap_or("");
    assert!(
        challenge.starts_with(&format!(r#"DPoP error="{code}""#)),
        "{what}: {challenge}"
    );
    assert!(
        challenge.contains(r#"algs="ES256 EdDSA""#),
        "{what}: {challenge}"
    );
    assert!(!answer.has_identity(), "{what}");
}

/// The count of one outcome in the gate's `/metrics`.
pub async fn decisions(gate: &TestGate, outcome: &str) -> u64 {
    let text = gate
        .http
        .get(format!("{}/metrics", gate.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let prefix = format!("latchkey_gate_decisions_total{{outcome=\"{outcome}\"}} ");
    text.lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {prefix} in\n{text}"))
        .parse()
        .unwrap()
}
