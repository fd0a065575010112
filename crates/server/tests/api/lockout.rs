//! Brute-force protection: a growing delay then a lockout per account (or login name) or
//! client ID from one source address, and per source address, with 429
//! `too_many_attempts` and `Retry-After`; a success resets the name's count; counters
//! shared by instances; a burst is counted before any password is checked.

use std::net::IpAddr;

use latchkey_client::api::LoginRequest;
use latchkey_client::{ClientSecret, Error};
use latchkey_core::{Clock as _, Lockout};
use latchkey_testkit::{PASSWORD, TestApp, assert_api_error, backend_tests};

backend_tests!(
    wrong_passwords_bring_a_growing_delay_then_a_lockout_that_expires,
    a_lockout_refuses_even_the_right_password_and_costs_no_hash,
    a_success_resets_the_accounts_count,
    an_unknown_email_is_locked_like_a_known_one,
    a_source_address_is_limited_across_accounts,
    an_address_locked_as_a_whole_refuses_wrong_client_secrets_not_the_right_one,
    wrong_client_secrets_lock_the_client_id,
    instances_on_one_database_share_the_counters,
    the_protection_can_be_turned_off,
    a_burst_of_wrong_passwords_costs_at_most_the_lockouts_worth_of_hashes,
    wrong_passwords_from_one_address_leave_the_account_open_to_another,
    wrong_client_secrets_from_one_address_leave_the_key_open_to_another,
    the_current_password_of_a_password_change_is_guarded_like_a_login,
);

#[tokio::test]
async fn logins_cancelled_mid_check_do_not_count_as_running() {
    let app = TestApp::spawn_with(|config| config.policies.hash_concurrency = 1).await;
    app.account(EMAIL).await;
    // Ten logins whose clients give up at once, while their checks wait to be hashed.
    let impatient = reqwest::Client::builder()
        .local_address("127.0.0.9".parse::<IpAddr>().unwrap())
        .timeout(std::time::Duration::from_millis(5))
        .build()
        .unwrap();
    for _ in 0..10 {
        let request = impatient
            .post(app.url("/auth/login"))
            .basic_auth(EMAIL, Some(PASSWORD));
        // Cancelled by the client's timeout (a 429 would come back in time, if earlier
        // cancelled checks still counted).
        let _ = request.send().await;
    }
    // Had they kept counting as running (for 60 s), five more from that address would
    // meet 429. Those that reached the server take a moment to be taken back (longer on
    // a loaded machine): give them up to 10 s.
    let patient = client_from(&app, "127.0.0.9");
    for attempt in 0.. {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let logins: Vec<_> = (0..5)
            .map(|_| {
                let client = patient.clone();
                tokio::spawn(async move {
                    client
                        .login(EMAIL, PASSWORD, &LoginRequest::default())
                        .await
                })
            })
            .collect();
        let mut refused = None;
        for login in logins {
            if let Err(err) = login.await.unwrap() {
                refused = Some(err);
            }
        }
        match refused {
            None => break,
            Some(err) => assert!(attempt < 20, "still refused after 10 s: {err:?}"),
        }
    }
}

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

/// An instance on `app`'s database that locks an account from one address after 4
/// failures and an address after 8.
async fn strict(app: &TestApp) -> TestApp {
    TestApp::start(&app.database_url, |config| {
        config.policies.lockout = Lockout {
            free_attempts: 2,
            lockout_after: 4,
            address_factor: 2,
            ..Lockout::default()
        };
    })
    .await
}

async fn a_source_address_is_limited_across_accounts(app: TestApp) {
    let strict = strict(&app).await;
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

async fn an_address_locked_as_a_whole_refuses_wrong_client_secrets_not_the_right_one(app: TestApp) {
    let strict = strict(&app).await;
    strict.clock.freeze();
    let (_, key) = strict.account_with_key(EMAIL).await;
    for n in 0..8 {
        fail(&strict, &format!("user{n}@example.com"), 1).await;
        strict.clock.advance(10);
    }
    // A secret cannot be guessed: the key's program is not locked out by strangers
    // behind its address, while their wrong secrets are refused uncounted.
    let wrong = ClientSecret::new("0".repeat(key.client_secret.expose().len()));
    let wait = retry_after(
        strict
            .client
            .client_credentials(&key.client_id, &wrong)
            .await,
    );
    assert!(wait > 800, "{wait}");
    strict.client_grant(&key).await;
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
    app.client_grant(&key).await;
}

async fn instances_on_one_database_share_the_counters(app: TestApp) {
    app.account(EMAIL).await;
    let other = TestApp::start(&app.database_url, |_| {}).await;
    // Both clocks stopped at the same second, so the 1-second delay cannot run out.
    app.clock.freeze();
    other.clock.freeze();
    other.clock.advance(app.clock.now() - other.clock.now());
    fail(&app, EMAIL, 6).await;
    retry_after(login(&other, EMAIL, PASSWORD).await);
}

async fn the_protection_can_be_turned_off(app: TestApp) {
    let open = TestApp::start(&app.database_url, |config| {
        config.policies.lockout.lockout_after = 0;
    })
    .await;
    open.account(EMAIL).await;
    fail(&open, EMAIL, 12).await;
    login(&open, EMAIL, PASSWORD).await.unwrap();
}

/// An SDK client whose requests come from `ip` (any 127.0.0.0/8 address is this host).
fn client_from(app: &TestApp, ip: &str) -> latchkey_client::Client {
    let ip: IpAddr = ip.parse().unwrap();
    let http = reqwest::Client::builder()
        .local_address(ip)
        .build()
        .unwrap();
    latchkey_client::Client::with_http_client(&app.address, http).unwrap()
}

async fn a_burst_of_wrong_passwords_costs_at_most_the_lockouts_worth_of_hashes(app: TestApp) {
    app.account(EMAIL).await;
    let before = app.latchkey.telemetry().snapshot();
    let burst: Vec<_> = (0..200)
        .map(|_| {
            let client = app.client.clone();
            tokio::spawn(async move {
                client
                    .login(EMAIL, "wrong password", &LoginRequest::default())
                    .await
            })
        })
        .collect();
    let mut refused = 0;
    for attempt in burst {
        match attempt.await.unwrap() {
            Err(Error::Api { status: 429, .. }) => refused += 1,
            Err(Error::Api { status: 401, .. }) => {}
            other => panic!("expected 401 or 429, got {other:?}"),
        }
    }
    let checked = app.latchkey.telemetry().snapshot().login_failures - before.login_failures;
    // Every attempt was answered: a wrong password (a hash ran) or 429 (none ran).
    assert_eq!(checked + refused, 200);
    assert!(
        checked <= 10,
        "{checked} passwords were checked in the burst"
    );
}

async fn wrong_passwords_from_one_address_leave_the_account_open_to_another(app: TestApp) {
    app.clock.freeze();
    app.account(EMAIL).await;
    let stranger = client_from(&app, "127.0.0.2");
    for _ in 0..12 {
        let _ = stranger
            .login(EMAIL, "wrong password", &LoginRequest::default())
            .await;
        app.clock.advance(10);
    }
    let locked = stranger
        .login(EMAIL, PASSWORD, &LoginRequest::default())
        .await;
    assert!(retry_after(locked) > 800);
    // The owner, elsewhere, logs in as usual.
    let owner = client_from(&app, "127.0.0.3");
    owner
        .login(EMAIL, PASSWORD, &LoginRequest::default())
        .await
        .unwrap();
}

async fn wrong_client_secrets_from_one_address_leave_the_key_open_to_another(app: TestApp) {
    app.clock.freeze();
    let (_, key) = app.account_with_key(EMAIL).await;
    let wrong = ClientSecret::new("0".repeat(key.client_secret.expose().len()));
    let stranger = client_from(&app, "127.0.0.2");
    for _ in 0..12 {
        let _ = stranger.client_credentials(&key.client_id, &wrong).await;
        app.clock.advance(10);
    }
    assert!(
        retry_after(
            stranger
                .client_credentials(&key.client_id, &key.client_secret)
                .await
        ) > 800
    );
    // The key's program, elsewhere, is not locked out by the stranger.
    let program = client_from(&app, "127.0.0.3");
    program
        .client_credentials(&key.client_id, &key.client_secret)
        .await
        .unwrap();
}

async fn the_current_password_of_a_password_change_is_guarded_like_a_login(app: TestApp) {
    app.clock.freeze();
    let token = app.account(EMAIL).await;
    let new = "a brand new passphrase of mine";
    for _ in 0..6 {
        assert_api_error(
            app.client
                .change_password(&token, "wrong password", new)
                .await,
            401,
            "invalid_credentials",
        );
    }
    // Past the free attempts: even the right current password must wait.
    retry_after(app.client.change_password(&token, PASSWORD, new).await);
    // And the login counters are the same ones.
    retry_after(login(&app, EMAIL, PASSWORD).await);
    let events = app
        .client
        .events(&token, &Default::default())
        .await
        .unwrap();
    let failed = events.iter().filter(|e| e.kind == "login_failed").count();
    assert_eq!(failed, 6);
    assert!(events.iter().any(|e| e.kind == "login_locked"));
}
