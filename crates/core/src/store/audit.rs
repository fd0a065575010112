//! The audit trail: security events, append-only.

use async_trait::async_trait;

use super::StoreError;

/// One event of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Its position in the trail (assigned by storage; 0 before it is stored).
    pub id: i64,
    /// When it happened (Unix seconds).
    pub at: i64,
    /// What happened, e.g. `login_failed` (see `EventKind`).
    pub kind: String,
    /// The account concerned, if any.
    pub account_id: Option<String>,
    /// The client key concerned, if any.
    pub client_id: Option<String>,
    /// Where the request came from, if known.
    pub source: Option<String>,
    /// A short detail (a key id, a session id); never a secret.
    pub detail: Option<String>,
}

/// Which events to read, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only this account's.
    pub account_id: Option<String>,
    /// Only this kind.
    pub kind: Option<String>,
    /// Only at or after this time (Unix seconds).
    pub since: Option<i64>,
    /// Only before this position (paging).
    pub before: Option<i64>,
    /// At most this many.
    pub limit: u32,
}

/// Storage of the audit trail.
#[async_trait]
pub trait Audit: Send + Sync {
    /// Appends an event to the audit trail.
    async fn insert_audit_event(&self, event: &AuditRecord) -> Result<(), StoreError>;
    /// Reads events, newest first.
    async fn audit_events(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>, StoreError>;
}
