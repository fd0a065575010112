//! The kit of the console tests: [`Browser`], a cookie-keeping HTTP client that does not
//! follow redirects (so the tests see each 303), with the console's usual first steps.

use std::collections::BTreeMap;
use std::sync::Mutex;

use latchkey_client::api::{CreateClientKeyRequest, CreatedClientKey};
use latchkey_testkit::{PASSWORD, Reply, TestApp};
use reqwest::header::{COOKIE, SET_COOKIE};

/// The session cookie's name.
pub const SESSION: &str = "latchkey_console";

/// A browser on one [`TestApp`]: its cookies, and forms filled from the pages.
pub struct Browser<'a> {
    pub app: &'a TestApp,
    http: reqwest::Client,
    cookies: Mutex<BTreeMap<String, String>>,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            app,
            http,
            cookies: Mutex::default(),
        }
    }

    /// The value of a cookie the browser holds.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(name).cloned()
    }

    /// Sets a cookie by hand (an old session's, say).
    pub fn set_cookie(&self, name: &str, value: &str) {
        self.cookies
            .lock()
            .unwrap()
            .insert(name.to_owned(), value.to_owned());
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let line = self
            .cookies
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let request = if line.is_empty() {
            request
        } else {
            request.header(COOKIE, line)
        };
        let reply = self.app.send(request).await;
        let mut cookies = self.cookies.lock().unwrap();
        for header in reply.headers.get_all(SET_COOKIE) {
            let text = header.to_str().unwrap();
            let (pair, attributes) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attributes.contains("Max-Age=0") {
                cookies.remove(name);
            } else {
                cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        reply
    }

    /// GETs a console page.
    pub async fn get(&self, path: &str) -> Reply {
        self.send(self.http.get(self.app.url(path))).await
    }

    /// POSTs a form as it is (no token added).
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        self.send(self.http.post(self.app.url(path)).form(fields))
            .await
    }

    /// Opens `page`, then posts its form to `action` with the page's CSRF token.
    pub async fn submit(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> Reply {
        let shown = self.get(page).await;
        assert_eq!(shown.status, 200, "{page}: {}", shown.text);
        let token = csrf(&shown.text);
        let mut fields = fields.to_vec();
        fields.push(("csrf", &token));
        self.post(action, &fields).await
    }

    /// Posts the form of `page` (to itself), checks that the answer redirects to `to`,
    /// and returns that page.
    pub async fn submit_to(&self, page: &str, fields: &[(&str, &str)], to: &str) -> Reply {
        let reply = self.submit(page, page, fields).await;
        assert_eq!(location(&reply), to);
        self.follow(&reply).await
    }

    /// Follows a 303 to its page.
    pub async fn follow(&self, reply: &Reply) -> Reply {
        assert_eq!(reply.status, 303, "{}", reply.text);
        let to = reply.headers["location"].to_str().unwrap().to_owned();
        self.get(&to).await
    }

    /// Logs in through the log-in page; the 303 it answers.
    pub async fn log_in(&self, email: &str, password: &str) -> Reply {
        let fields = [("email", email), ("password", password)];
        self.submit("/console/login", "/console/login", &fields)
            .await
    }

    /// Signs up and logs in `email` with [`PASSWORD`].
    pub async fn signed_up(app: &'a TestApp, email: &str) -> Self {
        let browser = Self::new(app);
        let fields = [("email", email), ("password", PASSWORD)];
        let reply = browser
            .submit("/console/signup", "/console/signup", &fields)
            .await;
        assert_eq!(location(&reply), "/console/login");
        let reply = browser.log_in(email, PASSWORD).await;
        assert_eq!(location(&reply), "/console/keys", "{}", reply.text);
        browser
    }
}

/// Signs up and logs in `email`, and gives the account a key through the API: the
/// browser, an account token, the key.
pub async fn signed_up_with_key<'a>(
    app: &'a TestApp,
    email: &str,
) -> (Browser<'a>, String, CreatedClientKey) {
    let browser = Browser::signed_up(app, email).await;
    let token = app.login(email).await;
    let key = app
        .client
        .create_client_key(&token, &CreateClientKeyRequest::default())
        .await
        .unwrap();
    (browser, token, key)
}

/// The text between `start` and the next `end`.
pub fn between(text: &str, start: &str, end: &str) -> String {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} missing: {text}"))
        + start.len();
    let to = from + text[from..].find(end).unwrap();
    text[from..to].to_owned()
}

/// The CSRF token of the first form on a page.
pub fn csrf(html: &str) -> String {
    let at = html
        .find("name=\"csrf\" value=\"")
        .expect("a form with a CSRF token")
        + 19;
    html[at..at + 64].to_owned()
}

/// Where a 303 goes.
pub fn location(reply: &Reply) -> &str {
    assert_eq!(reply.status, 303, "{}", reply.text);
    reply.headers["location"].to_str().unwrap()
}

/// The `Set-Cookie` line that sets `name`.
pub fn set_cookie<'r>(reply: &'r Reply, name: &str) -> &'r str {
    reply
        .headers
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|v| v.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no Set-Cookie for {name}"))
}

/// Asserts that `reply` sends the browser, holding no session, back to the log-in page,
/// and that the page says `message`.
pub async fn assert_back_at_log_in(browser: &Browser<'_>, reply: &Reply, message: &str) {
    assert_eq!(location(reply), "/console/login");
    assert!(browser.cookie(SESSION).is_none());
    let page = browser.follow(reply).await;
    assert!(
        page.text.contains(message),
        "{message:?} missing: {}",
        page.text
    );
}
