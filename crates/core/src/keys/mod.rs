//! Signing keys: the key ring every instance shares through storage, its rotation
//! schedule, and the encryption of private keys at rest.
//!
//! # Layout
//!
//! - [`SigningKey`] (`signing_key.rs`): one parsed key, ready to sign.
//! - [`schedule`]: which key signs, which are published, when the next one is due.
//! - [`MasterKey`] (`sealing.rs`): AES-256-GCM encryption of stored private keys.
//! - `revocation.rs`: [`KeyRing::revoke`], withdrawing a key at once.
//! - [`KeyRing`] (here): loads the keys from storage, serves the current state to the
//!   hot paths without locking, and runs rotation and pruning.
//!
//! Keys live in the database, so every instance on one database signs with the same
//! key and publishes the same JWKS. Rotation is race-free across instances: storage
//! retires the signing keys and adds the successor in one conditional transaction,
//! which only the first instance wins.
//!
//! latchkeyd trusts a key only in its verification window (see [`schedule`]): access
//! tokens under the published keys, refresh tokens under the stored ones, nothing under
//! a revoked key. A revocation reaches the instance that made it at once and every other
//! instance at its next reload (`key_reload_interval`).

mod revocation;
pub mod schedule;
mod sealing;
mod signing_key;
mod stored;
mod upkeep;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use latchkey_proto::{Claims, TokenType};
use latchkey_verify::{Algorithm, Jwks, KeySet, Validation, VerifyError};

pub use revocation::Revocation;
pub use schedule::{Plan, Policy, Stage};
pub use sealing::{MASTER_KEY_LEN, MasterKey, is_sealed};
pub use signing_key::SigningKey;
use stored::{build_state, new_record, seal_clear_keys};

use crate::clock::Clock;
use crate::store::Store;
use crate::telemetry::Telemetry;
use crate::{Error, Result};

/// How the key ring makes and keeps keys.
#[derive(Debug, Clone)]
pub struct KeyOptions {
    /// The algorithm of new keys.
    pub algorithm: Algorithm,
    /// The rotation schedule.
    pub policy: Policy,
    /// Encrypts private keys at rest; `None` stores them in clear (with a warning).
    pub master_key: Option<MasterKey>,
}

/// The keys in force at one moment: the one that signs, all that are published, and
/// the ones latchkeyd's own checks trust.
pub struct KeyState {
    /// The key new tokens are signed with.
    pub current: Arc<SigningKey>,
    /// The scheduled successor and when it starts signing, so that every instance
    /// switches at that second rather than at its next reload.
    pub next: Option<(i64, Arc<SigningKey>)>,
    /// Every published key, as `/.well-known/jwks.json` serves it.
    pub jwks: Jwks,
    /// The published keys, parsed: the only ones access tokens are checked against.
    access_keys: KeySet,
    /// Every stored key not revoked: a retired key no longer published still checks the
    /// refresh tokens it signed.
    refresh_keys: KeySet,
    /// Every stored key id, revoked or not: a reload counts the new ones as rotations.
    stored: BTreeSet<String>,
    /// The revoked key ids: a reload counts the new ones as revocations.
    revoked: BTreeSet<String>,
}

impl KeyState {
    /// The keys a token checked with `rules` may be signed with: the published ones for
    /// access tokens, every unrevoked stored one for refresh tokens.
    #[must_use]
    pub fn keys_for(&self, rules: &Validation) -> &KeySet {
        match rules.token_type() {
            TokenType::Access => &self.access_keys,
            TokenType::Refresh => &self.refresh_keys,
        }
    }

    /// Whether any token may be checked against key `kid`.
    #[must_use]
    pub fn trusts(&self, kid: &str) -> bool {
        self.refresh_keys.contains(kid)
    }
}

/// One stored key, as `latchkeyd keys list` shows it.
#[derive(Debug, Clone)]
pub struct KeyInfo {
    /// The key id.
    pub kid: String,
    /// Its algorithm.
    pub algorithm: Algorithm,
    /// Where it is in its life.
    pub stage: Stage,
    /// When it was made.
    pub created_at: i64,
    /// When it starts (or started) signing.
    pub activates_at: i64,
    /// When it stops (or stopped) signing, if scheduled.
    pub retires_at: Option<i64>,
    /// When it leaves the JWKS, if scheduled.
    pub expires_at: Option<i64>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
    /// Whether its private key is encrypted at rest.
    pub sealed: bool,
}

/// What a rotation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotated {
    /// The new key's id.
    pub kid: String,
    /// When it starts signing.
    pub activates_at: i64,
}

/// Unknown-`kid` reloads are rate-limited to one per this interval.
const MIN_RELOAD_GAP: Duration = Duration::from_secs(2);

/// The signing keys of the service, shared by all instances through storage.
pub struct KeyRing {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    options: KeyOptions,
    telemetry: Arc<Telemetry>,
    state: RwLock<Arc<KeyState>>,
    last_reload: Mutex<Instant>,
}

impl KeyRing {
    /// Loads the keys from storage, creating the first one if there is none (or every
    /// key is revoked), and encrypting any stored in clear when a master key is given.
    /// Rotations and revocations seen by later reloads are counted in `telemetry`.
    ///
    /// # Errors
    ///
    /// Storage errors, or [`Error::Unexpected`] if a stored key cannot be parsed or
    /// opened (encrypted keys and no or the wrong master key).
    pub async fn load(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        options: KeyOptions,
        telemetry: Arc<Telemetry>,
    ) -> Result<Self> {
        if options.master_key.is_some() {
            seal_clear_keys(store.as_ref(), &options).await?;
        } else {
            tracing::warn!(
                "signing keys are stored UNENCRYPTED: set LATCHKEY_MASTER_KEY or \
                 --master-key-file to encrypt them at rest (see docs/SECURITY.md)"
            );
        }
        let mut records = store.signing_keys().await?;
        if schedule::current(&records, clock.now()).is_none() {
            let now = clock.now();
            let record = new_record(&options, now, now)?;
            store.insert_signing_key(&record).await?;
            tracing::info!(kid = record.kid, algorithm = %record.algorithm, "created the first signing key");
            // Re-read: another instance may have created one at the same moment, and
            // all instances must settle on the same current key.
            records = store.signing_keys().await?;
        }
        let state = build_state(&records, clock.now(), options.master_key.as_ref())?
            .ok_or_else(|| Error::Unexpected(anyhow::anyhow!("no signing key is active")))?;
        Ok(Self {
            store,
            clock,
            options,
            telemetry,
            state: RwLock::new(Arc::new(state)),
            last_reload: Mutex::new(Instant::now()),
        })
    }

    /// The keys in force now.
    #[must_use]
    pub fn state(&self) -> Arc<KeyState> {
        self.state.read().map_or_else(
            |poisoned| Arc::clone(&poisoned.into_inner()),
            |s| Arc::clone(&s),
        )
    }

    /// The key to sign with now.
    #[must_use]
    pub fn signing_key(&self) -> Arc<SigningKey> {
        let state = self.state();
        match &state.next {
            Some((at, next)) if *at <= self.clock.now() => Arc::clone(next),
            _ => Arc::clone(&state.current),
        }
    }

    /// The algorithm new keys are made with.
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        self.options.algorithm
    }

    /// Re-reads the keys from storage (periodically, and when a token names an unknown key).
    ///
    /// # Errors
    ///
    /// Storage errors, or [`Error::Unexpected`] if a stored key cannot be parsed.
    pub async fn reload(&self) -> Result<()> {
        let records = self.store.signing_keys().await?;
        let master = self.options.master_key.as_ref();
        if let Some(state) = build_state(&records, self.clock.now(), master)? {
            let state = Arc::new(state);
            let previous = match self.state.write() {
                Ok(mut guard) => std::mem::replace(&mut *guard, Arc::clone(&state)),
                Err(poisoned) => std::mem::replace(&mut *poisoned.into_inner(), Arc::clone(&state)),
            };
            self.count_changes(&previous, &state);
        }
        if let Ok(mut last) = self.last_reload.lock() {
            *last = Instant::now();
        }
        Ok(())
    }

    /// Reloads because a token named `kid`, unless a reload ran in the last two seconds:
    /// a flood of forged key ids must not become a flood of queries. Returns whether the
    /// key is known afterwards.
    ///
    /// # Errors
    ///
    /// Storage errors from the reload.
    pub async fn reload_for_unknown(&self, kid: &str) -> Result<bool> {
        let due = self
            .last_reload
            .lock()
            .map_or(true, |last| last.elapsed() >= MIN_RELOAD_GAP);
        if due {
            self.reload().await?;
        }
        Ok(self.state().trusts(kid))
    }

    /// Counts the keys that appeared (rotations) and were revoked since `previous`:
    /// whichever process made the change, each instance counts it at its next reload.
    fn count_changes(&self, previous: &KeyState, state: &KeyState) {
        for _ in state.stored.difference(&previous.stored) {
            self.telemetry.signing_key_rotated();
        }
        for _ in state.revoked.difference(&previous.revoked) {
            self.telemetry.signing_key_revoked();
        }
    }

    /// Verifies `token` against the keys its kind may be checked with (see
    /// [`KeyState::keys_for`]) and `rules`, reloading the keys once
    /// (rate-limited, see [`KeyRing::reload_for_unknown`]) when it names a key this
    /// instance has not loaded yet — another instance may have just published it. Every
    /// token the service checks goes through here.
    ///
    /// The outer error is a storage failure during the reload; the inner one says which
    /// rule the token broke.
    ///
    /// # Errors
    ///
    /// Storage errors from the reload.
    pub async fn verify(
        &self,
        token: &str,
        rules: &Validation,
    ) -> Result<std::result::Result<Claims, VerifyError>> {
        let first =
            latchkey_verify::verify(token, self.state().keys_for(rules), rules, self.clock.now());
        Ok(match first {
            Err(VerifyError::UnknownKey(kid)) if self.reload_for_unknown(&kid).await? => {
                latchkey_verify::verify(
                    token,
                    self.state().keys_for(rules),
                    rules,
                    self.clock.now(),
                )
            }
            other => other,
        })
    }

    /// Every stored key with its stage, oldest first.
    ///
    /// # Errors
    ///
    /// Storage errors.
    pub async fn list(&self) -> Result<Vec<KeyInfo>> {
        let now = self.clock.now();
        let records = self.store.signing_keys().await?;
        let current = schedule::current(&records, now).map(|r| r.kid.clone());
        Ok(records
            .iter()
            .map(|r| KeyInfo {
                stage: schedule::stage(r, current.as_deref(), now),
                kid: r.kid.clone(),
                algorithm: r.algorithm,
                created_at: r.created_at,
                activates_at: r.activates_at,
                retires_at: r.retires_at,
                expires_at: r.expires_at,
                revoked_at: r.revoked_at,
                sealed: is_sealed(&r.private_key),
            })
            .collect())
    }
}
