//! `client-keys create | list | delete | rotate-secret`.

use anyhow::Context as _;
use latchkey_client::Scope;
use latchkey_client::api::{ClientKey, CreateClientKeyRequest};
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::args::ClientKeys;
use crate::context::Context;
use crate::explain::explain;

pub async fn run(context: &mut Context, command: ClientKeys) -> anyhow::Result<()> {
    match command {
        ClientKeys::Create {
            name,
            scope,
            rotate_refresh_tokens,
            expires_in,
            allow_cidrs,
            dpop_bound,
            store,
        } => {
            let scope = scope
                .map(|s| Scope::parse(&s))
                .transpose()
                .context("invalid --scope")?;
            let expires_at = expires_in
                .map(|s| {
                    let seconds = i64::try_from(s).unwrap_or(i64::MAX);
                    OffsetDateTime::now_utc()
                        .checked_add(time::Duration::seconds(seconds))
                        .context("--expires-in is too far away")
                })
                .transpose()?;
            let request = CreateClientKeyRequest {
                name,
                scope,
                rotate_refresh_tokens: rotate_refresh_tokens.then_some(true),
                expires_at,
                allowed_cidrs: (!allow_cidrs.is_empty()).then_some(allow_cidrs),
                dpop_bound: dpop_bound.then_some(true),
            };
            create(context, &request, store).await
        }
        ClientKeys::RotateSecret {
            client_id,
            overlap,
            store,
        } => rotate_secret(context, &client_id, overlap, store).await,
        ClientKeys::List => list(context).await,
        ClientKeys::Delete { client_id } => delete(context, &client_id).await,
    }
}

async fn create(
    context: &mut Context,
    request: &CreateClientKeyRequest,
    store: bool,
) -> anyhow::Result<()> {
    let token = context.account_token()?;
    let key = context
        .client()?
        .create_client_key(token, request)
        .await
        .map_err(|e| explain(e, "create a client key"))?;
    if store {
        context.profile.forget_client(true);
        context.profile.client_id = Some(key.client_id.clone());
        context.profile.client_secret = Some(key.client_secret.clone());
        context.save()?;
    }
    let profile = &context.global.profile;
    context.print(&key, || {
        let name = key.name.as_deref().map(|n| format!(" {n:?}")).unwrap_or_default();
        println!("✔ Created client key{name}:");
        println!("  * clientId: {}", key.client_id);
        println!("  * clientSecret: {}", key.client_secret.expose());
        if store {
            println!("Stored in profile {profile:?} for `latchkey client-token`.");
        }
        println!();
        println!(
            "WARN  Be sure to copy and save the client secret since it will not be possible to obtain it again."
        );
    })
}

async fn list(context: &Context) -> anyhow::Result<()> {
    let token = context.account_token()?;
    let keys = context
        .client()?
        .client_keys(token)
        .await
        .map_err(|e| explain(e, "list the client keys"))?;
    context.print(&keys, || print_table(&keys))
}

fn print_table(keys: &[ClientKey]) {
    if keys.is_empty() {
        println!("No client keys. Create one with `latchkey client-keys create`.");
        return;
    }
    let date = |t: time::OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
    let rows: Vec<[String; 5]> = keys
        .iter()
        .map(|k| {
            [
                k.client_id.clone(),
                k.name.clone().unwrap_or_default(),
                k.scope.to_string(),
                date(k.created_at),
                k.last_used_at.map(date).unwrap_or_else(|| "never".into()),
            ]
        })
        .collect();
    let header = ["CLIENT ID", "NAME", "SCOPE", "CREATED", "LAST USED"];
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[&str]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(&header);
    for row in &rows {
        line(&row.iter().map(String::as_str).collect::<Vec<_>>());
    }
}

async fn rotate_secret(
    context: &mut Context,
    client_id: &str,
    overlap: Option<u64>,
    store: bool,
) -> anyhow::Result<()> {
    let token = context.account_token()?;
    let rotated = context
        .client()?
        .rotate_client_secret(token, client_id, overlap)
        .await
        .map_err(|e| explain(e, "rotate the client secret"))?;
    if store && context.profile.client_id.as_deref() == Some(client_id) {
        context.profile.client_secret = Some(rotated.client_secret.clone());
        context.save()?;
    }
    context.print(&rotated, || {
        let until = rotated
            .previous_secret_expires_at
            .format(&Rfc3339)
            .unwrap_or_default();
        println!("✔ New secret for client key {client_id}:");
        println!("  * clientSecret: {}", rotated.client_secret.expose());
        println!("The previous secret works until {until}.");
        println!();
        println!(
            "WARN  Be sure to copy and save the client secret since it will not be possible to obtain it again."
        );
    })
}

async fn delete(context: &mut Context, client_id: &str) -> anyhow::Result<()> {
    let token = context.account_token()?;
    context
        .client()?
        .delete_client_key(token, client_id)
        .await
        .map_err(|e| explain(e, "delete the client key"))?;
    if context.profile.client_id.as_deref() == Some(client_id) {
        context.profile.forget_client(true);
        context.save()?;
    }
    context.print(&json!({ "deleted": client_id }), || {
        println!("✔ Deleted client key {client_id} and every token made from it.");
    })
}
