//! The account: its audit events (paged) and its password.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use latchkey_core::store::AuditRecord;
use serde::Deserialize;

use super::flash;
use super::guard::{SignedIn, SignedInForm};
use super::pages::{Chrome, EventRow, Events, Password};
use super::{reply, when};
use crate::state::AppState;

/// Events per page.
const PAGE: u32 = 25;

/// `?before=ID`
#[derive(Deserialize)]
pub struct Page {
    before: Option<i64>,
}

/// The password form.
#[derive(Deserialize)]
pub struct ChangePassword {
    #[serde(default)]
    password: String,
    #[serde(default)]
    new_password: String,
}

fn row(event: &AuditRecord) -> EventRow {
    EventRow {
        at: when(event.at),
        kind: event.kind.replace('_', " "),
        client: event.client_id.clone().unwrap_or_default(),
        source: event.source.clone().unwrap_or_default(),
        detail: event.detail.clone().unwrap_or_default(),
    }
}

/// `GET /console/events?before=ID`
pub async fn events(
    State(state): State<AppState>,
    signed_in: SignedIn,
    page: Result<Query<Page>, QueryRejection>,
) -> Response {
    let before = page.ok().and_then(|Query(p)| p.before);
    let events = match state
        .latchkey
        .events(&signed_in.who, Some(PAGE), before)
        .await
    {
        Ok(events) => events,
        Err(err) => return reply::failure(&state, err, "/console/keys"),
    };
    let full = events.len() == PAGE as usize;
    let page = Events {
        chrome: Chrome::new("Events", "events", signed_in.csrf(), None),
        older: events.last().filter(|_| full).map(|e| e.id),
        paged: before.is_some(),
        events: events.iter().map(row).collect(),
    };
    reply::page(&state, &page, false)
}

/// `GET /console/password`
pub async fn password_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    flash::Incoming(flash): flash::Incoming,
) -> Response {
    let page = Password {
        chrome: Chrome::new(
            "Change password",
            "password",
            signed_in.csrf(),
            flash.as_ref(),
        ),
    };
    reply::page(&state, &page, flash.is_some())
}

/// `POST /console/password`: as `PUT /users/me/password`; every session ends, this one
/// too, and the person logs in again with the new password.
pub async fn change_password(
    State(state): State<AppState>,
    posted: SignedInForm<ChangePassword>,
) -> Response {
    let form = posted.form;
    match state
        .latchkey
        .change_password(&posted.signed_in.who, form.password, form.new_password)
        .await
    {
        Ok(_) => reply::ended(&state, "Your password is changed. Log in with the new one."),
        Err(latchkey_core::Error::InvalidCredentials) => reply::with_flash(
            &state,
            "/console/password",
            &flash::Flash::error("The current password is wrong."),
        ),
        Err(err) => reply::failure(&state, err, "/console/password"),
    }
}
