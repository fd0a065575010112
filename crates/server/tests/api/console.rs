//! The account console over plain HTTP: cookie flags, CSRF refusals that change nothing,
//! the lockout shared with the API, the secret shown once, the events page, and the
//! console's CSP beside the API's deny-all one. How sessions end: `console_sessions`.

use latchkey_client::api::CreateClientKeyRequest;
use latchkey_testkit::{PASSWORD, TestApp, backend_tests};

use crate::console_kit::{
    Browser, SESSION, assert_back_at_log_in, between, csrf, location, set_cookie,
    signed_up_with_key,
};

backend_tests!(
    the_session_cookie_is_httponly_strict_and_not_secure_on_plain_http,
    a_form_without_a_valid_csrf_token_is_403_and_changes_nothing,
    the_log_in_form_needs_the_visitors_token,
    failed_console_and_api_logins_add_up_to_one_lockout,
    a_new_secret_is_shown_once_and_works_at_the_token_endpoint,
    the_events_page_shows_what_the_api_did,
    sign_up_errors_are_said_plainly,
);

const EMAIL: &str = "ada@example.com";

async fn the_session_cookie_is_httponly_strict_and_not_secure_on_plain_http(app: TestApp) {
    let browser = Browser::new(&app);
    let fields = [("email", EMAIL), ("password", PASSWORD)];
    browser
        .submit("/console/signup", "/console/signup", &fields)
        .await;
    let reply = browser.log_in(EMAIL, PASSWORD).await;
    let cookie = set_cookie(&reply, SESSION);
    for flag in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/console",
        "Max-Age=43200",
    ] {
        assert!(cookie.contains(flag), "{flag} missing: {cookie}");
    }
    assert!(!cookie.contains("Secure"), "{cookie}");
    assert!(!cookie.contains(PASSWORD));
    let visitor = browser.get("/console/login").await;
    assert_eq!(visitor.status, 200);
}

#[tokio::test]
async fn cookies_are_secure_when_the_service_is_reached_over_https() {
    let app = TestApp::spawn_with(|config| {
        config.issuer = Some("https://accounts.example.com".into());
    })
    .await;
    let reply = Browser::new(&app).get("/console/login").await;
    let cookie = set_cookie(&reply, "latchkey_console_visitor");
    assert!(cookie.ends_with("; Secure"), "{cookie}");
}

async fn a_form_without_a_valid_csrf_token_is_403_and_changes_nothing(app: TestApp) {
    let (browser, token, key) = signed_up_with_key(&app, EMAIL).await;
    let delete = format!("/console/keys/{}/delete", key.client_id);
    let forged = "0".repeat(64);
    let attempts: [(&str, Vec<(&str, &str)>); 5] = [
        ("/console/keys", vec![("name", "forged")]),
        ("/console/keys", vec![("name", "forged"), ("csrf", &forged)]),
        (&delete, vec![]),
        ("/console/sessions/revoke-all", vec![("csrf", "")]),
        (
            "/console/password",
            vec![
                ("password", PASSWORD),
                ("new_password", "a new long passphrase 42"),
            ],
        ),
    ];
    for (path, fields) in &attempts {
        let reply = browser.post(path, fields).await;
        assert_eq!(reply.status, 403, "{path}: {}", reply.text);
        assert!(reply.text.contains("Nothing was changed"));
    }
    // The one key is still there, the console session and the API token still work.
    let keys = app.client.client_keys(&token).await.unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(browser.get("/console/keys").await.status, 200);
    // Another session's token is no token here either.
    let other = Browser::new(&app);
    other.log_in(EMAIL, PASSWORD).await;
    let theirs = csrf(&other.get("/console/keys").await.text);
    let reply = browser
        .post("/console/keys", &[("name", "x"), ("csrf", &theirs)])
        .await;
    assert_eq!(reply.status, 403);
    assert_eq!(app.client.client_keys(&token).await.unwrap().len(), 1);
}

async fn the_log_in_form_needs_the_visitors_token(app: TestApp) {
    app.account(EMAIL).await;
    let browser = Browser::new(&app);
    let fields = [("email", EMAIL), ("password", PASSWORD)];
    let reply = browser.post("/console/login", &fields).await;
    assert_eq!(reply.status, 403);
    assert!(browser.cookie(SESSION).is_none());
    // A token made for another visitor does not do either.
    let other = Browser::new(&app);
    let theirs = csrf(&other.get("/console/login").await.text);
    browser.get("/console/login").await;
    let mut fields = fields.to_vec();
    fields.push(("csrf", &theirs));
    assert_eq!(browser.post("/console/login", &fields).await.status, 403);
    assert!(browser.cookie(SESSION).is_none());
}

async fn failed_console_and_api_logins_add_up_to_one_lockout(app: TestApp) {
    app.clock.freeze();
    app.account(EMAIL).await;
    let browser = Browser::new(&app);
    for round in 0..5 {
        let reply = browser.log_in(EMAIL, "wrong password").await;
        assert_eq!(location(&reply), "/console/login");
        let page = browser.follow(&reply).await;
        assert!(
            page.text.contains("Wrong email or password."),
            "{round}: {}",
            page.text
        );
        assert!(page.text.contains("value=\"ada@example.com\""));
        app.clock.advance(20);
        let api = app
            .client
            .login(EMAIL, "wrong password", &Default::default())
            .await;
        assert!(api.is_err());
        app.clock.advance(20);
    }
    // Ten failures in all: the API refuses even the right password…
    latchkey_testkit::assert_api_error(
        app.client.login(EMAIL, PASSWORD, &Default::default()).await,
        429,
        "too_many_attempts",
    );
    // …and so does the console, saying how long to wait.
    let reply = browser.log_in(EMAIL, PASSWORD).await;
    assert_back_at_log_in(&browser, &reply, "Try again in 15 minutes.").await;
    // The audit trail has the console's failures beside the API's.
    let events = app.latchkey.all_events(&Default::default()).await.unwrap();
    let console_failures = events
        .iter()
        .filter(|e| e.kind == "login_failed" && e.detail.as_deref() == Some("console"))
        .count();
    assert_eq!(console_failures, 5);
}

async fn a_new_secret_is_shown_once_and_works_at_the_token_endpoint(app: TestApp) {
    let browser = Browser::signed_up(&app, EMAIL).await;
    let fields = [("name", "build server"), ("scope", "nodes:read")];
    let reply = browser
        .submit("/console/keys", "/console/keys", &fields)
        .await;
    assert_eq!(location(&reply), "/console/keys");
    let page = browser.follow(&reply).await;
    assert!(
        page.text
            .contains("it will not be possible to obtain them again")
    );
    let secret = between(&page.text, "<code id=\"new-secret\">", "<");
    let client_id = between(&page.text, "<code id=\"new-client-id\">", "<");
    assert_eq!((secret.len(), client_id.len()), (80, 40));
    let tokens = app
        .client
        .client_credentials(
            &client_id,
            &latchkey_client::ClientSecret::new(secret.clone()),
        )
        .await
        .unwrap();
    assert!(tokens.refresh_token.is_some());
    // Listed, with its scope, never with its secret again.
    let again = browser.get("/console/keys").await;
    assert!(again.text.contains(&client_id));
    assert!(again.text.contains("nodes:read"));
    assert!(!again.text.contains(&secret));
}

async fn the_events_page_shows_what_the_api_did(app: TestApp) {
    let browser = Browser::signed_up(&app, EMAIL).await;
    let token = app.login(EMAIL).await;
    let key = app
        .client
        .create_client_key(&token, &CreateClientKeyRequest::default())
        .await
        .unwrap();
    let page = browser.get("/console/events").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("client key created"));
    assert!(page.text.contains(&key.client_id));
    assert!(!page.text.contains("Older events"));
    // Paged by 25, newest first: the oldest (the console's own log-in) comes on page two.
    for _ in 0..25 {
        app.client
            .create_client_key(&token, &CreateClientKeyRequest::default())
            .await
            .unwrap();
    }
    let first = browser.get("/console/events").await;
    assert!(!first.text.contains("login succeeded"));
    let older = between(&first.text, "href=\"/console/events?before=", "\"");
    let second = browser
        .get(&format!("/console/events?before={older}"))
        .await;
    assert_eq!(second.status, 200);
    assert!(second.text.contains("login succeeded"), "{}", second.text);
    assert!(second.text.contains("Newest events"));
}

#[tokio::test]
async fn console_pages_carry_their_own_csp_and_the_api_keeps_deny_all() {
    let app = TestApp::spawn().await;
    let browser = Browser::new(&app);
    let console = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    for path in [
        "/console/login",
        "/console/signup",
        "/console/assets/console.css",
    ] {
        let reply = browser.get(path).await;
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.headers["content-security-policy"], console, "{path}");
    }
    let page = browser.get("/console/login").await;
    assert_eq!(page.headers["cache-control"], "no-store");
    assert_eq!(page.headers["x-frame-options"], "DENY");
    for path in ["/healthz", "/.well-known/jwks.json", "/no-such-thing"] {
        let reply = app.send(app.http.get(app.url(path))).await;
        assert_eq!(
            reply.headers["content-security-policy"],
            "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
            "{path}"
        );
    }
}

#[tokio::test]
async fn the_console_can_be_turned_off() {
    let app = TestApp::spawn_with(|config| config.policies.console.enabled = false).await;
    let reply = app.send(app.http.get(app.url("/console/login"))).await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.error(), "not_found");
}

async fn sign_up_errors_are_said_plainly(app: TestApp) {
    let browser = Browser::new(&app);
    let cases = [
        (
            "ada@example.com",
            "short",
            "Password must be 8 to 1024 bytes long.",
        ),
        ("ada@example.com", "password123", "easy to guess"),
        ("not an email", PASSWORD, "mail"),
    ];
    for (email, password, message) in cases {
        let fields = [("email", email), ("password", password)];
        let page = browser
            .submit_to("/console/signup", &fields, "/console/signup")
            .await;
        assert!(page.text.contains(message), "{message:?}: {}", page.text);
    }
    app.account(EMAIL).await;
    let fields = [("email", EMAIL), ("password", PASSWORD)];
    let page = browser
        .submit_to("/console/signup", &fields, "/console/signup")
        .await;
    assert!(page.text.contains("This email is already registered."));
}

#[tokio::test]
async fn a_closed_sign_up_says_so() {
    let app = TestApp::spawn_with(|config| config.policies.signup_open = false).await;
    let browser = Browser::new(&app);
    let login = browser.get("/console/login").await;
    assert!(!login.text.contains("/console/signup"));
    let page = browser.get("/console/signup").await;
    assert!(page.text.contains("Sign-up is closed on this service"));
    let token = csrf(&login.text);
    let fields = [("email", EMAIL), ("password", PASSWORD), ("csrf", &token)];
    let reply = browser.post("/console/signup", &fields).await;
    let page = browser.follow(&reply).await;
    assert!(page.text.contains("Sign-up is closed on this service"));
}
