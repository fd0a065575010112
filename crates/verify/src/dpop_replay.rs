//! The DPoP replay cache: the `jti` of every proof accepted within the window, bounded in
//! memory.
//!
//! A proof is remembered until its `iat` leaves the acceptance window, after which it is
//! refused as too old anyway. When the cache is full the entry that would leave first is
//! dropped, and its time becomes a floor: a proof that would leave the window no later
//! than the dropped one is refused from then on as too old, since it could be a replay
//! of one the cache no longer holds. So a flood of proofs shrinks the window instead of
//! ever letting a replay through. The cache is per process: instances behind one load
//! balancer each keep their own (see docs/SECURITY.md).

use std::collections::{BTreeSet, HashSet};
use std::sync::Mutex;

/// How many proofs a cache holds by default (≈ 100 bytes each).
pub const DEFAULT_CAPACITY: usize = 100_000;

/// Why a proof's `jti` was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The same key's proof with this `jti` was accepted before.
    Replayed,
    /// The proof is older than what the full cache can still tell apart.
    TooOld,
}

#[derive(Debug, Default)]
struct State {
    seen: HashSet<String>,
    /// (time the entry leaves the window, key), oldest first.
    by_expiry: BTreeSet<(i64, String)>,
    /// Proofs leaving the window at or before this time are refused.
    floor: i64,
}

/// The `jti`s of accepted proofs, per key thumbprint.
#[derive(Debug)]
pub(crate) struct ReplayCache {
    capacity: usize,
    state: Mutex<State>,
}

impl ReplayCache {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            state: Mutex::default(),
        }
    }

    /// Takes the proof `jti` of key `jkt`, remembered until `expires` (Unix seconds),
    /// or says why not. One lock: two requests with the same proof cannot both pass.
    pub(crate) fn take(&self, jkt: &str, jti: &str, expires: i64, now: i64) -> Result<(), Refusal> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let state = &mut *state;
        while let Some(first) = state.by_expiry.first() {
            if first.0 > now {
                break;
            }
            if let Some((_, key)) = state.by_expiry.pop_first() {
                state.seen.remove(&key);
            }
        }
        if expires <= state.floor {
            return Err(Refusal::TooOld);
        }
        let key = format!("{jkt}.{jti}");
        if state.seen.contains(&key) {
            return Err(Refusal::Replayed);
        }
        while state.seen.len() >= self.capacity {
            let Some((at, dropped)) = state.by_expiry.pop_first() else {
                break;
            };
            state.seen.remove(&dropped);
            state.floor = state.floor.max(at);
        }
        if expires <= state.floor {
            return Err(Refusal::TooOld);
        }
        state.by_expiry.insert((expires, key.clone()));
        state.seen.insert(key);
        Ok(())
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.state.lock().map(|s| s.seen.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jti_is_taken_once_per_key_until_it_leaves_the_window() {
        let cache = ReplayCache::new(10);
        assert_eq!(cache.take("k1", "a", 160, 100), Ok(()));
        assert_eq!(cache.take("k1", "a", 160, 101), Err(Refusal::Replayed));
        assert_eq!(cache.take("k2", "a", 160, 101), Ok(()));
        // Past its time the entry is forgotten (the proof is refused as too old by then).
        assert_eq!(cache.take("k1", "b", 300, 200), Ok(()));
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn a_full_cache_refuses_what_it_could_no_longer_recognise() {
        let cache = ReplayCache::new(3);
        for (n, jti) in ["a", "b", "c", "d"].into_iter().enumerate() {
            let expires = 160 + i64::try_from(n).unwrap();
            assert_eq!(cache.take("k", jti, expires, 100), Ok(()));
        }
        assert_eq!(cache.len(), 3);
        // "a" (expiring at 160) was dropped: a proof as old as it is refused.
        assert_eq!(cache.take("k", "a", 160, 100), Err(Refusal::TooOld));
        assert_eq!(cache.take("k", "b", 161, 100), Err(Refusal::Replayed));
        assert_eq!(cache.take("k", "e", 170, 100), Ok(()));
    }
}
