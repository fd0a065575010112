//! The account console: server-rendered pages under `/console/` for the people who hold
//! accounts — sign up, log in, client keys, sessions, events, password, log out.
//!
//! Layout:
//! - `auth`, `keys`, `secrets`, `sessions`, `account` — thin handlers: extract, call the
//!   same domain operation the API calls, redirect or render.
//! - `key_form` — the create-key form, read into the domain's `NewClientKey`.
//! - `guard` — the signed-in caller and the CSRF-checked forms.
//! - `cookies`, `flash` — the cookies and the message shown once after a redirect.
//! - `pages`, `reply` — the templates, and how errors and pages become responses.
//!
//! Every page works without JavaScript (one small script only adds a copy button) and
//! carries a `Content-Security-Policy` that allows the console's own stylesheet and
//! script and nothing else; the API keeps its deny-all policy (`crate::middleware`).

mod account;
mod auth;
mod cookies;
mod flash;
mod guard;
mod key_form;
mod keys;
mod pages;
mod reply;
mod secrets;
mod sessions;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use time::OffsetDateTime;
use time::macros::format_description;

use crate::state::AppState;

/// The `Content-Security-Policy` of console pages: their own assets, nothing else.
pub const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; \
     img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const STYLESHEET: &str = include_str!("../../assets/console.css");
const SCRIPT: &str = include_str!("../../assets/copy.js");
const ICON: &str = include_str!("../../assets/favicon.svg");

/// The console's routes, to merge into the API's router when the console is enabled.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console", get(auth::index))
        .route("/console/", get(auth::index))
        .route("/console/login", get(auth::login_page).post(auth::login))
        .route("/console/signup", get(auth::signup_page).post(auth::signup))
        .route("/console/logout", post(auth::logout))
        .route("/console/keys", get(keys::list).post(keys::create))
        .route(
            "/console/keys/{client_id}/delete",
            get(keys::confirm_delete).post(keys::delete),
        )
        .route(
            "/console/keys/{client_id}/rotate",
            get(secrets::confirm_rotate).post(secrets::rotate),
        )
        .route("/console/sessions", get(sessions::list))
        .route("/console/sessions/{id}/revoke", post(sessions::revoke))
        .route("/console/sessions/revoke-all", post(sessions::revoke_all))
        .route("/console/events", get(account::events))
        .route(
            "/console/password",
            get(account::password_page).post(account::change_password),
        )
        .route("/console/assets/console.css", get(stylesheet))
        .route("/console/assets/copy.js", get(script))
        .route("/console/assets/favicon.svg", get(icon))
        .layer(axum::middleware::map_response(console_headers))
}

/// The console's policy over the API's headers, and no caching of pages that show
/// personal data (assets set their own `Cache-Control` first).
async fn console_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

async fn stylesheet() -> Response {
    asset("text/css; charset=utf-8", STYLESHEET)
}

async fn script() -> Response {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

async fn icon() -> Response {
    asset("image/svg+xml", ICON)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// A stored Unix time as the console shows it, e.g. `2026-12-05 09:40 UTC`.
fn when(unix: i64) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

/// An optional Unix time, or "never".
fn when_or_never(unix: Option<i64>) -> String {
    unix.map_or_else(|| "never".to_owned(), when)
}
