//! Signing keys.

use async_trait::async_trait;
use latchkey_core::StoreError;
use latchkey_core::store::{KeyRevocation, SigningKeyRecord, SigningKeys};
use latchkey_verify::Algorithm;

use super::SqlStore;
use crate::db::{Row, Sql};
use crate::errors::corrupt;

#[async_trait]
impl SigningKeys for SqlStore {
    async fn signing_keys(&self) -> Result<Vec<SigningKeyRecord>, StoreError> {
        let sql = Sql::new(
            "SELECT kid, algorithm, private_key, created_at, activates_at, retires_at, expires_at, \
             revoked_at FROM signing_keys ORDER BY created_at, kid",
        );
        let found = self.read.fetch_all(sql).await?;
        found.iter().map(signing_key).collect()
    }

    async fn insert_signing_key(&self, k: &SigningKeyRecord) -> Result<(), StoreError> {
        self.write.execute(insert(k)).await.map(drop)
    }

    async fn rotate_signing_key(
        &self,
        next: &SigningKeyRecord,
        now: i64,
        retiring_expires_at: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write.begin().await?;
        // The conditional update is the guard: of two instances rotating at once, the
        // second finds no key left to retire (PostgreSQL re-checks the row after the
        // first commits; SQLite runs one writer at a time).
        let retired = tx
            .execute(
                Sql::new(
                    "UPDATE signing_keys SET retires_at = $1, expires_at = $2 \
                     WHERE retires_at IS NULL AND activates_at <= $3 AND revoked_at IS NULL",
                )
                .bind(next.activates_at)
                .bind(retiring_expires_at)
                .bind(now),
            )
            .await?;
        if retired == 0 {
            return Ok(false);
        }
        tx.execute(insert(next)).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn advance_signing_key(
        &self,
        kid: &str,
        now: i64,
        retiring_expires_at: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write.begin().await?;
        let advanced = tx
            .execute(
                Sql::new(
                    "UPDATE signing_keys SET activates_at = $1 \
                     WHERE kid = $2 AND activates_at > $3 AND revoked_at IS NULL",
                )
                .bind(now)
                .bind(kid)
                .bind(now),
            )
            .await?;
        if advanced == 0 {
            return Ok(false);
        }
        tx.execute(
            Sql::new(
                "UPDATE signing_keys SET retires_at = $1, expires_at = $2 \
                 WHERE kid <> $3 AND activates_at <= $4 AND (retires_at IS NULL OR retires_at > $5) \
                 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(retiring_expires_at)
            .bind(kid)
            .bind(now)
            .bind(now),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn reseal_signing_key(&self, kid: &str, private_key: &[u8]) -> Result<(), StoreError> {
        let sql = Sql::new("UPDATE signing_keys SET private_key = $1 WHERE kid = $2")
            .bind(private_key)
            .bind(kid);
        self.write.execute(sql).await.map(drop)
    }

    async fn revoke_signing_key(&self, r: &KeyRevocation<'_>) -> Result<bool, StoreError> {
        let mut tx = self.write.begin().await?;
        // The guard: of two revocations of one key, the second changes nothing (and so
        // adds no second successor).
        let revoked = tx
            .execute(
                Sql::new(
                    "UPDATE signing_keys SET revoked_at = $1, \
                     retires_at = CASE WHEN retires_at IS NULL OR retires_at > $2 THEN $3 ELSE retires_at END, \
                     expires_at = CASE WHEN expires_at IS NULL OR expires_at > $4 THEN $5 ELSE expires_at END \
                     WHERE kid = $6 AND revoked_at IS NULL",
                )
                .bind(r.at)
                .bind(r.at)
                .bind(r.at)
                .bind(r.at)
                .bind(r.at)
                .bind(r.kid),
            )
            .await?;
        if revoked == 0 {
            return Ok(false);
        }
        if let Some(retiring_at) = r.reinstate_retiring_at {
            tx.execute(
                Sql::new(
                    "UPDATE signing_keys SET retires_at = NULL, expires_at = NULL \
                     WHERE retires_at = $1 AND activates_at <= $2 AND revoked_at IS NULL",
                )
                .bind(retiring_at)
                .bind(r.at),
            )
            .await?;
        }
        if let Some(successor) = r.successor {
            tx.execute(insert(successor)).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn delete_signing_key(&self, kid: &str) -> Result<bool, StoreError> {
        let sql = Sql::new("DELETE FROM signing_keys WHERE kid = $1").bind(kid);
        Ok(self.write.execute(sql).await? > 0)
    }
}

/// The insert of one key, on the pool or in a rotation's transaction.
fn insert(k: &SigningKeyRecord) -> Sql<'_> {
    Sql::new(
        "INSERT INTO signing_keys \
         (kid, algorithm, private_key, created_at, activates_at, retires_at, expires_at, revoked_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&k.kid)
    .bind(k.algorithm.as_str())
    .bind(&k.private_key)
    .bind(k.created_at)
    .bind(k.activates_at)
    .bind(k.retires_at)
    .bind(k.expires_at)
    .bind(k.revoked_at)
}

fn signing_key(row: &Row) -> Result<SigningKeyRecord, StoreError> {
    Ok(SigningKeyRecord {
        kid: row.text("kid")?,
        algorithm: Algorithm::from_name(&row.text("algorithm")?)
            .ok_or_else(|| corrupt("key algorithm"))?,
        private_key: row.bytes("private_key")?,
        created_at: row.int("created_at")?,
        activates_at: row.int("activates_at")?,
        retires_at: row.opt_int("retires_at")?,
        expires_at: row.opt_int("expires_at")?,
        revoked_at: row.opt_int("revoked_at")?,
    })
}
