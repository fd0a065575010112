//! The axum layer and extractor: statuses, RFC 6750 challenges and error bodies.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use axum::{Extension, Router};
use latchkey_verify::{
    AuthLayer, ErrorBody, ErrorCode, KeySet, Kind, Scope, Validation, VerifiedToken, Verifier,
};
use tower::ServiceExt as _;

use crate::support::{ISSUER, NOW, TestKey, claims, closed_port_url, jwks};

async fn whoami(token: VerifiedToken) -> String {
    format!("{} {}", token.sub, token.kind)
}

fn verifier(key: &TestKey) -> Verifier {
    Verifier::from_keys(
        KeySet::from_jwks(&jwks(&[key])),
        Validation::access(ISSUER, ISSUER),
    )
    .with_clock(|| NOW)
}

fn app(verifier: &Verifier) -> Router {
    let read = Scope::parse("nodes:read").unwrap();
    let admin = Scope::parse("nodes:admin").unwrap();
    Router::new()
        .route(
            "/read",
            get(whoami).layer(AuthLayer::new(verifier.clone()).require_scope(&read)),
        )
        .route(
            "/admin",
            get(whoami).layer(AuthLayer::new(verifier.clone()).require_scope(&admin)),
        )
        .route(
            "/accounts",
            get(whoami).layer(AuthLayer::new(verifier.clone()).kinds(&[Kind::AccountAccess])),
        )
}

struct Answer {
    status: StatusCode,
    challenge: Option<String>,
    body: String,
}

impl Answer {
    fn error(&self) -> ErrorBody {
        serde_json::from_str(&self.body).unwrap()
    }
}

async fn call(app: &Router, path: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let challenge = response
        .headers()
        .get(header::WWW_AUTHENTICATE)
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    Answer {
        status,
        challenge,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

#[tokio::test]
async fn a_valid_token_reaches_the_handler_from_either_header() {
    let key = TestKey::ed25519("k1");
    let app = app(&verifier(&key));
    for kind in [Kind::AccountAccess, Kind::ClientAccess] {
        let token = key.sign(&claims(kind));
        for (name, value) in [
            ("authorization", bearer(&token)),
            ("authorization", format!("bearer   {token}")),
            ("x-auth-token", token.clone()),
        ] {
            let answer = call(&app, "/read", &[(name, &value)]).await;
            assert_eq!(answer.status, StatusCode::OK, "{name}: {}", answer.body);
            assert_eq!(answer.body, format!("acct_0123456789 {kind}"));
        }
    }
}

#[tokio::test]
async fn a_missing_token_gets_401_with_a_bare_bearer_challenge() {
    let key = TestKey::ed25519("k1");
    let app = app(&verifier(&key));
    for headers in [
        vec![],
        vec![("authorization", "Bearer ")],
        vec![("authorization", "Basic dTpw")],
        vec![("x-auth-token", "")],
    ] {
        let answer = call(&app, "/read", &headers).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{headers:?}");
        assert_eq!(answer.challenge.as_deref(), Some("Bearer"));
        assert_eq!(answer.error().error, ErrorCode::InvalidToken);
    }
}

#[tokio::test]
async fn refused_tokens_get_401_invalid_token() {
    let key = TestKey::ed25519("k1");
    let app = app(&verifier(&key));
    let mut expired = claims(Kind::ClientAccess);
    expired.exp = Some(NOW - 3600);
    let mut foreign = claims(Kind::ClientAccess);
    foreign.iss = "http://evil.test".into();
    let cases = [
        ("refresh token", key.sign(&claims(Kind::ClientRefresh))),
        ("expired", key.sign(&expired)),
        ("foreign issuer", key.sign(&foreign)),
        (
            "other key",
            TestKey::ed25519("k1").sign(&claims(Kind::ClientAccess)),
        ),
        ("garbage", "garbage".to_owned()),
        ("alg none", "eyJhbGciOiJub25lIn0.e30.".to_owned()),
        (
            "kid with quotes",
            "eyJhbGciOiJFZERTQSIsImtpZCI6IlwiXHJcbngifQ.e30.AA".to_owned(),
        ),
    ];
    for (what, token) in cases {
        let answer = call(&app, "/read", &[("authorization", &bearer(&token))]).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{what}");
        let challenge = answer.challenge.clone().unwrap();
        assert!(
            challenge.starts_with(r#"Bearer error="invalid_token""#),
            "{what}: {challenge}"
        );
        let body = answer.error();
        assert_eq!(body.error, ErrorCode::InvalidToken, "{what}");
        assert!(!body.message.is_empty());
    }
}

#[tokio::test]
async fn header_bytes_that_are_not_text_get_401_not_500() {
    let key = TestKey::ed25519("k1");
    let app = app(&verifier(&key));
    let request = Request::get("/read")
        .header(
            "authorization",
            axum::http::HeaderValue::from_bytes(b"Bearer \xff\xfe").unwrap(),
        )
        .body(Body::empty())
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_missing_scope_gets_403_insufficient_scope_naming_it() {
    let key = TestKey::ed25519("k1");
    let app = app(&verifier(&key));
    let token = key.sign(&claims(Kind::ClientAccess));
    let answer = call(&app, "/admin", &[("authorization", &bearer(&token))]).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(
        answer.challenge.as_deref(),
        Some(r#"Bearer error="insufficient_scope", scope="nodes:admin""#)
    );
    assert_eq!(answer.error().error, ErrorCode::InsufficientScope);
}

#[tokio::test]
async fn a_wrong_kind_gets_403_insufficient_token_kind() {
    let key = TestKey::ed25519("k1");
    let app = app(&verifier(&key));
    let client = key.sign(&claims(Kind::ClientAccess));
    let answer = call(&app, "/accounts", &[("authorization", &bearer(&client))]).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.error().error, ErrorCode::InsufficientTokenKind);
    let account = key.sign(&claims(Kind::AccountAccess));
    let answer = call(&app, "/accounts", &[("authorization", &bearer(&account))]).await;
    assert_eq!(answer.status, StatusCode::OK);
}

#[tokio::test]
async fn an_inner_layer_adds_its_scope_to_an_outer_layers_verification() {
    let key = TestKey::ed25519("k1");
    let verifier = verifier(&key);
    let admin = Scope::parse("nodes:admin").unwrap();
    let app = Router::new()
        .route("/open", get(whoami))
        .route(
            "/admin",
            get(whoami).layer(AuthLayer::new(verifier.clone()).require_scope(&admin)),
        )
        .layer(AuthLayer::new(verifier));
    let token = key.sign(&claims(Kind::ClientAccess));
    let auth = [("authorization", bearer(&token))];
    let auth = [(auth[0].0, auth[0].1.as_str())];
    assert_eq!(call(&app, "/open", &auth).await.status, StatusCode::OK);
    assert_eq!(
        call(&app, "/admin", &auth).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(&app, "/open", &[]).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_extractor_verifies_alone_with_a_verifier_extension() {
    let key = TestKey::ed25519("k1");
    let app = Router::new()
        .route("/", get(whoami))
        .layer(Extension(verifier(&key)));
    let token = key.sign(&claims(Kind::AccountAccess));
    let answer = call(&app, "/", &[("x-auth-token", &token)]).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(call(&app, "/", &[]).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_extractor_without_any_verifier_is_a_500_without_details() {
    let app = Router::new().route("/", get(whoami));
    let answer = call(&app, "/", &[("x-auth-token", "a.b.c")]).await;
    assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(answer.error().error, ErrorCode::Internal);
    assert_eq!(answer.error().message, "internal error");
}

#[tokio::test]
async fn no_keys_yet_is_503_unavailable_without_internal_details() {
    let url = closed_port_url();
    let verifier = Verifier::builder(url.clone())
        .min_refetch_interval(Duration::ZERO)
        .build()
        .unwrap();
    let app = Router::new().route("/", get(whoami).layer(AuthLayer::new(verifier)));
    let key = TestKey::ed25519("k1");
    let token = key.sign(&claims(Kind::AccountAccess));
    let answer = call(&app, "/", &[("authorization", &bearer(&token))]).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    let body = answer.error();
    assert_eq!(body.error, ErrorCode::Unavailable);
    assert!(!body.message.contains("127.0.0.1"), "{}", body.message);
}
