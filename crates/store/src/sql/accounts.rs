//! Accounts.

use async_trait::async_trait;
use latchkey_core::StoreError;
use latchkey_core::email::Email;
use latchkey_core::ids::AccountId;
use latchkey_core::store::{AccountRecord, Accounts};

use super::status_indexes::{loaded_index, reserve_one, stored_index};
use super::{SqlStore, account_id};
use crate::db::{Row, Sql, Tx};

/// Columns of `accounts`, as [`account`] reads them.
const COLUMNS: &str =
    "id, email, password_hash, created_at, tokens_not_before, credential_generation, status_idx";

#[async_trait]
impl Accounts for SqlStore {
    async fn insert_account(&self, a: &AccountRecord) -> Result<(), StoreError> {
        let sql = Sql::new(
            "INSERT INTO accounts (id, email, password_hash, created_at, tokens_not_before, \
             status_idx) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(a.id.as_str())
        .bind(a.email.as_str())
        .bind(&a.password_hash)
        .bind(a.created_at)
        .bind(a.tokens_not_before)
        .bind(a.status_idx.map(stored_index));
        self.write.execute(sql).await.map(drop)
    }

    async fn account_by_id(&self, id: &AccountId) -> Result<Option<AccountRecord>, StoreError> {
        let sql =
            Sql::new(format!("SELECT {COLUMNS} FROM accounts WHERE id = $1")).bind(id.as_str());
        let row = self.read.fetch_optional(sql).await?;
        row.as_ref().map(account).transpose()
    }

    async fn account_by_email(&self, email: &Email) -> Result<Option<AccountRecord>, StoreError> {
        let sql = Sql::new(format!("SELECT {COLUMNS} FROM accounts WHERE email = $1"))
            .bind(email.as_str());
        let row = self.read.fetch_optional(sql).await?;
        row.as_ref().map(account).transpose()
    }

    async fn change_password(
        &self,
        id: &AccountId,
        password_hash: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.write.begin().await?;
        let next_era = reserve_one(&mut tx).await?;
        tx.execute(
            Sql::new(
                "UPDATE accounts SET password_hash = $1, tokens_not_before = $2, \
                 credential_generation = credential_generation + 1 WHERE id = $3",
            )
            .bind(password_hash)
            .bind(now)
            .bind(id.as_str()),
        )
        .await?;
        tx.execute(
            Sql::new(
                "UPDATE sessions SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(id.as_str()),
        )
        .await?;
        end_login_era(&mut tx, id, now, next_era).await?;
        tx.commit().await
    }

    async fn refuse_tokens_before(&self, id: &AccountId, now: i64) -> Result<(), StoreError> {
        let mut tx = self.write.begin().await?;
        let next_era = reserve_one(&mut tx).await?;
        // The next credential generation ends the console sessions and the offline
        // logins in flight, in this statement; tokens_not_before never moves back.
        tx.execute(
            Sql::new(
                "UPDATE accounts SET credential_generation = credential_generation + 1, \
                 tokens_not_before = CASE WHEN tokens_not_before < $1 THEN $1 \
                 ELSE tokens_not_before END WHERE id = $2",
            )
            .bind(now)
            .bind(id.as_str()),
        )
        .await?;
        end_login_era(&mut tx, id, now, next_era).await?;
        tx.commit().await
    }
}

/// Records the account's login-era index as ended at `now` (its bit is set from then on)
/// and gives the account `next` for its next era. The caller's transaction holds the
/// counter's row lock (from [`reserve_one`]), so concurrent era changes of one account
/// run one after the other and each ends the era the previous one began.
async fn end_login_era(tx: &mut Tx, id: &AccountId, now: i64, next: i64) -> Result<(), StoreError> {
    tx.execute(
        Sql::new(
            "INSERT INTO ended_status_indexes (idx, ended_at) SELECT status_idx, $1 FROM accounts \
             WHERE id = $2 AND status_idx IS NOT NULL ON CONFLICT (idx) DO NOTHING",
        )
        .bind(now)
        .bind(id.as_str()),
    )
    .await?;
    tx.execute(
        Sql::new("UPDATE accounts SET status_idx = $1 WHERE id = $2")
            .bind(next)
            .bind(id.as_str()),
    )
    .await
    .map(drop)
}

fn account(row: &Row) -> Result<AccountRecord, StoreError> {
    Ok(AccountRecord {
        id: account_id(&row.text("id")?)?,
        email: Email::from_storage(row.text("email")?),
        password_hash: row.text("password_hash")?,
        created_at: row.int("created_at")?,
        tokens_not_before: row.int("tokens_not_before")?,
        credential_generation: row.int("credential_generation")?,
        status_idx: row.opt_int("status_idx")?.map(loaded_index).transpose()?,
    })
}
