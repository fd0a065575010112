//! Sessions (refresh tokens): list, revoke one, log out everywhere.

use axum::extract::State;
use axum::response::Response;
use latchkey_core::store::SessionRecord;

use super::auth::Empty;
use super::flash::{self, Flash};
use super::guard::{SignedIn, SignedInForm};
use super::pages::{Chrome, SessionRow, Sessions};
use super::{reply, when, when_or_never};
use crate::extract::Path;
use crate::state::AppState;

fn row(session: &SessionRecord) -> SessionRow {
    SessionRow {
        id: session.id.to_string(),
        client: session.client_id.clone().unwrap_or_default(),
        kind: match session.kind {
            latchkey_core::Kind::AccountRefresh => "offline login".to_owned(),
            _ => "client key".to_owned(),
        },
        created: when(session.created_at),
        last_used: when_or_never(session.last_used_at),
    }
}

/// `GET /console/sessions`
pub async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    flash::Incoming(flash): flash::Incoming,
) -> Response {
    let sessions = match state.latchkey.sessions(&signed_in.who).await {
        Ok(sessions) => sessions,
        Err(err) => return reply::failure(&state, err, "/console/sessions"),
    };
    let page = Sessions {
        chrome: Chrome::new("Sessions", "sessions", signed_in.csrf(), flash.as_ref()),
        sessions: sessions.iter().map(row).collect(),
    };
    reply::page(&state, &page, flash.is_some())
}

/// `POST /console/sessions/{id}/revoke`
pub async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: SignedInForm<Empty>,
) -> Response {
    match state
        .latchkey
        .revoke_session(&posted.signed_in.who, &id)
        .await
    {
        Ok(()) => reply::with_flash(
            &state,
            "/console/sessions",
            &Flash::notice("Session revoked."),
        ),
        Err(err) => reply::failure(&state, err, "/console/sessions"),
    }
}

/// `POST /console/sessions/revoke-all`: log out everywhere, this console too.
pub async fn revoke_all(State(state): State<AppState>, posted: SignedInForm<Empty>) -> Response {
    match state
        .latchkey
        .revoke_all_sessions(&posted.signed_in.who)
        .await
    {
        Ok(ended) => reply::ended(
            &state,
            &format!(
                "You are logged out everywhere: {ended} sessions and every account token ended."
            ),
        ),
        Err(err) => reply::failure(&state, err, "/console/sessions"),
    }
}
