//! Stored keys to usable ones and back: making a new record, sealing keys stored in
//! clear, parsing (and opening) a record, and building the [`KeyState`] of a moment.

use std::collections::BTreeSet;
use std::sync::Arc;

use latchkey_verify::{Jwks, KeySet};

use super::{KeyOptions, KeyState, MasterKey, SigningKey, is_sealed, schedule};
use crate::store::{SigningKeyRecord, Store};
use crate::{Error, Result};

/// How many refresh tokens the refresh key set remembers once verified. A refresh token
/// comes back once per access token's lifetime, or never when it rotates, so a large
/// cache would mostly hold tokens that will not return (≈ 1 KiB each: 4 MiB at the
/// verify library's default, filled by rotations); a small one still serves a client
/// that refreshes in a burst.
const REFRESH_TOKENS_REMEMBERED: usize = 64;

/// A new key of the configured algorithm, made at `now` and signing from
/// `activates_at`, sealed if there is a master key.
pub(super) fn new_record(
    options: &KeyOptions,
    now: i64,
    activates_at: i64,
) -> Result<SigningKeyRecord> {
    let (key, der) = SigningKey::generate(options.algorithm)?;
    let kid = key.kid().to_owned();
    let private_key = match &options.master_key {
        Some(master) => master.seal(&kid, &der)?,
        None => der,
    };
    Ok(SigningKeyRecord {
        kid,
        algorithm: options.algorithm,
        private_key,
        created_at: now,
        activates_at,
        retires_at: None,
        expires_at: None,
        revoked_at: None,
    })
}

/// Encrypts, in place, keys stored before a master key was configured.
pub(super) async fn seal_clear_keys(store: &dyn Store, options: &KeyOptions) -> Result<()> {
    let Some(master) = &options.master_key else {
        return Ok(());
    };
    for record in store.signing_keys().await? {
        if !is_sealed(&record.private_key) {
            let sealed = master.seal(&record.kid, &record.private_key)?;
            store.reseal_signing_key(&record.kid, &sealed).await?;
            tracing::info!(kid = record.kid, "encrypted a stored signing key at rest");
        }
    }
    Ok(())
}

/// Parses a stored key, opening it with the master key if it is sealed.
fn parse(record: &SigningKeyRecord, master: Option<&MasterKey>) -> Result<SigningKey> {
    if !is_sealed(&record.private_key) {
        return SigningKey::from_pkcs8(record.algorithm, &record.private_key);
    }
    let master = master.ok_or_else(|| {
        Error::Unexpected(anyhow::anyhow!(
            "the signing keys are encrypted at rest: give the master key \
             (LATCHKEY_MASTER_KEY or --master-key-file)"
        ))
    })?;
    SigningKey::from_pkcs8(
        record.algorithm,
        &master.open(&record.kid, &record.private_key)?,
    )
}

/// The keys in force at `now`, or `None` if no key signs. Revoked keys are not even
/// parsed: nothing signs or checks with them.
pub(super) fn build_state(
    records: &[SigningKeyRecord],
    now: i64,
    master: Option<&MasterKey>,
) -> Result<Option<KeyState>> {
    let Some(current_kid) = schedule::current(records, now).map(|r| r.kid.as_str()) else {
        return Ok(None);
    };
    let mut current = None;
    let mut next = None;
    let mut published = Vec::new();
    let mut stored = Vec::new();
    let mut revoked = BTreeSet::new();
    for record in records {
        if !schedule::checks_refresh_tokens(record) {
            revoked.insert(record.kid.clone());
            continue;
        }
        let key = Arc::new(parse(record, master)?);
        if record.kid == current_kid {
            current = Some(Arc::clone(&key));
        } else if record.activates_at > now
            && next
                .as_ref()
                .is_none_or(|(at, _): &(i64, _)| record.activates_at < *at)
        {
            next = Some((record.activates_at, Arc::clone(&key)));
        }
        if schedule::is_published(record, now) {
            published.push(key.jwk().clone());
        }
        stored.push(key.jwk().clone());
    }
    let jwks = Jwks { keys: published };
    Ok(current.map(|current| KeyState {
        current,
        next,
        access_keys: KeySet::from_jwks(&jwks),
        refresh_keys: KeySet::from_jwks(&Jwks { keys: stored })
            .remembering(REFRESH_TOKENS_REMEMBERED),
        stored: records.iter().map(|r| r.kid.clone()).collect(),
        revoked,
        jwks,
    }))
}
