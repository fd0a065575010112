//! The console's client-key lifecycle over plain HTTP: a key made with an expiry, allowed
//! networks and DPoP binding is listed so and enforced; a form with a mistake comes back
//! filled in and makes nothing; a rotated secret is shown once and the old one works for
//! the overlap chosen; a rotation needs the CSRF token and the key's own account.

use latchkey_client::ClientSecret;
use latchkey_client::api::ClientKey;
use latchkey_testkit::{PASSWORD, TestApp, assert_api_error, backend_tests};
use time::OffsetDateTime;

use crate::console_kit::{Browser, between, csrf, location, signed_up_with_key};

backend_tests!(
    a_key_with_expiry_networks_and_dpop_is_listed_and_enforced,
    a_form_with_a_mistake_comes_back_filled_in_and_makes_no_key,
    a_rotated_secret_is_shown_once_and_the_old_one_works_for_the_overlap,
    a_rotation_needs_the_csrf_token_and_the_keys_own_account,
);

const EMAIL: &str = "ada@example.com";

/// A Unix time as the console shows it.
fn shown(unix: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp(unix).unwrap();
    let month = u8::from(t.month());
    let (y, d, h, m) = (t.year(), t.day(), t.hour(), t.minute());
    format!("{y:04}-{month:02}-{d:02} {h:02}:{m:02} UTC")
}

/// Creates a key through the console form; its client ID and secret, shown once.
async fn create(browser: &Browser<'_>, fields: &[(&str, &str)]) -> (String, ClientSecret) {
    let reply = browser
        .submit("/console/keys", "/console/keys", fields)
        .await;
    assert_eq!(location(&reply), "/console/keys", "{}", reply.text);
    let page = browser.follow(&reply).await;
    let id = between(&page.text, "<code id=\"new-client-id\">", "<");
    let secret = between(&page.text, "<code id=\"new-secret\">", "<");
    (id, ClientSecret::new(secret))
}

async fn api_key(app: &TestApp, token: &str, id: &str) -> ClientKey {
    let keys = app.client.client_keys(token).await.unwrap();
    keys.into_iter().find(|k| k.client_id == id).unwrap()
}

async fn a_key_with_expiry_networks_and_dpop_is_listed_and_enforced(app: TestApp) {
    app.clock.freeze();
    let browser = Browser::signed_up(&app, EMAIL).await;
    let token = app.login(EMAIL).await;
    let now = app.latchkey.clock_now();
    let fields = [
        ("name", "office"),
        ("expires_in_days", "2"),
        ("allowed_networks", "127.0.0.5\r\n\r\n 2001:db8::/32 \r\n"),
    ];
    let (office, secret) = create(&browser, &fields).await;
    let (bound, bound_secret) = create(&browser, &[("name", "bound"), ("dpop_bound", "on")]).await;
    // The API sees what the form asked for.
    let key = api_key(&app, &token, &office).await;
    let expires = key.lifecycle.expires_at.unwrap().unix_timestamp();
    assert_eq!(expires, now + 2 * 86_400);
    assert_eq!(
        key.lifecycle.allowed_cidrs,
        ["127.0.0.5/32", "2001:db8::/32"]
    );
    assert!(!key.lifecycle.dpop_bound);
    assert!(api_key(&app, &token, &bound).await.lifecycle.dpop_bound);
    // Enforced: from outside the networks, and without a proof on the bound key.
    let inside = app.client_from("127.0.0.5");
    inside.client_credentials(&office, &secret).await.unwrap();
    let outside = app.client.client_credentials(&office, &secret).await;
    assert_api_error(outside, 401, "invalid_client");
    let unbound = app.client.client_credentials(&bound, &bound_secret).await;
    assert_api_error(unbound, 400, "invalid_dpop_proof");
    // Listed: the expiry, the networks, the last use and its address, the binding.
    let page = browser.get("/console/keys").await.text;
    let row = between(&page, &format!("<code>{office}</code>"), "</tr>");
    assert!(row.contains(&shown(now + 2 * 86_400)), "{row}");
    assert!(row.contains("<code>127.0.0.5/32</code><br><code>2001:db8::/32</code>"));
    assert!(row.contains("from <code>127.0.0.5</code>"), "{row}");
    assert!(
        row.contains("<td>no</td>") && !row.contains("expired"),
        "{row}"
    );
    let row = between(&page, &format!("<code>{bound}</code>"), "</tr>");
    assert!(
        row.contains("anywhere") && row.contains("<td>yes</td>"),
        "{row}"
    );
    // Two days on the key has expired: refused, and marked so.
    app.clock.advance(2 * 86_400);
    let late = inside.client_credentials(&office, &secret).await;
    assert_api_error(late, 401, "invalid_client");
    browser.log_in(EMAIL, PASSWORD).await; // the console session has timed out meanwhile
    let page = browser.get("/console/keys").await.text;
    let row = between(&page, &format!("<code>{office}</code>"), "</tr>");
    assert!(
        row.contains("<strong class=\"expired\">expired</strong>"),
        "{row}"
    );
}

async fn a_form_with_a_mistake_comes_back_filled_in_and_makes_no_key(app: TestApp) {
    let browser = Browser::signed_up(&app, EMAIL).await;
    let token = app.login(EMAIL).await;
    let many = "10.0.0.1\n".repeat(65);
    let cases = [
        (
            "10.0.0.1/8",
            "30",
            "nodes:read",
            "is not an IPv4 or IPv6 CIDR",
        ),
        ("not a network", "", "", "not a network"),
        (many.as_str(), "", "", "at most 64"),
        ("", "0", "", "a whole number of days from 1 to 36500"),
        ("", "soon", "", "a whole number of days"),
        ("", "", "nodes:admin", "Scope nodes:admin is not within"),
    ];
    for (networks, days, scope, message) in cases {
        let fields = [
            ("name", "ci <runner>"),
            ("scope", scope),
            ("expires_in_days", days),
            ("allowed_networks", networks),
            ("dpop_bound", "on"),
        ];
        let reply = browser
            .submit("/console/keys", "/console/keys", &fields)
            .await;
        assert_eq!(reply.status, 422, "{message}: {}", reply.text);
        let error = between(&reply.text, "role=\"alert\">", "</p>");
        assert!(error.contains(message), "{message:?}: {error}");
        // Filled in again with what was typed (escaped), the box still ticked.
        assert!(
            reply.text.contains("value=\"ci &#60;runner&#62;\""),
            "{}",
            reply.text
        );
        assert!(reply.text.contains(&format!("value=\"{days}\"")));
        assert!(reply.text.contains(&format!("value=\"{scope}\"")));
        let typed = between(
            &reply.text,
            "placeholder=\"203.0.113.0/24\">",
            "</textarea>",
        );
        assert_eq!(typed, networks);
        assert!(reply.text.contains("value=\"on\" checked"));
        assert!(!reply.text.contains("new-secret"));
    }
    assert!(app.client.client_keys(&token).await.unwrap().is_empty());
}

async fn rotate(browser: &Browser<'_>, id: &str, days: &str) -> (String, ClientSecret) {
    let path = format!("/console/keys/{id}/rotate");
    let reply = browser
        .submit(&path, &path, &[("overlap_days", days)])
        .await;
    assert_eq!(location(&reply), "/console/keys", "{}", reply.text);
    let page = browser.follow(&reply).await;
    assert!(page.text.contains("The new secret of your client key"));
    assert_eq!(between(&page.text, "<code id=\"new-client-id\">", "<"), id);
    let old = between(&page.text, "<p id=\"old-secret\">", "</p>");
    let secret = between(&page.text, "<code id=\"new-secret\">", "<");
    (old, ClientSecret::new(secret))
}

async fn a_rotated_secret_is_shown_once_and_the_old_one_works_for_the_overlap(app: TestApp) {
    app.clock.freeze();
    let (browser, _, key) = signed_up_with_key(&app, EMAIL).await;
    let (id, first) = (key.client_id.as_str(), &key.client_secret);
    let confirm = browser.get(&format!("/console/keys/{id}/rotate")).await;
    assert_eq!(confirm.status, 200);
    assert!(confirm.text.contains("name=\"overlap_days\"") && confirm.text.contains("value=\"1\""));
    // One day of overlap: both secrets work, the page says until when.
    let now = app.latchkey.clock_now();
    let (old, second) = rotate(&browser, id, "1").await;
    assert!(
        old.contains(&format!("keeps working until {}", shown(now + 86_400))),
        "{old}"
    );
    app.client.client_credentials(id, first).await.unwrap();
    app.client.client_credentials(id, &second).await.unwrap();
    let listed = browser.get("/console/keys").await.text;
    assert!(!listed.contains(second.expose()) && !listed.contains("new-secret"));
    assert!(listed.contains(&format!(
        "The previous secret works until {}",
        shown(now + 86_400)
    )));
    // A day later only the new one does.
    app.clock.advance(86_400);
    assert_api_error(
        app.client.client_credentials(id, first).await,
        401,
        "invalid_client",
    );
    app.client.client_credentials(id, &second).await.unwrap();
    browser.log_in(EMAIL, PASSWORD).await; // the console session has timed out meanwhile
    // An overlap out of range comes back to be corrected, nothing rotated.
    for days in ["31", "-1", "a week"] {
        let path = format!("/console/keys/{id}/rotate");
        let reply = browser
            .submit(&path, &path, &[("overlap_days", days)])
            .await;
        assert_eq!(reply.status, 422, "{days}: {}", reply.text);
        assert!(reply.text.contains("whole number of days from 0 to 30"));
        assert!(reply.text.contains(&format!("value=\"{days}\"")));
    }
    app.client.client_credentials(id, &second).await.unwrap();
    // Overlap 0: the old secret stops at once.
    let (old, third) = rotate(&browser, id, "0").await;
    assert!(old.contains("has stopped working"), "{old}");
    assert_api_error(
        app.client.client_credentials(id, &second).await,
        401,
        "invalid_client",
    );
    app.client.client_credentials(id, &third).await.unwrap();
    let events = browser.get("/console/events").await.text;
    assert_eq!(events.matches("client secret rotated").count(), 2);
}

async fn a_rotation_needs_the_csrf_token_and_the_keys_own_account(app: TestApp) {
    let (browser, token, key) = signed_up_with_key(&app, EMAIL).await;
    let path = format!("/console/keys/{}/rotate", key.client_id);
    let forged = "0".repeat(64);
    for fields in [
        vec![("overlap_days", "0")],
        vec![("overlap_days", "0"), ("csrf", &forged)],
    ] {
        let reply = browser.post(&path, &fields).await;
        assert_eq!(reply.status, 403, "{}", reply.text);
        assert!(reply.text.contains("Nothing was changed"));
    }
    // Another account, with its own valid token, finds no such key.
    let other = Browser::signed_up(&app, "grace@example.com").await;
    let confirm = other.get(&path).await;
    assert_eq!(location(&confirm), "/console/keys");
    let theirs = csrf(&other.get("/console/keys").await.text);
    let reply = other
        .post(&path, &[("overlap_days", "0"), ("csrf", &theirs)])
        .await;
    let page = other.follow(&reply).await;
    assert!(
        page.text
            .contains("That client key does not exist (any more).")
    );
    assert!(!page.text.contains("new-secret"));
    // The key kept its one secret.
    let kept = api_key(&app, &token, &key.client_id).await;
    assert!(kept.previous_secret_expires_at.is_none());
    app.client
        .client_credentials(&key.client_id, &key.client_secret)
        .await
        .unwrap();
}
