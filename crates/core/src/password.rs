//! Password hashing with argon2id, off the async runtime, at most one hash per core.

use std::sync::Arc;

use anyhow::Context as _;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::ids::random_bytes;
use crate::secret::Password;
use crate::{Error, Result};

/// argon2id parameters: OWASP's first recommendation (19 MiB, 2 passes, 1 lane).
const MEMORY_KIB: u32 = 19_456;
const PASSES: u32 = 2;
const LANES: u32 = 1;

/// Hashes and verifies passwords.
///
/// Each hash takes ≈17 ms of one core and 19 MiB of memory, so hashes run on Tokio's
/// blocking pool, at most `concurrency` at a time: a login flood queues here instead of
/// starving the rest of the service or exhausting memory.
#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    dummy_hash: Arc<str>,
}

fn argon2() -> Result<Argon2<'static>> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None)
        .map_err(|e| Error::Unexpected(anyhow::anyhow!("argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hash_blocking(password: &str) -> Result<String> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()?)
        .map_err(|e| Error::Unexpected(anyhow::anyhow!("argon2 salt: {e}")))?;
    let hash = argon2()?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| Error::Unexpected(anyhow::anyhow!("argon2 hashing: {e}")))?;
    Ok(hash.to_string())
}

fn verify_blocking(password: &str, hash: &str) -> Result<bool> {
    let parsed = PasswordHash::new(hash)
        .map_err(|e| Error::Unexpected(anyhow::anyhow!("stored password hash: {e}")))?;
    // The parameters come from the stored hash, so hashes made with older settings still verify.
    Ok(Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

impl PasswordHasher {
    /// A hasher running at most `concurrency` hashes at once (at least one).
    ///
    /// # Errors
    ///
    /// [`Error::Unexpected`] if the dummy hash, used to make unknown accounts cost as
    /// much as known ones, cannot be computed.
    pub fn new(concurrency: usize) -> Result<Self> {
        let dummy = hash_blocking("latchkey dummy password, never matches")?;
        Ok(Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            dummy_hash: dummy.into(),
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let _permit = self
            .permits
            .acquire()
            .await
            .context("the hashing pool is closed")
            .map_err(Error::Unexpected)?;
        tokio::task::spawn_blocking(job)
            .await
            .context("a hashing task failed")
            .map_err(Error::Unexpected)?
    }

    /// Hashes a new password into a PHC string.
    ///
    /// # Errors
    ///
    /// [`Error::Unexpected`] if hashing fails.
    pub async fn hash(&self, password: &Password) -> Result<String> {
        let password = password.expose().to_owned();
        self.run(move || hash_blocking(&password)).await
    }

    /// Checks a password against a stored hash, or against a dummy hash when there is no
    /// account, so that both cases cost the same time.
    ///
    /// # Errors
    ///
    /// [`Error::Unexpected`] if the stored hash is corrupt or hashing fails.
    pub async fn verify(&self, password: &Password, stored: Option<&str>) -> Result<bool> {
        let found = stored.is_some();
        let hash = stored.map_or_else(|| self.dummy_hash.to_string(), str::to_owned);
        let password = password.expose().to_owned();
        let matched = self.run(move || verify_blocking(&password, &hash)).await?;
        Ok(found && matched)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hasher = PasswordHasher::new(2).unwrap();
        let password = Password::new("correct horse battery".into()).unwrap();
        let hash = hasher.hash(&password).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(hasher.verify(&password, Some(&hash)).await.unwrap());
        let wrong = Password::for_login("wrong horse battery".into());
        assert!(!hasher.verify(&wrong, Some(&hash)).await.unwrap());
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        let hasher = PasswordHasher::new(1).unwrap();
        let password = Password::for_login("latchkey dummy password, never matches".into());
        assert!(!hasher.verify(&password, None).await.unwrap());
    }
}
