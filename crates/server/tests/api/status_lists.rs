//! The Token Status List: every access token names a bit of a list served at
//! `/statuslists/{n}`, and every path that ends a session or a login sets that bit before
//! it answers, while other sessions' bits stay clear.

use std::sync::Arc;
use std::time::{Duration, Instant};

use latchkey_client::api::{CreateClientKeyRequest, CreatedClientKey, LoginRequest};
use latchkey_testkit::{PASSWORD, Reply, TestApp, backend_tests, decode};
use latchkey_verify::status_bits::StatusBits;
use serde_json::{Value, json};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

backend_tests!(
    every_access_token_names_a_bit_of_a_signed_list,
    the_list_answers_conditional_requests_and_unknown_lists_are_json_404s,
    revoking_one_session_sets_its_bit_and_no_other,
    tokens_refreshed_from_a_session_share_its_bit,
    log_out_everywhere_sets_the_bits_of_sessions_and_of_plain_logins,
    deleting_a_client_key_sets_the_bits_of_its_sessions_only,
    a_password_change_sets_the_accounts_bits_and_the_new_token_is_clear,
    refresh_reuse_sets_the_bit_of_the_family,
    oauth_revocation_sets_the_bit_of_the_session,
    wazo_deletes_set_the_bits_of_the_applications_sessions,
    concurrent_grants_share_each_reserved_block,
);

/// The `(uri, idx)` a token's `status` claim names.
fn place(token: &str) -> (String, u64) {
    let (_, claims) = decode(token);
    let list = &claims["status"]["status_list"];
    (
        list["uri"].as_str().expect("a status list URI").to_owned(),
        list["idx"].as_u64().expect("an index"),
    )
}

/// GETs a status list as a verifier does.
async fn fetch(app: &TestApp, uri: &str) -> Reply {
    let request = app
        .http
        .get(uri)
        .header("accept", "application/statuslist+jwt");
    app.send(request).await
}

/// Whether the bit `token` names is set, read from the list the server serves now.
async fn revoked(app: &TestApp, token: &str) -> bool {
    let (uri, idx) = place(token);
    let reply = fetch(app, &uri).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let (_, claims) = decode(&reply.text);
    let bits = StatusBits::from_lst(claims["status_list"]["lst"].as_str().unwrap()).unwrap();
    bits.get(idx).expect("the index is inside the list")
}

async fn client_token(app: &TestApp, key: &CreatedClientKey) -> (String, String) {
    let tokens = app
        .client
        .client_credentials(&key.client_id, &key.client_secret)
        .await
        .unwrap();
    (
        tokens.access_token,
        tokens.refresh_token.unwrap().expose().to_owned(),
    )
}

async fn new_key(app: &TestApp, account_token: &str, rotate: bool) -> CreatedClientKey {
    let request = CreateClientKeyRequest {
        rotate_refresh_tokens: Some(rotate),
        ..CreateClientKeyRequest::default()
    };
    app.client
        .create_client_key(account_token, &request)
        .await
        .unwrap()
}

fn offline(app_id: &str) -> LoginRequest {
    LoginRequest {
        client_id: Some(app_id.into()),
        access_type: Some("offline".into()),
        expiration: None,
    }
}

fn session_id(refresh_token: &str) -> String {
    decode(refresh_token).1["sid"].as_str().unwrap().to_owned()
}

async fn every_access_token_names_a_bit_of_a_signed_list(app: TestApp) {
    let (account_token, key) = app.account_with_key("ada@example.com").await;
    let (client_token, refresh) = client_token(&app, &key).await;
    let (uri, _) = place(&account_token);
    assert_eq!(uri, app.url("/statuslists/0"));
    assert_ne!(place(&account_token), place(&client_token));
    assert!(
        decode(&refresh).1.get("status").is_none(),
        "refresh tokens name no bit"
    );

    let reply = fetch(&app, &uri).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.headers["content-type"], "application/statuslist+jwt");
    assert_eq!(reply.headers["cache-control"], "public, max-age=30");
    assert_eq!(reply.headers["access-control-allow-origin"], "*");
    let (header, claims) = decode(&reply.text);
    assert_eq!(header["typ"], "statuslist+jwt");
    let jwks = app.client.jwks().await.unwrap();
    assert!(
        jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["kid"] == header["kid"])
    );
    assert_eq!(claims["sub"], json!(uri));
    assert_eq!(claims["ttl"], 30);
    assert_eq!(claims["status_list"]["bits"], 1);
    assert!(claims["exp"].as_i64().unwrap() > claims["iat"].as_i64().unwrap() + 30);
    // The list verifies as any JWT from the issuer does.
    let keys = latchkey_verify::KeySet::from_jwks_json(jwks.to_string().as_bytes()).unwrap();
    assert!(!keys.is_empty());
    assert!(!revoked(&app, &account_token).await);
    assert!(!revoked(&app, &client_token).await);
}

/// Indexes come from blocks of 1,024 reserved at once. More grants than one block holds,
/// 64 at a time: when the block runs out, the grants waiting for an index share the next
/// one instead of each reserving a block of its own (which wasted all but one index of
/// each and made the lists grow 64 times faster than the sessions).
async fn concurrent_grants_share_each_reserved_block(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let in_flight = Arc::new(Semaphore::new(64));
    let mut grants = JoinSet::new();
    for _ in 0..1100 {
        let permit = Arc::clone(&in_flight).acquire_owned().await.unwrap();
        let (client, key) = (app.client.clone(), key.clone());
        grants.spawn(async move {
            let tokens = client
                .client_credentials(&key.client_id, &key.client_secret)
                .await
                .unwrap();
            drop(permit);
            place(&tokens.access_token).1
        });
    }
    let mut indexes = grants.join_all().await;
    indexes.sort_unstable();
    indexes.dedup();
    assert_eq!(indexes.len(), 1100, "no index is handed out twice");
    let last = *indexes.last().unwrap();
    assert!(
        last < 2 * 1024,
        "indexes beyond the second block: up to {last}"
    );
}

async fn the_list_answers_conditional_requests_and_unknown_lists_are_json_404s(app: TestApp) {
    let token = app.account("ada@example.com").await;
    let (uri, _) = place(&token);
    let first = fetch(&app, &uri).await;
    let etag = first.headers["etag"].to_str().unwrap().to_owned();
    let again = app
        .send(app.http.get(&uri).header("if-none-match", &etag))
        .await;
    assert_eq!(again.status, 304);
    assert_eq!(again.headers["etag"].to_str().unwrap(), etag);
    assert!(again.text.is_empty());
    for path in [
        "/statuslists/999999",
        "/statuslists/abc",
        "/statuslists/-1",
        "/statuslists/+0",
    ] {
        let reply = app.send(app.http.get(app.url(path))).await;
        assert_eq!(reply.status, 404, "{path}");
        assert_eq!(reply.error(), "not_found", "{path}");
    }
}

async fn revoking_one_session_sets_its_bit_and_no_other(app: TestApp) {
    let (account_token, key) = app.account_with_key("ada@example.com").await;
    let (first, first_refresh) = client_token(&app, &key).await;
    let (second, _) = client_token(&app, &key).await;
    app.client
        .revoke_refresh_token(&account_token, &session_id(&first_refresh))
        .await
        .unwrap();
    assert!(revoked(&app, &first).await);
    assert!(!revoked(&app, &second).await);
    assert!(!revoked(&app, &account_token).await);
}

async fn tokens_refreshed_from_a_session_share_its_bit(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let (first, refresh) = client_token(&app, &key).await;
    let refresh = latchkey_client::RefreshToken::new(refresh);
    let minted = app
        .client
        .refresh(&refresh, None)
        .await
        .unwrap()
        .access_token;
    assert_eq!(place(&first), place(&minted));
}

async fn log_out_everywhere_sets_the_bits_of_sessions_and_of_plain_logins(app: TestApp) {
    let (account_token, key) = app.account_with_key("ada@example.com").await;
    let (client_access, _) = client_token(&app, &key).await;
    let offline_access = app
        .client
        .login("ada@example.com", PASSWORD, &offline("example"))
        .await
        .unwrap()
        .access_token;
    let (bob_token, bob_key) = app.account_with_key("bob@example.com").await;
    let (bob_client, _) = client_token(&app, &bob_key).await;
    app.client
        .revoke_all_refresh_tokens(&account_token)
        .await
        .unwrap();
    for token in [&account_token, &client_access, &offline_access] {
        assert!(revoked(&app, token).await);
    }
    assert!(!revoked(&app, &bob_token).await);
    assert!(!revoked(&app, &bob_client).await);
    // The next login starts a new era, with a bit of its own.
    let next = app.login("ada@example.com").await;
    assert_ne!(place(&next), place(&account_token));
    assert!(!revoked(&app, &next).await);
}

async fn deleting_a_client_key_sets_the_bits_of_its_sessions_only(app: TestApp) {
    let (account_token, key) = app.account_with_key("ada@example.com").await;
    let other = new_key(&app, &account_token, false).await;
    let (doomed, _) = client_token(&app, &key).await;
    let (kept, _) = client_token(&app, &other).await;
    app.client
        .delete_client_key(&account_token, &key.client_id)
        .await
        .unwrap();
    assert!(revoked(&app, &doomed).await);
    assert!(!revoked(&app, &kept).await);
    assert!(!revoked(&app, &account_token).await);
}

async fn a_password_change_sets_the_accounts_bits_and_the_new_token_is_clear(app: TestApp) {
    let (account_token, key) = app.account_with_key("ada@example.com").await;
    let (client_access, _) = client_token(&app, &key).await;
    let bob = app.account("bob@example.com").await;
    let fresh = app
        .client
        .change_password(&account_token, PASSWORD, "a brand new passphrase 42")
        .await
        .unwrap()
        .access_token;
    assert!(revoked(&app, &account_token).await);
    assert!(revoked(&app, &client_access).await);
    assert!(!revoked(&app, &fresh).await);
    assert!(!revoked(&app, &bob).await);
}

async fn refresh_reuse_sets_the_bit_of_the_family(app: TestApp) {
    let account_token = app.account("ada@example.com").await;
    let rotating = new_key(&app, &account_token, true).await;
    let (access, first) = client_token(&app, &rotating).await;
    let (other, _) = client_token(&app, &rotating).await;
    let first = latchkey_client::RefreshToken::new(first);
    app.client.refresh(&first, None).await.unwrap();
    app.clock.advance(6);
    assert!(app.client.refresh(&first, None).await.is_err());
    assert!(revoked(&app, &access).await);
    assert!(!revoked(&app, &other).await);
}

async fn oauth_revocation_sets_the_bit_of_the_session(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let (access, refresh) = client_token(&app, &key).await;
    let (other, _) = client_token(&app, &key).await;
    let reply = app
        .send(
            app.http
                .post(app.url("/oauth2/revoke"))
                .basic_auth(&key.client_id, Some(key.client_secret.expose()))
                .form(&[("token", refresh.as_str())]),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(revoked(&app, &access).await);
    assert!(!revoked(&app, &other).await);
}

async fn wazo_deletes_set_the_bits_of_the_applications_sessions(app: TestApp) {
    let account_token = app.account("ada@example.com").await;
    let login = |app_id: &'static str| {
        let body: Value = json!({"access_type": "offline", "client_id": app_id});
        app.http
            .post(app.url("/api/auth/0.1/token"))
            .basic_auth("ada@example.com", Some(PASSWORD))
            .json(&body)
    };
    let doomed = app.send(login("example")).await.body["data"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let kept = app.send(login("another")).await.body["data"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let uuid = decode(&account_token).1["sub"].as_str().unwrap().to_owned();
    let reply = app
        .send(
            app.http
                .delete(app.url(&format!("/api/auth/0.1/users/{uuid}/tokens/example")))
                .header("x-auth-token", &account_token),
        )
        .await;
    assert!(reply.status < 300, "{} {}", reply.status, reply.text);
    assert!(revoked(&app, &doomed).await);
    assert!(!revoked(&app, &kept).await);
    assert!(!revoked(&app, &account_token).await);
}

/// Two latchkeyd instances on one PostgreSQL: a revocation made at one shows in the list
/// the other serves within a second.
#[tokio::test]
async fn two_instances_on_one_postgres_agree_within_a_second() {
    let first = TestApp::spawn_postgres().await;
    let second = TestApp::start(&first.database_url, |_| {}).await;
    let (account_token, key) = first.account_with_key("ada@example.com").await;
    let (access, refresh) = client_token(&second, &key).await;
    let (kept, _) = client_token(&first, &key).await;
    first
        .client
        .revoke_refresh_token(&account_token, &session_id(&refresh))
        .await
        .unwrap();
    let revoked_at = Instant::now();
    loop {
        if revoked(&second, &access).await {
            break;
        }
        assert!(
            revoked_at.elapsed() < Duration::from_secs(1),
            "the second instance still serves the bit clear after a second"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!revoked(&second, &kept).await);
}
