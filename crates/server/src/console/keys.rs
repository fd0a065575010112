//! Client keys: list, create (the secret shown once), delete after a confirmation.
//! Rotating a key's secret is `secrets`'s.

use axum::extract::State;
use axum::response::Response;
use latchkey_core::network::MAX_NETWORKS;
use latchkey_core::store::ClientKeyRecord;
use latchkey_core::{Error, Principal};

use super::auth::Empty;
use super::flash::{self, Flash, NewKey};
use super::guard::{SignedIn, SignedInForm};
use super::key_form::Create;
use super::pages::{Chrome, DeleteKey, KeyRow, Keys};
use super::{reply, when, when_or_never};
use crate::extract::Path;
use crate::state::AppState;

/// A key as the pages show it, at `now`.
pub fn row(key: &ClientKeyRecord, now: i64) -> KeyRow {
    KeyRow {
        id: key.id.to_string(),
        name: key.name.clone().unwrap_or_else(|| "(unnamed)".to_owned()),
        scope: key.scope.to_string(),
        created: when(key.created_at),
        expires: when_or_never(key.expires_at),
        expired: key.expires_at.is_some_and(|at| at <= now),
        networks: key.allowed_networks.to_strings(),
        last_used: when_or_never(key.last_used_at),
        last_used_from: key.last_used_ip.map(|ip| ip.to_string()),
        dpop_bound: key.dpop_bound,
        previous_secret_until: key
            .previous_secret
            .as_ref()
            .filter(|p| p.expires_at > now)
            .map(|p| when(p.expires_at)),
    }
}

/// The caller's key `client_id`, as shown at `now`, or the way back to the list.
pub async fn find(state: &AppState, who: &Principal, client_id: &str) -> Result<KeyRow, Response> {
    let keys = match state.latchkey.client_keys(who).await {
        Ok(keys) => keys,
        Err(err) => return Err(reply::failure(state, err, "/console/keys")),
    };
    let now = state.latchkey.clock_now();
    match keys.iter().find(|k| k.id.as_str() == client_id) {
        Some(key) => Ok(row(key, now)),
        None => Err(reply::failure(
            state,
            Error::NotFound("client key"),
            "/console/keys",
        )),
    }
}

/// The keys page: `flash` shown, `form` filled in; 422 when `refused` (a form to correct).
async fn page(
    state: &AppState,
    signed_in: &SignedIn,
    flash: Option<&Flash>,
    form: Create,
    refused: bool,
) -> Response {
    let keys = match state.latchkey.client_keys(&signed_in.who).await {
        Ok(keys) => keys,
        Err(err) => return reply::failure(state, err, "/console/keys"),
    };
    let now = state.latchkey.clock_now();
    let page = Keys {
        chrome: Chrome::new("Client keys", "keys", signed_in.csrf(), flash),
        new_key: flash.and_then(|f| f.new_key.clone()),
        keys: keys.iter().map(|key| row(key, now)).collect(),
        scopes: state.latchkey.settings().policies.scopes.to_string(),
        form,
        max_networks: MAX_NETWORKS,
    };
    if refused {
        reply::refused(state, &page)
    } else {
        reply::page(state, &page, flash.is_some())
    }
}

/// `GET /console/keys`
pub async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    flash::Incoming(flash): flash::Incoming,
) -> Response {
    page(&state, &signed_in, flash.as_ref(), Create::default(), false).await
}

/// `POST /console/keys`: the secret crosses the redirect in the flash, once. A form the
/// domain refuses comes back filled in, with the reason, and no key is made.
pub async fn create(State(state): State<AppState>, posted: SignedInForm<Create>) -> Response {
    let SignedInForm { signed_in, form } = posted;
    let new = match form.read(state.latchkey.clock_now()) {
        Ok(new) => new,
        Err(text) => return page(&state, &signed_in, Some(&Flash::error(text)), form, true).await,
    };
    match state.latchkey.create_client_key(&signed_in.who, new).await {
        Ok((key, secret)) => {
            let mut flash = Flash::notice("Client key created.");
            flash.new_key = Some(NewKey {
                client_id: key.id.to_string(),
                client_secret: secret.expose().to_owned(),
                rotated: None,
            });
            reply::with_flash(&state, "/console/keys", &flash)
        }
        Err(err @ (Error::InvalidRequest(_) | Error::InvalidScope(_))) => {
            let flash = Flash::error(reply::message(&err));
            page(&state, &signed_in, Some(&flash), form, true).await
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
    let key = match find(&state, &signed_in.who, &client_id).await {
        Ok(key) => key,
        Err(back) => return back,
    };
    let page = DeleteKey {
        chrome: Chrome::new("Delete a client key", "keys", signed_in.csrf(), None),
        key,
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
