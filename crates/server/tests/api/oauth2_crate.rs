//! "Real client libraries work": the `oauth2` crate, used as its documentation says
//! (a `BasicClient` with the token, introspection and revocation URLs), against a running
//! `latchkeyd`.
//!
//! The crate is built without default features, so it brings no HTTP client or TLS stack:
//! it is handed an async HTTP client function over the workspace's `reqwest`, with
//! redirects off as its documentation requires (SSRF).

use latchkey_testkit::{TestApp, backend_tests, decode};
use oauth2::basic::BasicClient;
use oauth2::{
    AuthType, ClientId, ClientSecret, HttpRequest, HttpResponse, IntrospectionUrl, RevocationUrl,
    Scope, StandardRevocableToken, TokenIntrospectionResponse, TokenResponse, TokenUrl,
};

backend_tests!(
    the_oauth2_crate_gets_refreshes_introspects_and_revokes_tokens,
    the_oauth2_crate_authenticates_in_the_body_too,
    the_oauth2_crate_reports_rfc_errors,
);

/// The HTTP function `oauth2` calls: one request over `reqwest`, the answer as it came.
///
/// `oauth2` insists on an `https` revocation URL (RFC 7009 §2). Latchkey is deployed
/// behind a TLS-terminating proxy; this transport plays that proxy for the loopback test
/// server, sending `https://127.0.0.1:…` to `http://127.0.0.1:…`.
async fn send(http: reqwest::Client, request: HttpRequest) -> Result<HttpResponse, reqwest::Error> {
    let (parts, body) = request.into_parts();
    let uri = parts.uri.to_string();
    let url = match uri.strip_prefix("https://127.0.0.1:") {
        Some(rest) => format!("http://127.0.0.1:{rest}"),
        None => uri,
    };
    let response = http
        .request(parts.method, url)
        .headers(parts.headers)
        .body(body)
        .send()
        .await?;
    let mut answer = oauth2::http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        answer = answer.header(name, value);
    }
    let body = response.bytes().await?.to_vec();
    Ok(answer.body(body).unwrap())
}

/// The URL as a client behind the TLS-terminating proxy sees it.
fn tls(url: &str) -> String {
    url.replacen("http://", "https://", 1)
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn the_oauth2_crate_gets_refreshes_introspects_and_revokes_tokens(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let http = http_client();
    let http = |request| send(http.clone(), request);
    let client = BasicClient::new(ClientId::new(key.client_id.clone()))
        .set_client_secret(ClientSecret::new(key.client_secret.expose().to_owned()))
        .set_token_uri(TokenUrl::new(app.url("/oauth2/token")).unwrap())
        .set_introspection_url(IntrospectionUrl::new(app.url("/oauth2/introspect")).unwrap())
        .set_revocation_url(RevocationUrl::new(tls(&app.url("/oauth2/revoke"))).unwrap());

    let token = client
        .exchange_client_credentials()
        .add_scope(Scope::new("nodes:read".into()))
        .request_async(&http)
        .await
        .unwrap();
    assert_eq!(token.token_type().as_ref(), "bearer");
    assert_eq!(token.expires_in().unwrap().as_secs(), 3600);
    assert_eq!(
        token.scopes().unwrap(),
        &vec![Scope::new("nodes:read".into())]
    );
    let refresh_token = token.refresh_token().unwrap().clone();
    assert_eq!(decode(refresh_token.secret()).1["scope"], "nodes:read");

    let refreshed = client
        .exchange_refresh_token(&refresh_token)
        .request_async(&http)
        .await
        .unwrap();
    let (_, claims) = decode(refreshed.access_token().secret());
    assert_eq!(claims["kind"], "client_access");
    assert_eq!(claims["scope"], "nodes:read");

    let introspection = client
        .introspect(refreshed.access_token())
        .request_async(&http)
        .await
        .unwrap();
    assert!(introspection.active());
    assert_eq!(
        introspection.client_id().unwrap().as_str(),
        key.client_id.as_str()
    );
    assert_eq!(introspection.sub(), claims["sub"].as_str());
    assert_eq!(
        introspection.exp().unwrap().timestamp(),
        claims["exp"].as_i64().unwrap()
    );

    client
        .revoke_token(StandardRevocableToken::RefreshToken(refresh_token.clone()))
        .unwrap()
        .request_async(&http)
        .await
        .unwrap();
    let after = client
        .introspect(refreshed.access_token())
        .request_async(&http)
        .await
        .unwrap();
    assert!(!after.active());
    assert!(
        client
            .exchange_refresh_token(&refresh_token)
            .request_async(&http)
            .await
            .is_err()
    );
}

async fn the_oauth2_crate_authenticates_in_the_body_too(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let http = http_client();
    let http = |request| send(http.clone(), request);
    let client = BasicClient::new(ClientId::new(key.client_id.clone()))
        .set_client_secret(ClientSecret::new(key.client_secret.expose().to_owned()))
        .set_auth_type(AuthType::RequestBody)
        .set_token_uri(TokenUrl::new(app.url("/oauth2/token")).unwrap());
    let token = client
        .exchange_client_credentials()
        .request_async(&http)
        .await
        .unwrap();
    let refreshed = client
        .exchange_refresh_token(token.refresh_token().unwrap())
        .request_async(&http)
        .await
        .unwrap();
    assert_eq!(
        refreshed.scopes().unwrap(),
        &vec![
            Scope::new("nodes:read".into()),
            Scope::new("nodes:write".into())
        ]
    );
}

async fn the_oauth2_crate_reports_rfc_errors(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let http = http_client();
    let http = |request| send(http.clone(), request);
    let client = |secret: &str| {
        BasicClient::new(ClientId::new(key.client_id.clone()))
            .set_client_secret(ClientSecret::new(secret.to_owned()))
            .set_token_uri(TokenUrl::new(app.url("/oauth2/token")).unwrap())
    };
    let wrong = client(&"0".repeat(80))
        .exchange_client_credentials()
        .request_async(&http)
        .await
        .unwrap_err();
    assert_server_error(wrong, "invalid_client");
    let wider = client(key.client_secret.expose())
        .exchange_client_credentials()
        .add_scope(Scope::new("admin".into()))
        .request_async(&http)
        .await
        .unwrap_err();
    assert_server_error(wider, "invalid_scope");
}

#[track_caller]
fn assert_server_error<RE: std::error::Error + 'static>(
    error: oauth2::RequestTokenError<RE, oauth2::basic::BasicErrorResponse>,
    code: &str,
) {
    match error {
        oauth2::RequestTokenError::ServerResponse(response) => {
            assert_eq!(response.error().as_ref(), code);
            assert!(response.error_description().is_some());
        }
        other => panic!("expected {code}, got {other:?}"),
    }
}
