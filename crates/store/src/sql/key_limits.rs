//! The limits of client keys (expiry, allowed networks), remembered by key id, so that a
//! refresh reads its session alone.
//!
//! Sound because a key's limits are fixed when the key is made (no statement changes
//! them) and a key id, 160 random bits, is never given to another key: what was read
//! once stays true for as long as the key exists, on every instance. A key's deletion
//! revokes its sessions in the same transaction, so a refresh of one of them finds no
//! live session before it would look here; the entry is dropped then all the same. The
//! memory stays bounded: at [`CAPACITY`] keys the cache starts afresh.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use latchkey_core::ids::AccountId;
use latchkey_core::store::KeyLimits;

/// Most keys remembered.
const CAPACITY: usize = 4096;

/// Client keys' limits by key id, with the account each key belongs to.
#[derive(Debug, Default)]
pub(super) struct KnownLimits(Mutex<HashMap<String, (AccountId, KeyLimits)>>);

impl KnownLimits {
    /// The limits of key `id` of `account`, if they have been read.
    pub(super) fn get(&self, id: &str, account: &AccountId) -> Option<KeyLimits> {
        let known = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        known
            .get(id)
            .filter(|(owner, _)| owner == account)
            .map(|(_, limits)| limits.clone())
    }

    /// Remembers the limits of key `id` of `account`.
    pub(super) fn insert(&self, id: &str, account: &AccountId, limits: &KeyLimits) {
        let mut known = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if known.len() >= CAPACITY {
            known.clear();
        }
        known.insert(id.to_owned(), (account.clone(), limits.clone()));
    }

    /// Forgets key `id` (deleted).
    pub(super) fn forget(&self, id: &str) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id);
    }
}
