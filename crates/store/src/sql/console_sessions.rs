//! Console sessions: the account console's cookie sessions, by the digest of the cookie.

use async_trait::async_trait;
use latchkey_core::StoreError;
use latchkey_core::store::{ConsoleLiveness, ConsoleSessionRecord, ConsoleSessions};

use super::{SqlStore, account_id};
use crate::db::{Row, Sql};

#[async_trait]
impl ConsoleSessions for SqlStore {
    async fn insert_console_session(&self, s: &ConsoleSessionRecord) -> Result<bool, StoreError> {
        // The guard is in the statement: a password change or a log-out-everywhere that
        // moved the account on since its password was checked leaves no session behind.
        let sql = Sql::new(
            "INSERT INTO console_sessions \
             (digest, account_id, credential_generation, created_at, last_seen_at) \
             SELECT $1, id, credential_generation, $2, $2 FROM accounts \
             WHERE id = $3 AND credential_generation = $4",
        )
        .bind(s.digest.as_slice())
        .bind(s.created_at)
        .bind(s.account_id.as_str())
        .bind(s.credential_generation);
        Ok(self.write.execute(sql).await? == 1)
    }

    async fn live_console_session(
        &self,
        digest: &[u8],
        live: ConsoleLiveness,
    ) -> Result<Option<ConsoleSessionRecord>, StoreError> {
        let sql = Sql::new(
            "SELECT c.digest, c.account_id, c.credential_generation, c.created_at, \
             c.last_seen_at FROM console_sessions c JOIN accounts a ON a.id = c.account_id \
             WHERE c.digest = $1 AND c.credential_generation = a.credential_generation \
             AND c.last_seen_at >= $2 AND c.created_at >= $3",
        )
        .bind(digest)
        .bind(live.seen_since)
        .bind(live.created_since);
        let row = self.read.fetch_optional(sql).await?;
        row.as_ref().map(console_session).transpose()
    }

    async fn touch_console_session(&self, digest: &[u8], now: i64) -> Result<(), StoreError> {
        let sql = Sql::new(
            "UPDATE console_sessions SET last_seen_at = $1 WHERE digest = $2 AND last_seen_at < $1",
        )
        .bind(now)
        .bind(digest);
        self.write.execute(sql).await.map(drop)
    }

    async fn delete_console_session(&self, digest: &[u8]) -> Result<bool, StoreError> {
        let sql = Sql::new("DELETE FROM console_sessions WHERE digest = $1").bind(digest);
        Ok(self.write.execute(sql).await? > 0)
    }

    async fn purge_console_sessions(&self, live: ConsoleLiveness) -> Result<u64, StoreError> {
        let sql =
            Sql::new("DELETE FROM console_sessions WHERE last_seen_at < $1 OR created_at < $2")
                .bind(live.seen_since)
                .bind(live.created_since);
        self.write.execute(sql).await
    }
}

fn console_session(row: &Row) -> Result<ConsoleSessionRecord, StoreError> {
    Ok(ConsoleSessionRecord {
        digest: row.bytes("digest")?,
        account_id: account_id(&row.text("account_id")?)?,
        credential_generation: row.int("credential_generation")?,
        created_at: row.int("created_at")?,
        last_seen_at: row.int("last_seen_at")?,
    })
}
