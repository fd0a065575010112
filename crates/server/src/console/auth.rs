//! Log in, sign up, log out, and the console's front door.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use latchkey_core::service::ConsoleSecret;
use serde::Deserialize;

use super::cookies::{Jar, SESSION, VISITOR, read};
use super::flash::{self, Flash};
use super::guard::{CSRF, SignedInForm, VisitorForm};
use super::pages::{Chrome, Login, Signup};
use super::reply;
use crate::extract::SourceAddr;
use crate::state::AppState;

/// The log-in and sign-up forms.
#[derive(Deserialize)]
pub struct Credentials {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// A form with nothing but its CSRF token.
#[derive(Deserialize)]
pub struct Empty {}

/// `GET /console/`: the keys if signed in, else the log-in page (by the keys' guard).
pub async fn index() -> Response {
    reply::redirect("/console/keys", [])
}

/// `GET /console/login`
pub async fn login_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    flash::Incoming(flash): flash::Incoming,
) -> Response {
    visitor_page(&state, &headers, flash.is_some(), |csrf| Login {
        email: flash
            .as_ref()
            .and_then(|f| f.email.clone())
            .unwrap_or_default(),
        chrome: Chrome::new("Log in", "", csrf, flash.as_ref()),
        signup_open: state.latchkey.settings().policies.signup_open,
    })
}

/// `POST /console/login`: the same lockout and events as `POST /auth/login`. A session
/// the browser still held ends: one browser, one session.
pub async fn login(
    State(state): State<AppState>,
    SourceAddr(source): SourceAddr,
    headers: HeaderMap,
    VisitorForm(form): VisitorForm<Credentials>,
) -> Response {
    let login = state
        .latchkey
        .console_login(&form.email, form.password, source)
        .await;
    let previous = read(&headers, SESSION).and_then(ConsoleSecret::parse);
    if let (Ok(_), Some(previous)) = (&login, previous)
        && let Err(err) = state.latchkey.console_logout(&previous).await
    {
        return reply::failure(&state, err, "/console/login");
    }
    match login {
        Ok(secret) => {
            let jar = Jar::of(&state);
            let lifetime = state.latchkey.settings().policies.console.absolute_timeout;
            reply::redirect(
                "/console/keys",
                [jar.set(SESSION, secret.expose(), lifetime)],
            )
        }
        Err(err) => {
            reply::failure_with(&state, err, "/console/login", |f| f.with_email(&form.email))
        }
    }
}

/// `GET /console/signup`
pub async fn signup_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    flash::Incoming(flash): flash::Incoming,
) -> Response {
    visitor_page(&state, &headers, flash.is_some(), |csrf| Signup {
        email: flash
            .as_ref()
            .and_then(|f| f.email.clone())
            .unwrap_or_default(),
        chrome: Chrome::new("Sign up", "", csrf, flash.as_ref()),
        open: state.latchkey.settings().policies.signup_open,
    })
}

/// `POST /console/signup`: the account is made as by `POST /users`; then log in.
pub async fn signup(
    State(state): State<AppState>,
    SourceAddr(source): SourceAddr,
    VisitorForm(form): VisitorForm<Credentials>,
) -> Response {
    match state
        .latchkey
        .signup(&form.email, form.password, source)
        .await
    {
        Ok(_) => reply::with_flash(
            &state,
            "/console/login",
            &Flash::notice("Your account is ready. Log in.").with_email(&form.email),
        ),
        Err(err) => reply::failure_with(&state, err, "/console/signup", |f| {
            f.with_email(&form.email)
        }),
    }
}

/// `POST /console/logout`
pub async fn logout(State(state): State<AppState>, form: SignedInForm<Empty>) -> Response {
    if let Err(err) = state.latchkey.console_logout(&form.signed_in.secret).await {
        return reply::failure(&state, err, "/console/keys");
    }
    reply::ended(&state, "You are logged out.")
}

/// A page with a form posted before signing in: its CSRF token comes from the visitor
/// cookie, made here when the browser has none.
fn visitor_page<T: askama::Template>(
    state: &AppState,
    headers: &HeaderMap,
    showed_flash: bool,
    page: impl FnOnce(String) -> T,
) -> Response {
    let known = read(headers, VISITOR).and_then(ConsoleSecret::parse);
    let (secret, fresh) = match known {
        Some(secret) => (secret, false),
        None => match ConsoleSecret::generate() {
            Ok(secret) => (secret, true),
            Err(err) => return reply::failure(state, err, "/console/login"),
        },
    };
    let mut response = reply::page(state, &page(secret.derive(CSRF)), showed_flash);
    if fresh {
        let lifetime = state.latchkey.settings().policies.console.absolute_timeout;
        if let Some(cookie) = Jar::of(state).set(VISITOR, secret.expose(), lifetime) {
            response
                .headers_mut()
                .append(axum::http::header::SET_COOKIE, cookie);
        }
    }
    response
}
