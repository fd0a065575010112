//! `latchkeyd keys …`: list, rotate and revoke signing keys, make a master key.

use anyhow::Context as _;
use latchkey_core::Error;
use latchkey_core::keys::{KeyInfo, MasterKey, Revocation};
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::config::{KeysCommand, Options};

/// Runs one `latchkeyd keys` command.
///
/// # Errors
///
/// If the database cannot be opened, a stored key cannot be read (encrypted keys and
/// no master key), or the output cannot be written.
pub async fn run(options: &Options, command: &KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::GenerateMasterKey => {
            println!("{}", MasterKey::generate_base64()?);
        }
        KeysCommand::List { json } => {
            let latchkey = super::open(options).await?;
            let keys = latchkey.key_ring().list().await?;
            if *json {
                let rows: Vec<_> = keys.iter().map(key_json).collect();
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                print_table(&keys);
            }
        }
        KeysCommand::Rotate { now } => {
            let latchkey = super::open(options).await?;
            match latchkey.key_ring().rotate(*now).await? {
                Some(rotated) => println!(
                    "published signing key {}; it signs from {}",
                    rotated.kid,
                    timestamp(Some(rotated.activates_at))
                ),
                None => {
                    let next = latchkey
                        .key_ring()
                        .list()
                        .await?
                        .into_iter()
                        .find(|k| k.stage == latchkey_core::keys::Stage::Next)
                        .context("the rotation did not happen and no key is scheduled")?;
                    println!(
                        "signing key {} is already scheduled to sign from {} \
                         (use --now to bring it forward)",
                        next.kid,
                        timestamp(Some(next.activates_at))
                    );
                }
            }
        }
        KeysCommand::Revoke { kid } => {
            let latchkey = super::open(options).await?;
            match latchkey.key_ring().revoke(kid).await {
                Ok(Revocation::Revoked { successor }) => {
                    println!("revoked signing key {kid}: it is no longer published or trusted");
                    if let Some(successor) = successor {
                        println!("signing key {successor} signs from now on");
                    }
                    println!(
                        "running latchkeyd instances stop trusting it at their next key reload \
                         (within a minute); resource services at their next JWKS refresh"
                    );
                }
                Ok(Revocation::AlreadyRevoked) => {
                    println!("signing key {kid} was already revoked");
                }
                Err(Error::NotFound(_)) => {
                    anyhow::bail!("no signing key has the id {kid:?} (see `latchkeyd keys list`)")
                }
                Err(err) => return Err(err.into()),
            }
        }
    }
    Ok(())
}

fn timestamp(at: Option<i64>) -> String {
    at.and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "-".into())
}

fn key_json(key: &KeyInfo) -> serde_json::Value {
    json!({
        "kid": key.kid,
        "algorithm": key.algorithm.as_str(),
        "stage": key.stage.as_str(),
        "createdAt": timestamp(Some(key.created_at)),
        "activatesAt": timestamp(Some(key.activates_at)),
        "retiresAt": key.retires_at.map(|t| timestamp(Some(t))),
        "unpublishedAt": key.expires_at.map(|t| timestamp(Some(t))),
        "revokedAt": key.revoked_at.map(|t| timestamp(Some(t))),
        "encrypted": key.sealed,
    })
}

fn print_table(keys: &[KeyInfo]) {
    println!(
        "{:<43}  {:<5}  {:<7}  {:<20}  {:<20}  {:<20}  ENCRYPTED",
        "KID", "ALG", "STAGE", "SIGNS FROM", "SIGNS UNTIL", "UNPUBLISHED"
    );
    for key in keys {
        println!(
            "{:<43}  {:<5}  {:<7}  {:<20}  {:<20}  {:<20}  {}",
            key.kid,
            key.algorithm.as_str(),
            key.stage.as_str(),
            timestamp(Some(key.activates_at)),
            timestamp(key.retires_at),
            timestamp(key.expires_at),
            if key.sealed { "yes" } else { "no" }
        );
    }
}
