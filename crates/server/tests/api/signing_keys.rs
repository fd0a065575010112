//! Signing keys: the rotation schedule, JWKS contents before and after a rotation, old
//! tokens verifying after it, rotation across instances, ES256, encryption at rest,
//! and the purge of ended sessions.

use latchkey_client::api::LoginRequest;
use latchkey_core::keys::{MasterKey, Stage};
use latchkey_testkit::{TempDir, TestApp, backend_tests, decode};
use latchkey_verify::Algorithm;
use latchkeyd::{Application, Config};
use serde_json::Value;

const DAY: i64 = 86_400;
/// The default overlap: the longest access-token lifetime (12 h).
const OVERLAP: i64 = DAY / 2;

backend_tests!(
    a_due_rotation_publishes_the_next_key_an_overlap_before_it_signs,
    a_retired_key_leaves_the_jwks_once_its_access_tokens_have_expired,
    keys_rotate_now_signs_with_a_new_key_at_once,
    two_instances_due_at_once_publish_one_next_key,
    es256_can_be_chosen_for_new_keys,
    a_retired_key_is_deleted_only_when_no_live_refresh_token_needs_it,
    ended_sessions_are_purged_after_the_retention,
    encrypted_keys_are_unreadable_without_the_master_key,
    a_master_key_given_later_encrypts_the_keys_stored_in_clear,
);

pub(crate) async fn kids(app: &TestApp) -> Vec<String> {
    let jwks = app.client.jwks().await.unwrap();
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

/// The kid that signs a fresh login's access token.
pub(crate) async fn signing_kid(app: &TestApp, email: &str) -> String {
    let token = app.login(email).await;
    decode(&token).0["kid"].as_str().unwrap().to_owned()
}

async fn a_due_rotation_publishes_the_next_key_an_overlap_before_it_signs(app: TestApp) {
    app.account("ada@example.com").await;
    let first = kids(&app).await;
    assert_eq!(first.len(), 1);
    assert_eq!(app.latchkey.key_ring().maintain().await.unwrap(), None);

    app.clock.advance(30 * DAY - OVERLAP);
    let rotated = app.latchkey.key_ring().maintain().await.unwrap().unwrap();
    let both = kids(&app).await;
    assert_eq!(both.len(), 2);
    assert!(both.contains(&first[0]) && both.contains(&rotated.kid));
    assert_eq!(signing_kid(&app, "ada@example.com").await, first[0]);
    assert_eq!(app.latchkey.key_ring().maintain().await.unwrap(), None);

    app.clock.advance(OVERLAP - 60);
    let old_token = app.login("ada@example.com").await;
    // Every instance switches at the activation second, without waiting for a reload.
    app.clock.advance(60);
    assert_eq!(signing_kid(&app, "ada@example.com").await, rotated.kid);
    // A token of the previous key still verifies.
    assert_eq!(decode(&old_token).0["kid"], first[0].as_str());
    app.client.me(&old_token).await.unwrap();
}

async fn a_retired_key_leaves_the_jwks_once_its_access_tokens_have_expired(app: TestApp) {
    let (_, key) = app.account_with_key("ada@example.com").await;
    let refresh = app.client_refresh_token(&key).await;
    let first = kids(&app).await;
    let rotated = app.latchkey.key_ring().rotate(true).await.unwrap().unwrap();
    // (The test clock follows the real one: leave a margin for the seconds it ticks.)
    app.clock.advance(OVERLAP - 30);
    app.latchkey.key_ring().maintain().await.unwrap();
    assert_eq!(kids(&app).await.len(), 2);
    app.clock.advance(30);
    app.latchkey.key_ring().maintain().await.unwrap();
    assert_eq!(kids(&app).await, vec![rotated.kid]);
    // latchkeyd keeps the retired key for the refresh tokens it signed.
    let stages: Vec<_> = app.latchkey.key_ring().list().await.unwrap();
    assert!(
        stages
            .iter()
            .any(|k| k.kid == first[0] && k.stage == Stage::Kept)
    );
    let fresh = app
        .client
        .refresh(&refresh, Some(&key.client_id))
        .await
        .unwrap();
    assert_eq!(decode(&fresh.access_token).0["kid"], kids(&app).await[0]);
}

async fn keys_rotate_now_signs_with_a_new_key_at_once(app: TestApp) {
    let old_token = app.account("ada@example.com").await;
    let ring = app.latchkey.key_ring();
    // Without --now a new key is scheduled an overlap ahead; a second call changes nothing.
    let scheduled = ring.rotate(false).await.unwrap().unwrap();
    let listed = ring.list().await.unwrap();
    let next = listed.iter().find(|k| k.kid == scheduled.kid).unwrap();
    assert_eq!(next.stage, Stage::Next);
    assert_eq!(next.activates_at, next.created_at + OVERLAP);
    assert_eq!(ring.rotate(false).await.unwrap(), None);
    assert_ne!(signing_kid(&app, "ada@example.com").await, scheduled.kid);
    // --now brings the scheduled key forward.
    let now = ring.rotate(true).await.unwrap().unwrap();
    assert_eq!(now.kid, scheduled.kid);
    assert_eq!(signing_kid(&app, "ada@example.com").await, scheduled.kid);
    app.client.me(&old_token).await.unwrap();
    for key in ring.list().await.unwrap() {
        let expected = if key.kid == now.kid {
            Stage::Current
        } else {
            Stage::Retired
        };
        assert_eq!(key.stage, expected);
    }
}

async fn two_instances_due_at_once_publish_one_next_key(app: TestApp) {
    let other = TestApp::start(&app.database_url, |_| {}).await;
    app.clock.advance(30 * DAY);
    other.clock.advance(30 * DAY);
    let (a, b) = tokio::join!(
        app.latchkey.key_ring().maintain(),
        other.latchkey.key_ring().maintain()
    );
    let made: Vec<_> = [a.unwrap(), b.unwrap()].into_iter().flatten().collect();
    assert_eq!(made.len(), 1, "exactly one instance rotates");
    app.latchkey.key_ring().reload().await.unwrap();
    // One next key in all, whoever made it.
    assert_eq!(kids(&app).await.len(), 2);
    assert_eq!(kids(&app).await, kids(&other).await);
}

async fn es256_can_be_chosen_for_new_keys(app: TestApp) {
    let es = TestApp::start(&app.database_url, |config| {
        config.policies.signing_keys.algorithm = Algorithm::ES256;
    })
    .await;
    // The existing EdDSA key keeps signing until the next rotation, which makes ES256.
    es.account("ada@example.com").await;
    let rotated = es.latchkey.key_ring().rotate(true).await.unwrap().unwrap();
    let token = es.login("ada@example.com").await;
    let (header, _) = decode(&token);
    assert_eq!(header["alg"], "ES256");
    assert_eq!(header["kid"], rotated.kid.as_str());
    let jwks = es.client.jwks().await.unwrap();
    let key: &Value = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == rotated.kid.as_str())
        .unwrap();
    assert_eq!(
        (key["kty"].as_str(), key["crv"].as_str()),
        (Some("EC"), Some("P-256"))
    );
    es.client.me(&token).await.unwrap();
}

async fn a_retired_key_is_deleted_only_when_no_live_refresh_token_needs_it(app: TestApp) {
    let ring = app.latchkey.key_ring();
    let first = kids(&app).await.remove(0);
    // An offline (account) refresh token never expires: it pins the key that signed it.
    app.account("ada@example.com").await;
    let request = LoginRequest {
        access_type: Some("offline".into()),
        client_id: Some("cli".into()),
        ..LoginRequest::default()
    };
    let pinned = app
        .login_with("ada@example.com", &request)
        .await
        .unwrap()
        .refresh_token
        .unwrap();
    ring.rotate(true).await.unwrap().unwrap();
    app.clock.advance(400 * DAY);
    ring.maintain().await.unwrap();
    let listed = ring.list().await.unwrap();
    assert!(
        listed
            .iter()
            .any(|k| k.kid == first && k.stage == Stage::Kept)
    );
    app.client.refresh(&pinned, Some("cli")).await.unwrap();

    // Once that session is revoked, nothing needs the key any more.
    let token = app.login("ada@example.com").await;
    app.client.revoke_all_refresh_tokens(&token).await.unwrap();
    ring.maintain().await.unwrap();
    assert!(ring.list().await.unwrap().iter().all(|k| k.kid != first));
    assert!(app.client.refresh(&pinned, Some("cli")).await.is_err());
}

async fn ended_sessions_are_purged_after_the_retention(app: TestApp) {
    let (token, key) = app.account_with_key("ada@example.com").await;
    for _ in 0..3 {
        app.client_refresh_token(&key).await;
    }
    let kept = app.client_refresh_token(&key).await;
    let listed = app.client.refresh_tokens(&token).await.unwrap();
    assert_eq!(listed.len(), 4);
    let kept_id = decode(kept.expose()).1["sid"].as_str().unwrap().to_owned();
    for session in listed.iter().filter(|s| s.id != kept_id) {
        app.client
            .revoke_refresh_token(&token, &session.id)
            .await
            .unwrap();
    }
    assert_eq!(app.latchkey.purge_ended_sessions().await.unwrap(), 0);
    app.clock.advance(7 * DAY + 1);
    let purged = app.latchkey.purge_ended_sessions().await.unwrap();
    assert_eq!(purged, 3);
    // The live session is untouched.
    let fresh = app
        .client
        .refresh(&kept, Some(&key.client_id))
        .await
        .unwrap();
    let token = app.login("ada@example.com").await;
    assert_eq!(app.client.refresh_tokens(&token).await.unwrap().len(), 1);
    assert!(!fresh.access_token.is_empty());
}

fn with_master_key(key: Option<&str>) -> impl FnOnce(&mut Config) {
    let master = key.map(|k| MasterKey::from_base64(k).unwrap());
    move |config| config.policies.signing_keys.master_key = master
}

async fn stored_private_keys(database_url: &str) -> Vec<Vec<u8>> {
    let query = "SELECT private_key FROM signing_keys";
    if database_url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(database_url).await.unwrap();
        sqlx::query_scalar(query).fetch_all(&pool).await.unwrap()
    } else {
        let pool = sqlx::PgPool::connect(database_url).await.unwrap();
        sqlx::query_scalar(query).fetch_all(&pool).await.unwrap()
    }
}

async fn build(database_url: &str, master: Option<&str>) -> anyhow::Result<Application> {
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), database_url);
    with_master_key(master)(&mut config);
    Application::build(config).await
}

async fn encrypted_keys_are_unreadable_without_the_master_key(app: TestApp) {
    let master = MasterKey::generate_base64().unwrap();
    // A second database, started with a master key from its first run.
    let dir = TempDir::new();
    let url = if app.database_url.starts_with("sqlite") {
        format!("sqlite://{}", dir.0.join("sealed.db").display())
    } else {
        app.database_url.clone()
    };
    let _ = build(&url, Some(&master)).await.unwrap();
    let stored = stored_private_keys(&url).await;
    assert!(!stored.is_empty());
    for bytes in &stored {
        assert!(bytes.starts_with(b"LKS1"), "sealed, not PKCS#8");
    }

    let without = build(&url, None).await.err().unwrap();
    assert!(format!("{without:#}").contains("master key"), "{without:#}");
    let wrong = MasterKey::generate_base64().unwrap();
    let mismatched = build(&url, Some(&wrong)).await.err().unwrap();
    assert!(
        format!("{mismatched:#}").contains("master key"),
        "{mismatched:#}"
    );
    assert!(build(&url, Some(&master)).await.is_ok());
}

async fn a_master_key_given_later_encrypts_the_keys_stored_in_clear(app: TestApp) {
    let token = app.account("ada@example.com").await;
    assert!(
        stored_private_keys(&app.database_url)
            .await
            .iter()
            .all(|k| k.first() == Some(&0x30))
    );
    let master = MasterKey::generate_base64().unwrap();
    let master_key = with_master_key(Some(&master));
    let issuer = app.address.clone();
    let sealed = TestApp::start(&app.database_url, |config| {
        master_key(config);
        config.issuer = Some(issuer);
    })
    .await;
    assert!(
        stored_private_keys(&app.database_url)
            .await
            .iter()
            .all(|k| k.starts_with(b"LKS1"))
    );
    // Same key, so the tokens it signed before still verify.
    sealed.client.me(&token).await.unwrap();
    assert_eq!(kids(&sealed).await, kids(&app).await);
}

pub(crate) async fn latchkeyd(args: &[&str], envs: &[(&str, &str)]) -> (bool, String, String) {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_latchkeyd"))
        .args(args)
        .env_remove("LATCHKEY_MASTER_KEY")
        .envs(envs.iter().copied())
        .output()
        .await
        .unwrap();
    (
        output.status.success(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[tokio::test]
async fn the_keys_commands_list_rotate_and_make_a_master_key() {
    let dir = TempDir::new();
    let database = format!("sqlite://{}", dir.0.join("keys.db").display());
    let (ok, master, _) = latchkeyd(&["keys", "generate-master-key"], &[]).await;
    assert!(ok);
    assert!(MasterKey::from_base64(&master).is_ok());
    let env = [
        ("LATCHKEY_DATABASE_URL", database.as_str()),
        ("LATCHKEY_MASTER_KEY", master.trim()),
    ];

    let (ok, out, _) = latchkeyd(&["keys", "rotate"], &env).await;
    assert!(ok);
    assert!(out.starts_with("published signing key "), "{out}");
    let (ok, out, _) = latchkeyd(&["keys", "rotate"], &env).await;
    assert!(ok);
    assert!(out.contains("already scheduled"), "{out}");

    let (ok, out, _) = latchkeyd(&["keys", "list", "--json"], &env).await;
    assert!(ok);
    let keys: Value = serde_json::from_str(&out).unwrap();
    let mut stages: Vec<_> = keys
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["stage"].as_str().unwrap(),
                k["encrypted"].as_bool().unwrap(),
            )
        })
        .collect();
    stages.sort_unstable();
    assert_eq!(stages, [("current", true), ("next", true)]);
    let (ok, table, _) = latchkeyd(&["keys", "list"], &env).await;
    assert!(ok && table.starts_with("KID"), "{table}");

    // Without the master key, the encrypted keys cannot be read: a clear, one-line error.
    let (ok, _, err) = latchkeyd(
        &["keys", "list"],
        &[("LATCHKEY_DATABASE_URL", database.as_str())],
    )
    .await;
    assert!(!ok);
    assert!(err.contains("master key"), "{err}");
}
