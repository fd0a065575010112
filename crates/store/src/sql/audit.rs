//! The audit trail.

use async_trait::async_trait;
use latchkey_core::StoreError;
use latchkey_core::store::{Audit, AuditQuery, AuditRecord};

use super::SqlStore;
use crate::db::{Row, Sql};

#[async_trait]
impl Audit for SqlStore {
    async fn insert_audit_event(&self, e: &AuditRecord) -> Result<(), StoreError> {
        let sql = Sql::new(
            "INSERT INTO audit_events (at, kind, account_id, client_id, source, detail) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(e.at)
        .bind(&e.kind)
        .bind(e.account_id.as_deref())
        .bind(e.client_id.as_deref())
        .bind(e.source.as_deref())
        .bind(e.detail.as_deref());
        self.write.execute(sql).await.map(drop)
    }

    async fn audit_events(&self, q: &AuditQuery) -> Result<Vec<AuditRecord>, StoreError> {
        let mut sql = Sql::new(
            "SELECT id, at, kind, account_id, client_id, source, detail FROM audit_events WHERE 1 = 1",
        );
        if let Some(account) = &q.account_id {
            sql.push(" AND account_id = ").push_bind(account);
        }
        if let Some(kind) = &q.kind {
            sql.push(" AND kind = ").push_bind(kind);
        }
        if let Some(since) = q.since {
            sql.push(" AND at >= ").push_bind(since);
        }
        if let Some(before) = q.before {
            sql.push(" AND id < ").push_bind(before);
        }
        sql.push(" ORDER BY id DESC LIMIT ")
            .push_bind(i64::from(q.limit));
        let found = self.read.fetch_all(sql).await?;
        found.iter().map(audit_event).collect()
    }
}

fn audit_event(row: &Row) -> Result<AuditRecord, StoreError> {
    Ok(AuditRecord {
        id: row.int("id")?,
        at: row.int("at")?,
        kind: row.text("kind")?,
        account_id: row.opt_text("account_id")?,
        client_id: row.opt_text("client_id")?,
        source: row.opt_text("source")?,
        detail: row.opt_text("detail")?,
    })
}
