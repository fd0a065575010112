//! The kit the OAuth 2 test modules share: form-encoded requests with either client
//! authentication method, and shortcuts for the token endpoint.

use latchkey_client::api::{CreateClientKeyRequest, CreatedClientKey, LoginRequest};
use latchkey_testkit::{Reply, TestApp, decode};
use serde_json::Value;

/// How a test authenticates its client.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    Basic(&'a CreatedClientKey),
    Post(&'a CreatedClientKey),
    None,
}

/// POSTs a form to an OAuth 2 endpoint.
pub async fn form(app: &TestApp, path: &str, auth: Auth<'_>, fields: &[(&str, &str)]) -> Reply {
    let mut fields: Vec<(&str, &str)> = fields.to_vec();
    let mut request = app.http.post(app.url(path));
    match auth {
        Auth::Basic(key) => {
            request = request.basic_auth(&key.client_id, Some(key.client_secret.expose()));
        }
        Auth::Post(key) => {
            fields.push(("client_id", &key.client_id));
            fields.push(("client_secret", key.client_secret.expose()));
        }
        Auth::None => {}
    }
    app.send(request.form(&fields)).await
}

/// A client-credentials grant that must succeed: the token response body.
pub async fn client_token(app: &TestApp, key: &CreatedClientKey, scope: Option<&str>) -> Value {
    let mut fields = vec![("grant_type", "client_credentials")];
    if let Some(scope) = scope {
        fields.push(("scope", scope));
    }
    let reply = form(app, "/oauth2/token", Auth::Basic(key), &fields).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

/// A refresh-token grant.
pub async fn refresh(
    app: &TestApp,
    key: &CreatedClientKey,
    refresh_token: &str,
    scope: Option<&str>,
) -> Reply {
    let mut fields = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
    ];
    if let Some(scope) = scope {
        fields.push(("scope", scope));
    }
    form(app, "/oauth2/token", Auth::Basic(key), &fields).await
}

/// Another client key for an account.
pub async fn another_key(
    app: &TestApp,
    account_token: &str,
    request: &CreateClientKeyRequest,
) -> CreatedClientKey {
    app.client
        .create_client_key(account_token, request)
        .await
        .unwrap()
}

/// The value of a claim of a token in a body field.
pub fn claim(body: &Value, field: &str, claim: &str) -> Value {
    decode(body[field].as_str().unwrap()).1[claim].clone()
}

/// The options of an offline login (a refresh token bound to `client_id`).
pub fn offline(client_id: &str) -> LoginRequest {
    LoginRequest {
        client_id: Some(client_id.into()),
        access_type: Some("offline".into()),
        expiration: None,
    }
}
