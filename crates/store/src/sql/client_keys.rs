//! Client keys.

use std::net::IpAddr;
use std::sync::LazyLock;

use async_trait::async_trait;
use latchkey_core::StoreError;
use latchkey_core::ids::{AccountId, ClientId};
use latchkey_core::network::Networks;
use latchkey_core::secret::SecretDigest;
use latchkey_core::store::{AttemptRecord, ClientKeyRecord, ClientKeys, PreviousSecret};

use super::{SqlStore, account_id, attempts, scope};
use crate::db::{Row, Sql};
use crate::errors::corrupt;

/// `SELECT`s of a client key with 0, 1 and 2 counters joined (see
/// [`ClientKeys::client_key_with_attempts`]): the key's ID is `$1`, the counters' keys follow.
static WITH_ATTEMPTS: LazyLock<[String; attempts::MAX_JOINED + 1]> = LazyLock::new(|| {
    std::array::from_fn(|n| {
        let (columns, joins) = attempts::joined(n, 2);
        format!("SELECT {COLUMNS}{columns} FROM client_keys{joins} WHERE id = $1")
    })
});

/// Columns of `client_keys`, as [`client_key`] reads them.
const COLUMNS: &str = "id, account_id, name, secret_digest, scope, created_at, last_used_at, \
     rotation, expires_at, allowed_cidrs, last_used_ip, previous_secret_digest, \
     previous_secret_expires_at, dpop_bound";

#[async_trait]
impl ClientKeys for SqlStore {
    async fn insert_client_key(&self, k: &ClientKeyRecord) -> Result<(), StoreError> {
        let sql = Sql::new(
            "INSERT INTO client_keys (id, account_id, name, secret_digest, scope, created_at, \
             last_used_at, rotation, expires_at, allowed_cidrs, dpop_bound) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(k.id.as_str())
        .bind(k.account_id.as_str())
        .bind(k.name.as_deref())
        .bind(k.secret_digest.as_bytes())
        .bind(k.scope.to_string())
        .bind(k.created_at)
        .bind(k.last_used_at)
        .bind(k.rotation.map(i64::from))
        .bind(k.expires_at)
        .bind(cidrs(&k.allowed_networks))
        .bind(i64::from(k.dpop_bound));
        self.write.execute(sql).await.map(drop)
    }

    async fn client_key(&self, id: &ClientId) -> Result<Option<ClientKeyRecord>, StoreError> {
        let sql =
            Sql::new(format!("SELECT {COLUMNS} FROM client_keys WHERE id = $1")).bind(id.as_str());
        let row = self.read.fetch_optional(sql).await?;
        row.as_ref().map(client_key).transpose()
    }

    async fn client_key_with_attempts(
        &self,
        id: &ClientId,
        attempt_keys: &[String],
    ) -> Result<Option<(ClientKeyRecord, Vec<AttemptRecord>)>, StoreError> {
        // One row: the key, and one LEFT JOIN per counter (`a0`, `a1`), NULL where there
        // is none. One row, not one per counter, so it is read as at most one. The
        // statement's text is made once per number of counters: this is every grant's read.
        let n = attempt_keys.len();
        let text = WITH_ATTEMPTS.get(n).ok_or_else(|| {
            StoreError::Other(anyhow::anyhow!(
                "{n} counters asked with a client key: at most {}",
                attempts::MAX_JOINED
            ))
        })?;
        let mut sql = Sql::new(text.as_str()).bind(id.as_str());
        for key in attempt_keys {
            sql = sql.bind(key);
        }
        let Some(row) = self.read.fetch_optional(sql).await? else {
            return Ok(None);
        };
        let counters = (0..n)
            .map(|n| attempts::attempt_if_any(&row, n))
            .filter_map(Result::transpose)
            .collect::<Result<_, _>>()?;
        Ok(Some((client_key(&row)?, counters)))
    }

    async fn client_keys(&self, account: &AccountId) -> Result<Vec<ClientKeyRecord>, StoreError> {
        let sql = Sql::new(format!(
            "SELECT {COLUMNS} FROM client_keys WHERE account_id = $1 ORDER BY created_at, id"
        ))
        .bind(account.as_str());
        let found = self.read.fetch_all(sql).await?;
        found.iter().map(client_key).collect()
    }

    async fn delete_client_key(
        &self,
        account: &AccountId,
        id: &ClientId,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write.begin().await?;
        let deleted = tx
            .execute(
                Sql::new("DELETE FROM client_keys WHERE id = $1 AND account_id = $2")
                    .bind(id.as_str())
                    .bind(account.as_str()),
            )
            .await?;
        if deleted == 0 {
            return Ok(false);
        }
        tx.execute(
            Sql::new(
                "UPDATE sessions SET revoked_at = $1 \
                 WHERE kind = 'client_refresh' AND client_id = $2 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(id.as_str()),
        )
        .await?;
        tx.commit().await?;
        self.key_limits.forget(id.as_str());
        Ok(true)
    }

    async fn touch_client_key(
        &self,
        id: &ClientId,
        now: i64,
        ip: Option<IpAddr>,
    ) -> Result<(), StoreError> {
        let sql = Sql::new(
            "UPDATE client_keys SET last_used_at = $1, last_used_ip = COALESCE($2, last_used_ip) \
             WHERE id = $3",
        )
        .bind(now)
        .bind(ip.map(|ip| ip.to_string()))
        .bind(id.as_str());
        self.write.execute(sql).await.map(drop)
    }

    async fn rotate_client_secret(
        &self,
        account: &AccountId,
        id: &ClientId,
        secret: &SecretDigest,
        previous_expires_at: i64,
    ) -> Result<Option<ClientKeyRecord>, StoreError> {
        // SET reads the row as it was: the old secret becomes the previous one.
        let sql = Sql::new(format!(
            "UPDATE client_keys SET previous_secret_digest = secret_digest, \
             previous_secret_expires_at = $1, secret_digest = $2 \
             WHERE id = $3 AND account_id = $4 RETURNING {COLUMNS}"
        ))
        .bind(previous_expires_at)
        .bind(secret.as_bytes())
        .bind(id.as_str())
        .bind(account.as_str());
        let row = self.write.fetch_optional(sql).await?;
        row.as_ref().map(client_key).transpose()
    }
}

/// The stored form of a key's networks: space-separated, NULL for none.
fn cidrs(networks: &Networks) -> Option<String> {
    (!networks.is_empty()).then(|| networks.to_strings().join(" "))
}

/// A key's networks from their stored form.
pub(super) fn stored_networks(stored: Option<String>) -> Result<Networks, StoreError> {
    let Some(text) = stored else {
        return Ok(Networks::default());
    };
    Networks::parse(&text.split_whitespace().collect::<Vec<_>>())
        .map_err(|_| corrupt("allowed_cidrs"))
}

fn client_key(row: &Row) -> Result<ClientKeyRecord, StoreError> {
    Ok(ClientKeyRecord {
        id: ClientId::parse(&row.text("id")?).ok_or_else(|| corrupt("client id"))?,
        account_id: account_id(&row.text("account_id")?)?,
        name: row.opt_text("name")?,
        secret_digest: SecretDigest::from_bytes(row.bytes("secret_digest")?),
        scope: scope(&row.text("scope")?)?,
        created_at: row.int("created_at")?,
        last_used_at: row.opt_int("last_used_at")?,
        rotation: row.opt_int("rotation")?.map(|r| r != 0),
        expires_at: row.opt_int("expires_at")?,
        allowed_networks: stored_networks(row.opt_text("allowed_cidrs")?)?,
        last_used_ip: row
            .opt_text("last_used_ip")?
            .map(|ip| ip.parse().map_err(|_| corrupt("last_used_ip")))
            .transpose()?,
        previous_secret: match (
            row.opt_bytes("previous_secret_digest")?,
            row.opt_int("previous_secret_expires_at")?,
        ) {
            (Some(digest), Some(expires_at)) => Some(PreviousSecret {
                digest: SecretDigest::from_bytes(digest),
                expires_at,
            }),
            _ => None,
        },
        dpop_bound: row.int("dpop_bound")? != 0,
    })
}
