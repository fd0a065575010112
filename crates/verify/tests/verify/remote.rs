//! The remote key cache against a fake issuer: caching, rotation, the unknown-`kid`
//! rate limit, background refresh, and an issuer that is down.

use std::time::Duration;

use latchkey_verify::{BuildError, Claims, Kind, Verifier, VerifyError};

use crate::support::{FakeIssuer, NOW, TestKey, claims, closed_port_url, jwks};

/// Claims for tokens from the fake issuer.
fn claims_from(issuer: &FakeIssuer, kind: Kind) -> Claims {
    Claims {
        iss: issuer.url.clone(),
        aud: issuer.url.clone(),
        ..claims(kind)
    }
}

/// A verifier for the fake issuer, at [`NOW`], that never refreshes in the background
/// during a test unless asked to.
fn verifier(issuer: &FakeIssuer, min_refetch: Duration) -> Verifier {
    Verifier::builder(issuer.url.clone())
        .clock(|| NOW)
        .refresh_interval(Duration::from_secs(365 * 86_400))
        .min_refetch_interval(min_refetch)
        .build()
        .unwrap()
}

#[tokio::test]
async fn keys_are_fetched_once_and_cached() {
    let key = TestKey::ed25519("k1");
    let issuer = FakeIssuer::start(&jwks(&[&key]));
    let verifier = verifier(&issuer, Duration::from_secs(3600));
    let token = key.sign(&claims_from(&issuer, Kind::AccountAccess));
    for _ in 0..20 {
        assert_eq!(
            verifier.verify(&token).await.unwrap().kind,
            Kind::AccountAccess
        );
    }
    assert_eq!(verifier.key_count(), 1);
    assert_eq!(issuer.fetches(), 1);
}

#[tokio::test]
async fn every_accepted_kind_passes_and_refresh_tokens_do_not() {
    let key = TestKey::es256("k1");
    let issuer = FakeIssuer::start(&jwks(&[&key]));
    let verifier = verifier(&issuer, Duration::from_secs(3600));
    for kind in [Kind::AccountAccess, Kind::ClientAccess] {
        let token = key.sign(&claims_from(&issuer, kind));
        assert_eq!(verifier.verify(&token).await.unwrap().kind, kind);
    }
    for kind in [Kind::ClientRefresh, Kind::AccountRefresh] {
        let token = key.sign(&claims_from(&issuer, kind));
        assert_eq!(verifier.verify(&token).await, Err(VerifyError::WrongType));
    }
}

#[tokio::test]
async fn a_key_added_by_rotation_is_picked_up_without_restart() {
    let old = TestKey::ed25519("old");
    let issuer = FakeIssuer::start(&jwks(&[&old]));
    let verifier = verifier(&issuer, Duration::ZERO);
    let old_token = old.sign(&claims_from(&issuer, Kind::ClientAccess));
    assert!(verifier.verify(&old_token).await.is_ok());

    let new = TestKey::ed25519("new");
    issuer.publish(&jwks(&[&new, &old]));
    let new_token = new.sign(&claims_from(&issuer, Kind::ClientAccess));
    assert_eq!(
        verifier.verify(&new_token).await.unwrap().kind,
        Kind::ClientAccess
    );
    assert!(verifier.verify(&old_token).await.is_ok());
    assert_eq!(issuer.fetches(), 2);

    // Once the old key is withdrawn and the JWKS refetched, its tokens stop passing.
    issuer.publish(&jwks(&[&new]));
    verifier.fetch_keys().await.unwrap();
    assert_eq!(
        verifier.verify(&old_token).await,
        Err(VerifyError::UnknownKey("old".into()))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_unknown_kids_triggers_at_most_one_fetch_per_interval() {
    let key = TestKey::ed25519("k1");
    let issuer = FakeIssuer::start(&jwks(&[&key]));
    let verifier = verifier(&issuer, Duration::from_secs(3600));
    let mut flood = tokio::task::JoinSet::new();
    for i in 0..200 {
        let forger = TestKey::ed25519(&format!("forged-{i}"));
        let token = forger.sign(&claims_from(&issuer, Kind::AccountAccess));
        let verifier = verifier.clone();
        flood.spawn(async move { verifier.verify(&token).await });
    }
    while let Some(result) = flood.join_next().await {
        assert!(matches!(result.unwrap(), Err(VerifyError::UnknownKey(_))));
    }
    // The first unknown kid found an empty cache and fetched; the other 199 shared that
    // fetch or were inside the interval.
    assert_eq!(issuer.fetches(), 1);

    // Within the interval even a genuinely new key waits for the next allowed fetch.
    let rotated = TestKey::ed25519("rotated");
    issuer.publish(&jwks(&[&key, &rotated]));
    let token = rotated.sign(&claims_from(&issuer, Kind::AccountAccess));
    assert_eq!(
        verifier.verify(&token).await,
        Err(VerifyError::UnknownKey("rotated".into()))
    );
    assert_eq!(issuer.fetches(), 1);
}

#[tokio::test(start_paused = true)]
async fn after_the_interval_an_unknown_kid_may_fetch_again() {
    let key = TestKey::ed25519("k1");
    let issuer = FakeIssuer::start(&jwks(&[&key]));
    // No HTTP timeout: a paused clock jumps ahead while the test waits for the fake issuer.
    let verifier = Verifier::builder(issuer.url.clone())
        .clock(|| NOW)
        .refresh_interval(Duration::from_secs(10 * 365 * 86_400))
        .min_refetch_interval(Duration::from_secs(60))
        .http_client(reqwest::Client::new())
        .build()
        .unwrap();
    assert!(
        verifier
            .verify(&key.sign(&claims_from(&issuer, Kind::AccountAccess)))
            .await
            .is_ok()
    );

    let rotated = TestKey::ed25519("rotated");
    issuer.publish(&jwks(&[&key, &rotated]));
    let token = rotated.sign(&claims_from(&issuer, Kind::AccountAccess));
    assert!(matches!(
        verifier.verify(&token).await,
        Err(VerifyError::UnknownKey(_))
    ));
    tokio::time::advance(Duration::from_secs(61)).await;
    assert!(verifier.verify(&token).await.is_ok());
}

/// A verifier refreshing its keys every 5 minutes in the background and never on
/// demand, for tests on a paused clock (no HTTP timeout: the paused clock jumps ahead
/// while the test waits for the fake issuer).
fn background_only_verifier(issuer: &FakeIssuer) -> Verifier {
    Verifier::builder(issuer.url.clone())
        .clock(|| NOW)
        .refresh_interval(Duration::from_secs(300))
        .min_refetch_interval(Duration::from_secs(10 * 365 * 86_400))
        .http_client(reqwest::Client::new())
        .build()
        .unwrap()
}

/// Sleeps past the refresh interval, then lets the background refresh (under way on this
/// runtime) finish, until verifying `token` gives `passes`.
async fn after_the_background_refresh(verifier: &Verifier, token: &str, passes: bool) {
    tokio::time::sleep(Duration::from_secs(301)).await;
    let mut turns = 0;
    while verifier.verify(token).await.is_ok() != passes {
        turns += 1;
        assert!(turns < 100_000, "the background refresh never happened");
        tokio::task::yield_now().await;
    }
}

#[tokio::test(start_paused = true)]
async fn the_background_task_refreshes_the_keys_before_they_age_out() {
    let old = TestKey::ed25519("old");
    let issuer = FakeIssuer::start(&jwks(&[&old]));
    let verifier = background_only_verifier(&issuer);
    assert!(
        verifier
            .verify(&old.sign(&claims_from(&issuer, Kind::ClientAccess)))
            .await
            .is_ok()
    );

    let new = TestKey::ed25519("new");
    issuer.publish(&jwks(&[&new, &old]));
    let token = new.sign(&claims_from(&issuer, Kind::ClientAccess));
    assert!(matches!(
        verifier.verify(&token).await,
        Err(VerifyError::UnknownKey(_))
    ));

    after_the_background_refresh(&verifier, &token, true).await;
    assert!(issuer.fetches() >= 2);
}

#[tokio::test(start_paused = true)]
async fn a_key_withdrawn_from_the_jwks_stops_verifying_at_the_next_scheduled_refresh() {
    let revoked = TestKey::ed25519("revoked");
    let successor = TestKey::ed25519("successor");
    let issuer = FakeIssuer::start(&jwks(&[&revoked]));
    let verifier = background_only_verifier(&issuer);
    let token = revoked.sign(&claims_from(&issuer, Kind::ClientAccess));
    assert!(verifier.verify(&token).await.is_ok());

    // The issuer revokes the key: it is still cached, and still accepted, until the
    // background refresh replaces the whole cache with what is published now.
    issuer.publish(&jwks(&[&successor]));
    assert!(verifier.verify(&token).await.is_ok());
    after_the_background_refresh(&verifier, &token, false).await;
    assert_eq!(
        verifier.verify(&token).await,
        Err(VerifyError::UnknownKey("revoked".into()))
    );
    assert_eq!(verifier.key_count(), 1);
}

#[tokio::test]
async fn cached_keys_keep_working_while_the_issuer_is_down() {
    let key = TestKey::ed25519("k1");
    let issuer = FakeIssuer::start(&jwks(&[&key]));
    let verifier = verifier(&issuer, Duration::ZERO);
    let token = key.sign(&claims_from(&issuer, Kind::ClientAccess));
    assert!(verifier.verify(&token).await.is_ok());

    issuer.set_down(true);
    let err = verifier.fetch_keys().await.unwrap_err();
    assert!(
        matches!(&err, VerifyError::NoKeys(reason) if reason.contains("503")),
        "{err}"
    );
    assert!(verifier.verify(&token).await.is_ok());
    // An unknown kid still tries the issuer, fails, and is refused as unknown.
    let stranger = TestKey::ed25519("k2").sign(&claims_from(&issuer, Kind::ClientAccess));
    assert_eq!(
        verifier.verify(&stranger).await,
        Err(VerifyError::UnknownKey("k2".into()))
    );
    assert!(verifier.verify(&token).await.is_ok());

    // A JWKS that is garbage, or holds no usable key, does not replace working keys.
    issuer.set_down(false);
    for body in [
        "<html>oops</html>",
        r#"{"keys":[]}"#,
        r#"{"keys":[{"kty":"oct","k":"AA"}]}"#,
    ] {
        issuer.publish_raw(body);
        assert!(verifier.fetch_keys().await.is_err(), "{body}");
        assert!(verifier.verify(&token).await.is_ok(), "{body}");
    }
}

#[tokio::test]
async fn without_ever_having_keys_every_token_gets_a_clear_no_keys_error() {
    let url = closed_port_url();
    let verifier = Verifier::builder(url.clone())
        .clock(|| NOW)
        .min_refetch_interval(Duration::ZERO)
        .build()
        .unwrap();
    let key = TestKey::ed25519("k1");
    let mut access = claims(Kind::AccountAccess);
    access.iss = url.clone();
    access.aud = url.clone();
    let err = verifier.verify(&key.sign(&access)).await.unwrap_err();
    match &err {
        VerifyError::NoKeys(reason) => {
            assert!(
                reason.contains(&format!("{url}/.well-known/jwks.json")),
                "{reason}"
            )
        }
        other => panic!("expected NoKeys, got {other:?}"),
    }
    assert!(
        err.to_string()
            .starts_with("no verification keys available")
    );
    assert_eq!(verifier.key_count(), 0);

    // An issuer that answers, but with an error, is named in the reason too.
    let key = TestKey::ed25519("k1");
    let issuer = FakeIssuer::start(&jwks(&[&key]));
    issuer.set_down(true);
    let verifier = verifier_for_down(&issuer);
    let token = key.sign(&claims_from(&issuer, Kind::AccountAccess));
    assert!(matches!(
        verifier.verify(&token).await,
        Err(VerifyError::NoKeys(reason)) if reason.contains("503")
    ));
    // Once the issuer is back, the next allowed fetch brings the keys.
    issuer.set_down(false);
    assert!(verifier.verify(&token).await.is_ok());
}

fn verifier_for_down(issuer: &FakeIssuer) -> Verifier {
    verifier(issuer, Duration::ZERO)
}

#[tokio::test]
async fn builder_refuses_bad_configuration() {
    for issuer in ["ftp://a.test", "not a url", "http://"] {
        assert!(
            matches!(
                Verifier::builder(issuer).build(),
                Err(BuildError::InvalidUrl(_))
            ),
            "{issuer}"
        );
    }
    assert!(matches!(
        Verifier::builder("http://a.test")
            .required_scope("bad\"scope")
            .build(),
        Err(BuildError::InvalidScope(_))
    ));
    let ok = Verifier::builder("http://a.test/").build().unwrap();
    assert_eq!(ok.rules().issuer(), "http://a.test/");
    assert_eq!(ok.rules().audience(), "http://a.test/");
}

#[test]
fn building_outside_a_runtime_is_an_error_not_a_panic() {
    assert!(matches!(
        Verifier::builder("http://a.test").build(),
        Err(BuildError::NoRuntime)
    ));
}
