//! The signing keys latchkeyd trusts: only those in their verification window, and none
//! once revoked (`latchkeyd keys revoke`) — at the instance that revoked it, at the other
//! instances on the database, and at resource services that refetch the JWKS.

use std::time::{Duration, Instant};

use latchkey_core::keys::{Revocation, SigningKey, Stage};
use latchkey_core::service::{AuditFilter, EventKind};
use latchkey_core::store::{AuditRecord, SigningKeys as _};
use latchkey_core::{Claims, Clock as _, Error};
use latchkey_store::StoreOptions;
use latchkey_verify::{TokenType, Verifier, VerifyError};
use serde_json::Value;

use crate::signing_keys::{kids, latchkeyd, signing_kid};
use latchkey_testkit::{TestApp, assert_api_error, backend_tests, decode};

/// The default overlap: the longest access-token lifetime (12 h).
const OVERLAP: i64 = 43_200;
const EMAIL: &str = "ada@example.com";

backend_tests!(
    an_account_token_under_a_key_past_its_window_is_refused,
    revoking_the_signing_key_refuses_its_tokens_at_once_and_a_new_key_signs,
    keys_revoke_reaches_a_running_instance_within_its_reload_interval,
    keys_revoke_refuses_an_unknown_kid,
    revoking_a_scheduled_or_retired_key_leaves_the_signing_key_in_place,
);

/// A fresh account access token for the account of `genuine`, signed now with the stored
/// key `kid` — what anyone holding that private key could make.
async fn forge(app: &TestApp, kid: &str, genuine: &str) -> String {
    let store = latchkey_store::open(&app.database_url, &StoreOptions::default())
        .await
        .unwrap();
    let record = store
        .signing_keys()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.kid == kid)
        .unwrap();
    let key = SigningKey::from_pkcs8(record.algorithm, &record.private_key).unwrap();
    let mut claims: Claims = serde_json::from_value(decode(genuine).1).unwrap();
    let now = app.clock.now();
    claims.iat = now;
    claims.nbf = now;
    claims.exp = Some(now + 3600);
    claims.jti = format!("forged-{now}");
    key.sign(TokenType::Access, &claims).unwrap()
}

fn kid_of(token: &str) -> String {
    decode(token).0["kid"].as_str().unwrap().to_owned()
}

async fn stage_of(app: &TestApp, kid: &str) -> Option<Stage> {
    let keys = app.latchkey.key_ring().list().await.unwrap();
    keys.iter().find(|k| k.kid == kid).map(|k| k.stage)
}

/// The operator's view of the audit trail: every event of `kind`, newest first.
async fn events(app: &TestApp, kind: EventKind) -> Vec<AuditRecord> {
    let filter = AuditFilter {
        kind: Some(kind),
        ..AuditFilter::default()
    };
    app.latchkey.all_events(&filter).await.unwrap()
}

/// Polls `done` every 100 ms for up to 10 s; returns how long it took.
async fn eventually<F: std::future::Future<Output = bool>>(
    mut done: impl FnMut() -> F,
) -> Duration {
    let started = Instant::now();
    while !done().await {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "not within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    started.elapsed()
}

async fn an_account_token_under_a_key_past_its_window_is_refused(app: TestApp) {
    let genuine = app.account(EMAIL).await;
    let old = kid_of(&genuine);
    let ring = app.latchkey.key_ring();
    ring.rotate(true).await.unwrap().unwrap();
    // Inside its window (retired, still published) the old key's tokens pass.
    app.client
        .me(&forge(&app, &old, &genuine).await)
        .await
        .unwrap();

    // Once every access token it signed has expired, it leaves the JWKS and latchkeyd's
    // own checks alike, though it is still stored for the refresh tokens it signed.
    app.clock.advance(OVERLAP + 1);
    ring.maintain().await.unwrap();
    assert_eq!(stage_of(&app, &old).await, Some(Stage::Kept));
    assert!(!kids(&app).await.contains(&old));
    let forged = forge(&app, &old, &genuine).await;
    assert_api_error(app.client.me(&forged).await, 401, "invalid_token");
    // The current key is unaffected.
    app.client.me(&app.login(EMAIL).await).await.unwrap();
}

async fn revoking_the_signing_key_refuses_its_tokens_at_once_and_a_new_key_signs(app: TestApp) {
    let (token, key) = app.account_with_key(EMAIL).await;
    let refresh = app.client_refresh_token(&key).await;
    let revoked = kid_of(&token);
    // A resource service that refetches the JWKS every second (5 minutes by default)
    // and, for this test, never on an unknown kid.
    let verifier = Verifier::builder(app.address.clone())
        .refresh_interval(Duration::from_secs(1))
        .min_refetch_interval(Duration::from_secs(3600))
        .build()
        .unwrap();
    verifier.verify(&token).await.unwrap();

    let ring = app.latchkey.key_ring();
    let outcome = ring.revoke(&revoked).await.unwrap();
    let Revocation::Revoked {
        successor: Some(successor),
    } = outcome
    else {
        panic!("the signing key was revoked without a successor: {outcome:?}");
    };
    assert_ne!(successor, revoked);

    // latchkeyd: at once, for access and refresh tokens alike.
    assert_api_error(app.client.me(&token).await, 401, "invalid_token");
    assert_api_error(
        app.client.refresh(&refresh, Some(&key.client_id)).await,
        400,
        "invalid_grant",
    );
    assert_eq!(kids(&app).await, vec![successor.clone()]);
    assert_eq!(stage_of(&app, &revoked).await, Some(Stage::Revoked));
    // The new key signs at once; the client keys still work.
    assert_eq!(signing_kid(&app, EMAIL).await, successor);
    let fresh = app.login(EMAIL).await;
    app.client.me(&fresh).await.unwrap();
    let granted = app.client_grant(&key).await;
    assert_eq!(kid_of(&granted.access_token), successor);

    // The resource service: at its next scheduled refetch.
    eventually(|| async {
        verifier.verify(&token).await == Err(VerifyError::UnknownKey(revoked.clone()))
    })
    .await;
    verifier.verify(&fresh).await.unwrap();

    // Audited and counted; a second revocation changes nothing.
    let revocations = events(&app, EventKind::SigningKeyRevoked).await;
    assert_eq!(revocations.len(), 1);
    assert!(revocations[0].detail.as_deref().unwrap().contains(&revoked));
    let rotations = events(&app, EventKind::SigningKeyRotated).await;
    assert!(rotations[0].detail.as_deref().unwrap().contains(&successor));
    let counted = app.latchkey.telemetry().snapshot();
    assert_eq!(
        (
            counted.signing_key_revocations,
            counted.signing_key_rotations
        ),
        (1, 1)
    );
    assert_eq!(
        ring.revoke(&revoked).await.unwrap(),
        Revocation::AlreadyRevoked
    );
    assert_eq!(events(&app, EventKind::SigningKeyRevoked).await.len(), 1);
}

async fn keys_revoke_reaches_a_running_instance_within_its_reload_interval(app: TestApp) {
    // Another instance on the database, reloading its keys every second (60 s by default).
    let other = TestApp::start(&app.database_url, |config| {
        config.policies.key_reload_interval = 1;
    })
    .await;
    let token = other.account(EMAIL).await;
    let kid = kid_of(&token);
    let env = [("LATCHKEY_DATABASE_URL", app.database_url.as_str())];
    let verifier = Verifier::builder(other.address.clone())
        .refresh_interval(Duration::from_secs(1))
        .build()
        .unwrap();
    verifier.verify(&token).await.unwrap();

    let (ok, out, err) = latchkeyd(&["keys", "revoke", &kid], &env).await;
    assert!(ok, "{err}");
    assert!(
        out.starts_with(&format!("revoked signing key {kid}")),
        "{out}"
    );
    assert!(out.contains("signs from now on"), "{out}");

    eventually(|| async { other.client.me(&token).await.is_err() }).await;
    assert_api_error(other.client.me(&token).await, 401, "invalid_token");
    assert!(!kids(&other).await.contains(&kid));
    assert_ne!(signing_kid(&other, EMAIL).await, kid);
    eventually(|| async {
        verifier.verify(&token).await == Err(VerifyError::UnknownKey(kid.clone()))
    })
    .await;
    // The running instance counts what its reload saw.
    let counted = other.latchkey.telemetry().snapshot();
    assert_eq!(
        (
            counted.signing_key_revocations,
            counted.signing_key_rotations
        ),
        (1, 1)
    );

    let (ok, out, _) = latchkeyd(&["keys", "list", "--json"], &env).await;
    assert!(ok);
    let listed: Value = serde_json::from_str(&out).unwrap();
    let entry = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .unwrap();
    assert_eq!(entry["stage"], "revoked");
    assert!(entry["revokedAt"].is_string());
    let (ok, out, _) = latchkeyd(&["keys", "revoke", &kid], &env).await;
    assert!(ok && out.contains("already revoked"), "{out}");
}

async fn keys_revoke_refuses_an_unknown_kid(app: TestApp) {
    let before = kids(&app).await;
    let env = [("LATCHKEY_DATABASE_URL", app.database_url.as_str())];
    let (ok, out, err) = latchkeyd(&["keys", "revoke", "no-such-kid"], &env).await;
    assert!(!ok);
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("no signing key has the id \"no-such-kid\""),
        "{err}"
    );
    let ring = app.latchkey.key_ring();
    assert!(matches!(
        ring.revoke("no-such-kid").await,
        Err(Error::NotFound(_))
    ));
    ring.reload().await.unwrap();
    assert_eq!(kids(&app).await, before);
    assert_eq!(
        app.latchkey.telemetry().snapshot().signing_key_revocations,
        0
    );
}

async fn revoking_a_scheduled_or_retired_key_leaves_the_signing_key_in_place(app: TestApp) {
    let token = app.account(EMAIL).await;
    let current = kid_of(&token);
    let ring = app.latchkey.key_ring();

    // The scheduled successor: withdrawn, and the current key no longer retires.
    let scheduled = ring.rotate(false).await.unwrap().unwrap();
    assert_eq!(
        ring.revoke(&scheduled.kid).await.unwrap(),
        Revocation::Revoked { successor: None }
    );
    assert_eq!(kids(&app).await, vec![current.clone()]);
    app.clock.advance(OVERLAP + 60);
    ring.maintain().await.unwrap();
    assert_eq!(signing_kid(&app, EMAIL).await, current);
    assert_eq!(stage_of(&app, &current).await, Some(Stage::Current));

    // A new rotation can be made; the key it retires, still published, is revoked too.
    let old_token = app.login(EMAIL).await;
    let next = ring.rotate(true).await.unwrap().unwrap();
    app.client.me(&old_token).await.unwrap();
    assert_eq!(
        ring.revoke(&current).await.unwrap(),
        Revocation::Revoked { successor: None }
    );
    assert_api_error(app.client.me(&old_token).await, 401, "invalid_token");
    assert_eq!(kids(&app).await, vec![next.kid.clone()]);
    assert_eq!(signing_kid(&app, EMAIL).await, next.kid);
}
