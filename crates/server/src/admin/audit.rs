//! `latchkeyd audit`: every account's security events, for operators.

use anyhow::Context as _;
use latchkey_core::service::{AuditFilter, EventKind};
use latchkey_core::store::AuditRecord;
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::config::{AuditArgs, Options};

/// Prints the events that match `args`, newest first.
///
/// # Errors
///
/// An unknown kind, a malformed time, an unknown account, or a database error.
pub async fn run(options: &Options, args: &AuditArgs) -> anyhow::Result<()> {
    let kind = args
        .kind
        .as_deref()
        .map(|name| {
            EventKind::parse(name).with_context(|| {
                let kinds: Vec<_> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
                format!("unknown --kind {name:?}: use one of {}", kinds.join(", "))
            })
        })
        .transpose()?;
    let since = args
        .since
        .as_deref()
        .map(|t| {
            OffsetDateTime::parse(t, &Rfc3339)
                .map(OffsetDateTime::unix_timestamp)
                .with_context(|| format!("--since {t:?} is not an RFC 3339 time"))
        })
        .transpose()?;
    let latchkey = super::open(options).await?;
    let events = latchkey
        .all_events(&AuditFilter {
            account: args.account.clone(),
            kind,
            since,
            limit: args.limit,
        })
        .await?;
    for event in &events {
        if args.json {
            println!("{}", event_json(event));
        } else {
            println!(
                "{:<20}  {:<28}  {:<36}  {:<15}  {}",
                time(event.at),
                event.kind,
                event.account_id.as_deref().unwrap_or("-"),
                event.source.as_deref().unwrap_or("-"),
                [event.client_id.as_deref(), event.detail.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("  ")
            );
        }
    }
    Ok(())
}

fn time(at: i64) -> String {
    OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| at.to_string())
}

fn event_json(event: &AuditRecord) -> serde_json::Value {
    json!({
        "id": event.id,
        "time": time(event.at),
        "kind": event.kind,
        "accountId": event.account_id,
        "clientId": event.client_id,
        "sourceAddress": event.source,
        "detail": event.detail,
    })
}
