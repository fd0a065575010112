//! Accounts: who can log in, with which password.

use async_trait::async_trait;

use super::StoreError;
use crate::email::Email;
use crate::ids::AccountId;

/// A stored account.
#[derive(Debug, Clone)]
pub struct AccountRecord {
    /// The account id.
    pub id: AccountId,
    /// The normalised email.
    pub email: Email,
    /// The argon2id PHC string.
    pub password_hash: String,
    /// Creation time.
    pub created_at: i64,
    /// Account access tokens issued before this time are refused (set by a password
    /// change and by logging out everywhere).
    pub tokens_not_before: i64,
    /// Incremented by each password change: a session made after checking the password
    /// is stored only while this is still the generation that was checked.
    pub credential_generation: i64,
}

/// Storage of accounts.
#[async_trait]
pub trait Accounts: Send + Sync {
    /// Adds an account; [`StoreError::Conflict`] if the email is taken.
    async fn insert_account(&self, account: &AccountRecord) -> Result<(), StoreError>;
    /// Finds an account by id.
    async fn account_by_id(&self, id: &AccountId) -> Result<Option<AccountRecord>, StoreError>;
    /// Finds an account by normalised email.
    async fn account_by_email(&self, email: &Email) -> Result<Option<AccountRecord>, StoreError>;
    /// In one transaction: stores a new password hash, sets `tokens_not_before` to `now`,
    /// moves the account to its next credential generation, and revokes every live
    /// session of the account (the new generation ends its console sessions too).
    async fn change_password(
        &self,
        id: &AccountId,
        password_hash: &str,
        now: i64,
    ) -> Result<(), StoreError>;
    /// Refuses the account's access tokens issued before `now` (log out everywhere), and
    /// moves the account to its next credential generation, which ends its console
    /// sessions and any offline login whose password check came before.
    async fn refuse_tokens_before(&self, id: &AccountId, now: i64) -> Result<(), StoreError>;
}
