//! Rotating a client key's secret: a confirmation page choosing the overlap (in days),
//! then the new secret shown once on the keys page, saying until when the old one works.
//!
//! The overlap's range is the domain's (`rotate_client_secret`, as for
//! `POST /client-keys/{clientId}/secret`); the form only turns days into seconds.

use axum::extract::State;
use axum::response::Response;
use latchkey_core::Error;
use latchkey_core::service::{DEFAULT_OVERLAP_SECONDS, MAX_OVERLAP_SECONDS};
use serde::Deserialize;

use super::flash::{Flash, NewKey};
use super::guard::{SignedIn, SignedInForm};
use super::keys::find;
use super::pages::{Chrome, RotateKey};
use super::{reply, when};
use crate::extract::Path;
use crate::state::AppState;

const DAY: u64 = 86_400;
const TITLE: &str = "Rotate a client secret";

/// The rotation form.
#[derive(Deserialize)]
pub struct Rotate {
    #[serde(default)]
    overlap_days: String,
}

/// The confirmation page, with `overlap_days` in its field; 422 with `error` to correct.
async fn confirm(
    state: &AppState,
    signed_in: &SignedIn,
    client_id: &str,
    overlap_days: String,
    error: Option<String>,
) -> Response {
    let key = match find(state, &signed_in.who, client_id).await {
        Ok(key) => key,
        Err(back) => return back,
    };
    let flash = error.clone().map(Flash::error);
    let page = RotateKey {
        chrome: Chrome::new(TITLE, "keys", signed_in.csrf(), flash.as_ref()),
        key,
        overlap_days,
        max_days: MAX_OVERLAP_SECONDS / DAY,
    };
    match error {
        Some(_) => reply::refused(state, &page),
        None => reply::page(state, &page, false),
    }
}

/// `GET /console/keys/{client_id}/rotate`: what rotating does, the overlap, a button.
pub async fn confirm_rotate(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(client_id): Path<String>,
) -> Response {
    let days = (DEFAULT_OVERLAP_SECONDS / DAY).to_string();
    confirm(&state, &signed_in, &client_id, days, None).await
}

/// `POST /console/keys/{client_id}/rotate`: the new secret crosses the redirect in the
/// flash, once; an overlap out of range comes back to be corrected, nothing rotated.
pub async fn rotate(
    State(state): State<AppState>,
    Path(client_id): Path<String>,
    posted: SignedInForm<Rotate>,
) -> Response {
    let SignedInForm { signed_in, form } = posted;
    let days = form.overlap_days.trim();
    // Not a number of days at all: more than any overlap, for the domain to refuse.
    let seconds = days
        .parse::<u64>()
        .map_or(u64::MAX, |d| d.saturating_mul(DAY));
    let rotated = state
        .latchkey
        .rotate_client_secret(&signed_in.who, &client_id, Some(seconds))
        .await;
    match rotated {
        Ok((key, secret)) => {
            let now = state.latchkey.clock_now();
            let old = match key.previous_secret {
                Some(p) if p.expires_at > now => format!(
                    "The old secret keeps working until {}; then only this one does.",
                    when(p.expires_at)
                ),
                _ => "The old secret has stopped working; only this one does.".to_owned(),
            };
            let mut flash = Flash::notice("Client secret rotated.");
            flash.new_key = Some(NewKey {
                client_id: key.id.to_string(),
                client_secret: secret.expose().to_owned(),
                rotated: Some(old),
            });
            reply::with_flash(&state, "/console/keys", &flash)
        }
        Err(Error::InvalidRequest(_)) => {
            let text = format!(
                "The overlap must be a whole number of days from 0 to {}.",
                MAX_OVERLAP_SECONDS / DAY
            );
            let typed = days.chars().take(20).collect();
            confirm(&state, &signed_in, &client_id, typed, Some(text)).await
        }
        Err(err) => reply::failure(&state, err, "/console/keys"),
    }
}
