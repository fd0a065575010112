//! Accounts.

use async_trait::async_trait;
use latchkey_core::StoreError;
use latchkey_core::email::Email;
use latchkey_core::ids::AccountId;
use latchkey_core::store::{AccountRecord, Accounts};

use super::{SqlStore, account_id};
use crate::db::{Row, Sql};

/// Columns of `accounts`, as [`account`] reads them.
const COLUMNS: &str =
    "id, email, password_hash, created_at, tokens_not_before, credential_generation";

#[async_trait]
impl Accounts for SqlStore {
    async fn insert_account(&self, a: &AccountRecord) -> Result<(), StoreError> {
        let sql = Sql::new(
            "INSERT INTO accounts (id, email, password_hash, created_at, tokens_not_before) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(a.id.as_str())
        .bind(a.email.as_str())
        .bind(&a.password_hash)
        .bind(a.created_at)
        .bind(a.tokens_not_before);
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
        tx.commit().await
    }

    async fn refuse_tokens_before(&self, id: &AccountId, now: i64) -> Result<(), StoreError> {
        // The next credential generation ends the console sessions and the offline
        // logins in flight, in this statement; tokens_not_before never moves back.
        let sql = Sql::new(
            "UPDATE accounts SET credential_generation = credential_generation + 1, \
             tokens_not_before = CASE WHEN tokens_not_before < $1 THEN $1 \
             ELSE tokens_not_before END WHERE id = $2",
        )
        .bind(now)
        .bind(id.as_str());
        self.write.execute(sql).await.map(drop)
    }
}

fn account(row: &Row) -> Result<AccountRecord, StoreError> {
    Ok(AccountRecord {
        id: account_id(&row.text("id")?)?,
        email: Email::from_storage(row.text("email")?),
        password_hash: row.text("password_hash")?,
        created_at: row.int("created_at")?,
        tokens_not_before: row.int("tokens_not_before")?,
        credential_generation: row.int("credential_generation")?,
    })
}
