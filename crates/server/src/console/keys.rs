//! Client keys: list, create (the secret shown once), delete after a confirmation.

use axum::extract::State;
use axum::response::Response;
use latchkey_core::Scope;
use latchkey_core::service::NewClientKey;
use latchkey_core::store::ClientKeyRecord;
use serde::Deserialize;

use super::auth::Empty;
use super::flash::{self, Flash, NewKey};
use super::guard::{SignedIn, SignedInForm};
use super::pages::{Chrome, DeleteKey, KeyRow, Keys};
use super::{reply, when, when_or_never};
use crate::extract::Path;
use crate::state::AppState;

/// The form that creates a key.
#[derive(Deserialize)]
pub struct Create {
    #[serde(default)]
    name: String,
    #[serde(default)]
    scope: String,
}

fn row(key: &ClientKeyRecord) -> KeyRow {
    KeyRow {
        id: key.id.to_string(),
        name: key.name.clone().unwrap_or_else(|| "(unnamed)".to_owned()),
        scope: key.scope.to_string(),
        created: when(key.created_at),
        last_used: when_or_never(key.last_used_at),
    }
}

/// `GET /console/keys`
pub async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    flash::Incoming(flash): flash::Incoming,
) -> Response {
    let keys = match state.latchkey.client_keys(&signed_in.who).await {
        Ok(keys) => keys,
        Err(err) => return reply::failure(&state, err, "/console/keys"),
    };
    let page = Keys {
        chrome: Chrome::new("Client keys", "keys", signed_in.csrf(), flash.as_ref()),
        new_key: flash.as_ref().and_then(|f| f.new_key.clone()),
        keys: keys.iter().map(row).collect(),
        scopes: state.latchkey.settings().policies.scopes.to_string(),
    };
    reply::page(&state, &page, flash.is_some())
}

/// `POST /console/keys`: the secret crosses the redirect in the flash, once.
pub async fn create(State(state): State<AppState>, posted: SignedInForm<Create>) -> Response {
    let scope = match posted.form.scope.trim() {
        "" => None,
        text => match Scope::parse(text) {
            Ok(scope) => Some(scope),
            Err(_) => {
                return reply::with_flash(
                    &state,
                    "/console/keys",
                    &Flash::error("That scope is not a list of scope names."),
                );
            }
        },
    };
    let new = NewClientKey {
        name: Some(posted.form.name),
        scope,
        ..NewClientKey::default()
    };
    match state
        .latchkey
        .create_client_key(&posted.signed_in.who, new)
        .await
    {
        Ok((key, secret)) => {
            let mut flash = Flash::notice("Client key created.");
            flash.new_key = Some(NewKey {
                client_id: key.id.to_string(),
                client_secret: secret.expose().to_owned(),
            });
            reply::with_flash(&state, "/console/keys", &flash)
        }
        Err(err) => reply::failure(&state, err, "/console/keys"),
    }
}

/// `GET /console/keys/{client_id}/delete`: what deleting the key does, and a button.
pub async fn confirm_delete(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(client_id): Path<String>,
) -> Response {
    let keys = match state.latchkey.client_keys(&signed_in.who).await {
        Ok(keys) => keys,
        Err(err) => return reply::failure(&state, err, "/console/keys"),
    };
    let Some(key) = keys.iter().find(|k| k.id.as_str() == client_id) else {
        let gone = Flash::error("That client key does not exist (any more).");
        return reply::with_flash(&state, "/console/keys", &gone);
    };
    let page = DeleteKey {
        chrome: Chrome::new("Delete a client key", "keys", signed_in.csrf(), None),
        key: row(key),
    };
    reply::page(&state, &page, false)
}

/// `POST /console/keys/{client_id}/delete`
pub async fn delete(
    State(state): State<AppState>,
    Path(client_id): Path<String>,
    posted: SignedInForm<Empty>,
) -> Response {
    match state
        .latchkey
        .delete_client_key(&posted.signed_in.who, &client_id)
        .await
    {
        Ok(()) => reply::with_flash(
            &state,
            "/console/keys",
            &Flash::notice("Client key deleted; every token issued from it is revoked."),
        ),
        Err(err) => reply::failure(&state, err, "/console/keys"),
    }
}
