//! Brute-force protection: a growing delay then a lockout per account (or login name),
//! per source address and per client ID, with 429 `too_many_attempts` and
//! `Retry-After`; a success resets the account's count; counters shared by instances.

use latchkey_client::api::LoginRequest;
use latchkey_client::{ClientSecret, Error};
use latchkey_core::{Clock as _, Lockout};

use crate::backend_tests;
use crate::helpers::{PASSWORD, TempDir, TestApp, assert_api_error};

backend_tests!(
    wrong_passwords_bring_a_growing_delay_then_a_lockout_that_expires,
    a_lockout_refuses_even_the_right_password_and_costs_no_hash,
    a_success_resets_the_accounts_count,
    an_unknown_email_is_locked_like_a_known_one,
    a_source_address_is_limited_across_accounts,
    wrong_client_secrets_lock_the_client_id,
    instances_on_one_database_share_the_counters,
    the_protection_can_be_turned_off,
);

const EMAIL: &str = "ada@example.com";

async fn login(app: &TestApp, email: &str, password: &str) -> latchkey_client::Result<String> {
    app.client
        .login(email, password, &LoginRequest::default())
        .await
        .map(|t| t.access_token)
}

/// The `Retry-After` of a 429, or a panic naming what came instead.
fn retry_after<T: std::fmt::Debug>(result: latchkey_client::Result<T>) -> u64 {
    match result {
        Err(Error::Api {
            status: 429,
            retry_after: Some(seconds),
            code,
            ..
        }) => {
            assert_eq!(code.as_str(), "too_many_attempts");
            seconds
        }
        other => panic!("expected 429 with Retry-After, got {other:?}"),
    }
}

async fn fail(app: &TestApp, email: &str, times: u32) {
    for _ in 0..times {
        assert_api_error(
            login(app, email, "wrong password").await,
            401,
            "invalid_credentials",
        );
    }
}

async fn wrong_passwords_bring_a_growing_delay_then_a_lockout_that_expires(app: TestApp) {
    app.clock.freeze();
    app.account(EMAIL).await;
    // Five free failures, then 1 s, 2 s, 4 s, 8 s to wait, then 15 minutes.
    fail(&app, EMAIL, 6).await;
    let wait = retry_after(login(&app, EMAIL, "wrong password").await);
    assert!((1..=2).contains(&wait), "{wait}");
    for expected in [2, 4, 8] {
        app.clock
            .advance(i64::try_from(wait.max(expected)).unwrap());
        fail(&app, EMAIL, 1).await;
        let wait = retry_after(login(&app, EMAIL, PASSWORD).await);
        assert!(
            wait <= expected && wait + 1 >= expected,
            "{wait} vs {expected}"
        );
    }
    app.clock.advance(8);
    fail(&app, EMAIL, 1).await;
    let locked = retry_after(login(&app, EMAIL, PASSWORD).await);
    assert!((899..=900).contains(&locked), "{locked}");
    app.clock.advance(899);
    assert_eq!(retry_after(login(&app, EMAIL, PASSWORD).await), 1);
    app.clock.advance(1);
    login(&app, EMAIL, PASSWORD).await.unwrap();
}

async fn a_lockout_refuses_even_the_right_password_and_costs_no_hash(app: TestApp) {
    app.clock.freeze();
    app.account(EMAIL).await;
    fail(&app, EMAIL, 5).await;
    app.clock.advance(1);
    fail(&app, EMAIL, 1).await;
    let before = app.latchkey.telemetry().snapshot();
    retry_after(login(&app, EMAIL, PASSWORD).await);
    let after = app.latchkey.telemetry().snapshot();
    assert_eq!(after.lockouts, before.lockouts + 1);
    // A refused attempt is not a failed login: nothing was checked.
    assert_eq!(after.login_failures, before.login_failures);
    // The HTTP answer carries the header itself.
    let response = app
        .http
        .post(app.url("/auth/login"))
        .basic_auth(EMAIL, Some(PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
}

async fn a_success_resets_the_accounts_count(app: TestApp) {
    app.account(EMAIL).await;
    fail(&app, EMAIL, 5).await;
    login(&app, EMAIL, PASSWORD).await.unwrap();
    // The count starts again: five more failures are free.
    fail(&app, EMAIL, 5).await;
    login(&app, EMAIL, PASSWORD).await.unwrap();
}

async fn an_unknown_email_is_locked_like_a_known_one(app: TestApp) {
    app.clock.freeze();
    app.account(EMAIL).await;
    for email in [EMAIL, "nobody@example.com"] {
        fail(&app, email, 6).await;
        retry_after(login(&app, email, "wrong password").await);
    }
}

async fn a_source_address_is_limited_across_accounts(app: TestApp) {
    let strict = TestApp::start(app.database_url.clone(), TempDir::new(), |config| {
        config.policies.lockout = Lockout {
            free_attempts: 2,
            lockout_after: 4,
            address_factor: 2,
            ..Lockout::default()
        };
    })
    .await;
    strict.clock.freeze();
    strict.account(EMAIL).await;
    // Eight failures from one address, one per name: no name is locked, the address is.
    for n in 0..8 {
        fail(&strict, &format!("user{n}@example.com"), 1).await;
        strict.clock.advance(10);
    }
    let wait = retry_after(login(&strict, EMAIL, PASSWORD).await);
    assert!(wait > 800, "{wait}");
}

async fn wrong_client_secrets_lock_the_client_id(app: TestApp) {
    app.clock.freeze();
    let (_, key) = app.account_with_key(EMAIL).await;
    let wrong = ClientSecret::new("0".repeat(key.client_secret.expose().len()));
    for _ in 0..10 {
        let result = app.client.client_credentials(&key.client_id, &wrong).await;
        match result {
            Err(Error::Api {
                status: 401 | 429, ..
            }) => {}
            other => panic!("expected 401 or 429, got {other:?}"),
        }
        app.clock.advance(10);
    }
    let wait = retry_after(
        app.client
            .client_credentials(&key.client_id, &key.client_secret)
            .await,
    );
    assert!(wait >= 800, "{wait}");
    app.clock.advance(901);
    app.client
        .client_credentials(&key.client_id, &key.client_secret)
        .await
        .unwrap();
}

async fn instances_on_one_database_share_the_counters(app: TestApp) {
    app.account(EMAIL).await;
    let other = TestApp::start(app.database_url.clone(), TempDir::new(), |_| {}).await;
    // Both clocks stopped at the same second, so the 1-second delay cannot run out.
    app.clock.freeze();
    other.clock.freeze();
    other.clock.advance(app.clock.now() - other.clock.now());
    fail(&app, EMAIL, 6).await;
    retry_after(login(&other, EMAIL, PASSWORD).await);
}

async fn the_protection_can_be_turned_off(app: TestApp) {
    let open = TestApp::start(app.database_url.clone(), TempDir::new(), |config| {
        config.policies.lockout.lockout_after = 0;
    })
    .await;
    open.account(EMAIL).await;
    fail(&open, EMAIL, 12).await;
    login(&open, EMAIL, PASSWORD).await.unwrap();
}
