//! How console sessions end: idle and absolute timeouts (short ones, on a frozen clock),
//! a password change or a log out everywhere from the console or the API, log out, and a
//! new log-in from the same browser.

use latchkey_testkit::{Backend, OnBackend, PASSWORD, TestApp, backend_tests};

use crate::console_kit::{Browser, SESSION, assert_back_at_log_in, location};

backend_tests!(
    an_idle_session_ends_and_the_log_in_page_says_so,
    a_session_ends_at_its_absolute_timeout_however_busy,
    a_password_change_ends_the_console_session,
    a_password_change_through_the_api_ends_the_console_session,
    logging_out_everywhere_ends_the_console_session,
    logging_out_everywhere_through_the_api_ends_the_console_session,
    logging_out_ends_the_session_for_good,
);

const EMAIL: &str = "ada@example.com";
const IDLE: u64 = 60;
const ABSOLUTE: u64 = 300;

/// latchkeyd with short console timeouts and a frozen clock.
pub struct ShortTimeouts(TestApp);

impl OnBackend for ShortTimeouts {
    async fn on(backend: Backend) -> Self {
        let app = TestApp::spawn_on(backend, |config| {
            config.policies.console.idle_timeout = IDLE;
            config.policies.console.absolute_timeout = ABSOLUTE;
        })
        .await;
        app.clock.freeze();
        Self(app)
    }
}

async fn an_idle_session_ends_and_the_log_in_page_says_so(app: ShortTimeouts) {
    let app = &app.0;
    let browser = Browser::signed_up(app, EMAIL).await;
    for _ in 0..3 {
        app.clock.advance(50);
        assert_eq!(browser.get("/console/sessions").await.status, 200);
    }
    app.clock.advance(i64::try_from(IDLE).unwrap() + 1);
    let reply = browser.get("/console/keys").await;
    assert_back_at_log_in(&browser, &reply, "Your console session has ended").await;
}

async fn a_session_ends_at_its_absolute_timeout_however_busy(app: ShortTimeouts) {
    let app = &app.0;
    let browser = Browser::signed_up(app, EMAIL).await;
    let mut elapsed = 0;
    while elapsed + 50 < ABSOLUTE {
        app.clock.advance(50);
        elapsed += 50;
        assert_eq!(browser.get("/console/keys").await.status, 200, "{elapsed}");
    }
    app.clock
        .advance(i64::try_from(ABSOLUTE - elapsed).unwrap() + 1);
    let reply = browser.get("/console/keys").await;
    assert_eq!(location(&reply), "/console/login");
}

async fn a_password_change_ends_the_console_session(app: TestApp) {
    let browser = Browser::signed_up(&app, EMAIL).await;
    let old = browser.cookie(SESSION).unwrap();
    let weak = [("password", PASSWORD), ("new_password", "short")];
    let page = browser
        .submit_to("/console/password", &weak, "/console/password")
        .await;
    assert!(page.text.contains("8 to 1024 bytes"), "{}", page.text);
    let new = "a different passphrase 2026";
    let fields = [("password", PASSWORD), ("new_password", new)];
    let page = browser
        .submit_to("/console/password", &fields, "/console/login")
        .await;
    assert!(page.text.contains("Your password is changed"));
    browser.set_cookie(SESSION, &old);
    assert_eq!(
        location(&browser.get("/console/keys").await),
        "/console/login"
    );
    let reply = browser.log_in(EMAIL, new).await;
    assert_eq!(location(&reply), "/console/keys");
}

async fn a_password_change_through_the_api_ends_the_console_session(app: TestApp) {
    let browser = Browser::signed_up(&app, EMAIL).await;
    let token = app.login(EMAIL).await;
    app.client
        .change_password(&token, PASSWORD, "a different passphrase 2026")
        .await
        .unwrap();
    assert_eq!(
        location(&browser.get("/console/keys").await),
        "/console/login"
    );
}

async fn logging_out_everywhere_ends_the_console_session(app: TestApp) {
    let browser = Browser::signed_up(&app, EMAIL).await;
    let other = Browser::new(&app);
    other.log_in(EMAIL, PASSWORD).await;
    let token = app.login(EMAIL).await;
    // Tokens issued in the very second of a log-out everywhere survive it (whole seconds).
    app.clock.advance(1);
    let reply = browser
        .submit("/console/sessions", "/console/sessions/revoke-all", &[])
        .await;
    assert_eq!(location(&reply), "/console/login");
    assert!(
        browser
            .follow(&reply)
            .await
            .text
            .contains("logged out everywhere")
    );
    assert_eq!(
        location(&other.get("/console/keys").await),
        "/console/login"
    );
    assert!(app.client.me(&token).await.is_err());
    // A new log-in works at once.
    assert_eq!(
        location(&browser.log_in(EMAIL, PASSWORD).await),
        "/console/keys"
    );
    assert_eq!(browser.get("/console/keys").await.status, 200);
}

async fn logging_out_everywhere_through_the_api_ends_the_console_session(app: TestApp) {
    let browser = Browser::signed_up(&app, EMAIL).await;
    let token = app.login(EMAIL).await;
    app.client.revoke_all_refresh_tokens(&token).await.unwrap();
    assert_eq!(
        location(&browser.get("/console/keys").await),
        "/console/login"
    );
}

async fn logging_out_ends_the_session_for_good(app: TestApp) {
    let browser = Browser::signed_up(&app, EMAIL).await;
    let old = browser.cookie(SESSION).unwrap();
    let reply = browser
        .submit("/console/keys", "/console/logout", &[])
        .await;
    assert_eq!(location(&reply), "/console/login");
    assert!(browser.cookie(SESSION).is_none());
    browser.set_cookie(SESSION, &old);
    assert_eq!(
        location(&browser.get("/console/keys").await),
        "/console/login"
    );
}

#[tokio::test]
async fn a_new_log_in_ends_the_session_the_browser_held() {
    let app = TestApp::spawn().await;
    let browser = Browser::signed_up(&app, EMAIL).await;
    let first = browser.cookie(SESSION).unwrap();
    browser.log_in(EMAIL, PASSWORD).await;
    assert_ne!(browser.cookie(SESSION).unwrap(), first);
    assert_eq!(browser.get("/console/keys").await.status, 200);
    browser.set_cookie(SESSION, &first);
    assert_eq!(
        location(&browser.get("/console/keys").await),
        "/console/login"
    );
}
