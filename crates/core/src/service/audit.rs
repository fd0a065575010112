//! The audit trail: security events stored with their time, account, client, source
//! address and a short detail, read by an account (its own) and by operators (all).
//!
//! Writing an event never fails the operation it records (the operation has happened;
//! a storage error is logged). The token grants are not audited: they are the hot path,
//! and their sessions are already stored and listed.

use std::net::IpAddr;

use crate::audit::{AuditFilter, EventKind};
use crate::ids::AccountId;
use crate::store::{AuditQuery, AuditRecord};
use crate::{Latchkey, Principal, Result};

/// One event to record.
pub(crate) struct Event<'a> {
    pub kind: EventKind,
    pub account: Option<&'a AccountId>,
    pub client: Option<&'a str>,
    pub source: Option<IpAddr>,
    pub detail: Option<String>,
}

impl<'a> Event<'a> {
    pub(crate) fn new(kind: EventKind) -> Self {
        Self {
            kind,
            account: None,
            client: None,
            source: None,
            detail: None,
        }
    }

    pub(crate) fn by(mut self, who: &'a Principal) -> Self {
        self.account = Some(&who.account_id);
        self.source = who.source;
        self
    }

    pub(crate) fn account(mut self, account: &'a AccountId) -> Self {
        self.account = Some(account);
        self
    }

    pub(crate) fn client(mut self, client: &'a str) -> Self {
        self.client = Some(client);
        self
    }

    pub(crate) fn source(mut self, source: Option<IpAddr>) -> Self {
        self.source = source;
        self
    }

    pub(crate) fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// The most events one read returns.
pub const MAX_EVENTS: u32 = 1_000;

impl Latchkey {
    /// Records an event; a storage error is logged, not returned.
    pub(crate) async fn audit(&self, event: Event<'_>) {
        let record = AuditRecord {
            id: 0,
            at: self.now(),
            kind: event.kind.as_str().to_owned(),
            account_id: event.account.map(ToString::to_string),
            client_id: event.client.map(str::to_owned),
            source: event.source.map(|ip| ip.to_string()),
            detail: event.detail,
        };
        if let Err(err) = self.store.insert_audit_event(&record).await {
            tracing::error!(error = %err, kind = record.kind, "could not record an audit event");
        }
    }

    /// The caller's own events, newest first, `before` an event id for paging.
    ///
    /// # Errors
    ///
    /// Storage errors.
    pub async fn events(
        &self,
        who: &Principal,
        limit: Option<u32>,
        before: Option<i64>,
    ) -> Result<Vec<AuditRecord>> {
        Ok(self
            .store
            .audit_events(&AuditQuery {
                account_id: Some(who.account_id.to_string()),
                before,
                limit: limit.unwrap_or(50).clamp(1, MAX_EVENTS),
                ..AuditQuery::default()
            })
            .await?)
    }

    /// Every account's events, for operators (`latchkeyd audit`), newest first.
    ///
    /// # Errors
    ///
    /// [`crate::Error::NotFound`] for an account that does not exist, or storage errors.
    pub async fn all_events(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>> {
        let account_id = match filter.account.as_deref() {
            None => None,
            Some(name) => Some(self.find_account(name).await?.id.to_string()),
        };
        Ok(self
            .store
            .audit_events(&AuditQuery {
                account_id,
                kind: filter.kind.map(|k| k.as_str().to_owned()),
                since: filter.since,
                before: None,
                limit: filter.limit.unwrap_or(100).clamp(1, MAX_EVENTS),
            })
            .await?)
    }
}
