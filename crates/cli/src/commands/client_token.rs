//! `client-token`: trades client keys for a client access token and a refresh token, in
//! the seeds' words.

use anyhow::Context as _;
use latchkey_client::api::TokenRequest;
use latchkey_client::{ClientSecret, DpopKey, GrantType, RefreshToken};
use serde_json::json;

use crate::args::ClientToken;
use crate::context::Context;
use crate::explain::explain;
use crate::prompt;

const STORE_QUESTION: &str = "Do you want latchkey to store your tokens locally for future usage?";

pub async fn run(context: &mut Context, args: ClientToken) -> anyhow::Result<()> {
    let client_id = args
        .client_id
        .clone()
        .or_else(|| context.profile.client_id.clone())
        .context(
            "no client ID: pass --client-id or set LATCHKEY_CLIENT_ID \
             (or keep one with `latchkey client-keys create --store`)",
        )?;
    let stored_secret = context
        .profile
        .client_secret
        .clone()
        .filter(|_| context.profile.client_id.as_deref() == Some(client_id.as_str()));
    let secret = match (args.client_secret, args.client_secret_stdin) {
        (Some(secret), _) => secret,
        (None, true) => ClientSecret::new(prompt::read_line()?),
        (None, false) => stored_secret.context(
            "no client secret: set LATCHKEY_CLIENT_SECRET or pass --client-secret-stdin",
        )?,
    };
    let store = match (args.store, args.no_store) {
        (true, _) => true,
        (_, true) => false,
        _ => prompt::confirm(STORE_QUESTION, true, "--store or --no-store")?,
    };

    let dpop = args.dpop.then(DpopKey::generate).transpose()?;
    let request = TokenRequest {
        grant_type: GrantType::ClientCredentials,
        client_id: Some(client_id.clone()),
        client_secret: Some(secret),
        ..TokenRequest::default()
    };
    let client = context.client()?;
    let tokens = match &dpop {
        Some(key) => client.token_with_dpop(&request, key).await,
        None => client.token(&request).await,
    }
    .map_err(|e| explain(e, "get client tokens"))?;
    let refresh = tokens
        .refresh_token
        .unwrap_or_else(|| RefreshToken::new(String::new()));
    if store {
        if context.profile.client_id.as_deref() != Some(client_id.as_str()) {
            context.profile.forget_client(true);
            context.profile.client_id = Some(client_id);
        }
        context.remember_server();
        context.profile.client_access_token = Some(tokens.access_token.clone());
        context.profile.refresh_token = Some(refresh.clone());
        context.profile.dpop_key = dpop.as_ref().map(DpopKey::export);
        context.save()?;
    }
    let body = json!({ "clientAccessToken": tokens.access_token, "refreshToken": refresh });
    let profile = &context.global.profile;
    context.print(&body, || {
        println!("✔ Generated new tokens:");
        println!("  * clientAccessToken: {}", tokens.access_token);
        println!("  * refreshToken: {}", refresh.expose());
        if store {
            println!("Stored in profile {profile:?}: `latchkey token` keeps the access token fresh.");
        }
        println!();
        println!(
            "WARN  Be sure to copy and save these keys since it will not be possible to obtain them again."
        );
    })
}
