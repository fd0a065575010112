//! How the console answers: pages with the console's headers, redirects carrying a
//! flash, and the one mapping from a domain error to what the person reads.
//!
//! A form that fails redirects back to its page with the message (POST/redirect/GET),
//! except a form with fields to correct (creating a key, rotating a secret), which comes
//! back at once, 422, filled in with what was typed; an ended session goes back to the log-in page with a message; what the person cannot
//! act on (a 500, a database down) is a page of its own, its cause logged once.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use latchkey_core::Error;

use super::cookies::{FLASH, Jar, SESSION};
use super::flash::{FLASH_SECONDS, Flash};
use super::pages::Problem;
use crate::error::log_hidden_cause;
use crate::state::AppState;

/// A redirect (303 See Other: the browser follows it with a GET), setting cookies.
pub fn redirect(to: &str, cookies: impl IntoIterator<Item = Option<HeaderValue>>) -> Response {
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_owned())]).into_response();
    for cookie in cookies.into_iter().flatten() {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// A redirect to `to` whose page shows `flash` once.
pub fn with_flash(state: &AppState, to: &str, flash: &Flash) -> Response {
    let jar = Jar::of(state);
    redirect(to, [jar.set(FLASH, &flash.encode(), FLASH_SECONDS)])
}

/// Back to the log-in page, the session cookie cleared; with a message if a session
/// had been there.
pub fn signed_out(state: &AppState, ended: bool) -> Response {
    if ended {
        return self::ended(
            state,
            "Your console session has ended (it timed out, or you logged out or changed \
             your password). Log in again.",
        );
    }
    redirect("/console/login", [Jar::of(state).clear(SESSION)])
}

/// Back to the log-in page after the session ended, saying why.
pub fn ended(state: &AppState, why: &str) -> Response {
    let jar = Jar::of(state);
    let flash = Flash::notice(why);
    redirect(
        "/console/login",
        [
            jar.clear(SESSION),
            jar.set(FLASH, &flash.encode(), FLASH_SECONDS),
        ],
    )
}

/// A rendered page, not to be cached, clearing the flash it showed.
pub fn page(state: &AppState, template: &impl Template, showed_flash: bool) -> Response {
    let mut response = match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(err) => {
            log_hidden_cause(&Error::Unexpected(err.into()));
            return problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side.",
            );
        }
    };
    if showed_flash && let Some(clear) = Jar::of(state).clear(FLASH) {
        response.headers_mut().append(header::SET_COOKIE, clear);
    }
    response
}

/// 422: a form's page again, filled in with what was typed and saying what to correct
/// (nothing was done). The message is the page's own, so no flash is cleared.
pub fn refused(state: &AppState, template: &impl Template) -> Response {
    let mut response = page(state, template, false);
    if response.status() == StatusCode::OK {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

/// A page that only says what went wrong.
pub fn problem(status: StatusCode, text: &str) -> Response {
    let body = Problem {
        title: status.canonical_reason().unwrap_or("Error"),
        text,
    }
    .render()
    .unwrap_or_else(|_| text.to_owned());
    (status, Html(body)).into_response()
}

/// 403: a form without a valid CSRF token (nothing was changed).
pub fn forbidden() -> Response {
    problem(
        StatusCode::FORBIDDEN,
        "This form could not be accepted: it did not come from a console page of this \
         session (it may be out of date). Nothing was changed. Go back, reload the page and \
         try again.",
    )
}

/// 400: a form whose fields could not be read.
pub fn bad_form() -> Response {
    problem(StatusCode::BAD_REQUEST, "This form could not be read.")
}

/// What a failed operation shows: back to `back` with the message, to the log-in page
/// if the session ended, or a page of its own for what the person cannot act on.
pub fn failure(state: &AppState, err: Error, back: &str) -> Response {
    failure_with(state, err, back, |flash| flash)
}

/// As [`failure`], the flash completed by `keep` (e.g. the email typed).
pub fn failure_with(
    state: &AppState,
    err: Error,
    back: &str,
    keep: impl FnOnce(Flash) -> Flash,
) -> Response {
    match err {
        Error::InvalidToken(_) => signed_out(state, true),
        Error::Unexpected(_) | Error::Unavailable(_) => {
            log_hidden_cause(&err);
            problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "The service cannot do this right now. Try again in a moment.",
            )
        }
        err => with_flash(state, back, &keep(Flash::error(message(&err)))),
    }
}

/// What a person reads for a domain error.
pub fn message(err: &Error) -> String {
    match err {
        Error::InvalidCredentials => "Wrong email or password.".into(),
        Error::TooManyAttempts { retry_after } => format!(
            "Too many failed attempts: this account is locked for now. Try again in {}.",
            wait(*retry_after)
        ),
        Error::Busy { retry_after, .. } => {
            format!("The service is busy. Try again in {}.", wait(*retry_after))
        }
        Error::SignupClosed => {
            "Sign-up is closed on this service; ask its operator for an account.".into()
        }
        Error::NotFound(what) => format!("That {what} does not exist (any more)."),
        Error::Conflict(_) => "This email is already registered. Log in instead.".into(),
        other => capitalised(&other.to_string()),
    }
}

/// "42 seconds", "15 minutes".
fn wait(seconds: u64) -> String {
    match seconds {
        1 => "1 second".into(),
        s if s < 120 => format!("{s} seconds"),
        s => format!("{} minutes", s.div_ceil(60)),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    out.extend(chars);
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lockout_says_how_long_to_wait() {
        let text = message(&Error::TooManyAttempts { retry_after: 900 });
        assert!(text.contains("15 minutes"), "{text}");
        assert!(message(&Error::TooManyAttempts { retry_after: 8 }).contains("8 seconds"));
    }

    #[test]
    fn a_weak_password_reads_as_a_sentence() {
        let text = message(&Error::InvalidRequest(
            "password must be 8 to 1024 bytes long".into(),
        ));
        assert_eq!(text, "Password must be 8 to 1024 bytes long.");
    }
}
