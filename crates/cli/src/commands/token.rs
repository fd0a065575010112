//! `token`, and the token source behind it and `request`: the SDK's [`TokenSource`] fed
//! from the profile, whose new tokens are written back after the command.

use std::sync::Arc;

use anyhow::Context as _;
use latchkey_client::{DpopEndpoint, DpopKey, Error, TokenSource};
use serde_json::json;

use crate::context::Context;
use crate::explain::explain;

/// Which stored token a command uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// The client access token, refreshed with the refresh token (or the stored keys).
    Client,
    /// The account access token from `latchkey login` (not refreshable: log in again).
    Account,
}

impl Which {
    /// `--account`, else the client tokens if the profile has any, else the login.
    pub fn choose(context: &Context, account: bool) -> Self {
        let profile = &context.profile;
        let has_client = profile.client_access_token.is_some()
            || profile.refresh_token.is_some()
            || profile.client_secret.is_some();
        if account || (!has_client && profile.access_token.is_some()) {
            Self::Account
        } else {
            Self::Client
        }
    }
}

/// A token source holding the profile's tokens of kind `which`.
///
/// # Errors
///
/// A malformed server URL.
pub fn source(context: &Context, which: Which) -> anyhow::Result<TokenSource> {
    let profile = &context.profile;
    let builder = match (which, dpop_key(context)?) {
        (Which::Client, Some(key)) => {
            TokenSource::builder_with(Arc::new(DpopEndpoint::new(context.client()?, key)))
        }
        _ => TokenSource::builder(context.client()?),
    };
    Ok(match which {
        Which::Account => builder
            .tokens(profile.access_token.as_deref(), None)
            .build(),
        Which::Client => {
            let builder = builder.tokens(
                profile.client_access_token.as_deref(),
                profile.refresh_token.as_ref(),
            );
            match (&profile.client_id, &profile.client_secret) {
                (Some(id), Some(secret)) => builder.client_credentials(id, secret).build(),
                _ => builder.build(),
            }
        }
    })
}

/// The profile's DPoP key, if its client tokens are bound to one.
///
/// # Errors
///
/// A stored key that cannot be read.
pub fn dpop_key(context: &Context) -> anyhow::Result<Option<Arc<DpopKey>>> {
    context
        .profile
        .dpop_key
        .as_deref()
        .map(|text| DpopKey::import(text).map(Arc::new))
        .transpose()
        .context("the profile's dpopKey is unreadable: run `latchkey client-token --dpop` again")
}

/// A valid token from `source`, with an error that says what to do when there is none.
///
/// # Errors
///
/// No token could be had.
pub async fn valid(source: &TokenSource, which: Which) -> anyhow::Result<String> {
    match (source.access_token().await, which) {
        (Ok(token), _) => Ok(token),
        (Err(Error::NoCredentials), Which::Account) => {
            anyhow::bail!("the login has expired or there is none: run `latchkey login`")
        }
        (Err(error), _) => Err(explain(error, "get an access token")),
    }
}

/// Writes the source's client tokens back to the profile if they changed.
///
/// # Errors
///
/// As [`Context::save`].
pub fn persist(context: &mut Context, source: &TokenSource, which: Which) -> anyhow::Result<()> {
    if which == Which::Account {
        return Ok(());
    }
    let tokens = source.tokens();
    let profile = &mut context.profile;
    if tokens.access_token != profile.client_access_token
        || tokens.refresh_token != profile.refresh_token
    {
        profile.client_access_token = tokens.access_token;
        profile.refresh_token = tokens.refresh_token;
        context.save()?;
    }
    Ok(())
}

pub async fn run(context: &mut Context, account: bool) -> anyhow::Result<()> {
    let which = Which::choose(context, account);
    if which == Which::Account && !account {
        eprintln!(
            "note: no client tokens stored; this is the account access token from `latchkey login`"
        );
    }
    let source = source(context, which)?;
    let token = valid(&source, which).await;
    persist(context, &source, which)?;
    let token = token?;
    context.print(&json!({ "accessToken": token }), || println!("{token}"))
}
