//! The Token Status List (draft-ietf-oauth-status-list): the index each token names, and
//! the signed lists served at `/statuslists/<n>`, kept in memory.
//!
//! - **Indexes.** A refresh session takes one index when it is made (every access token
//!   minted from it names it); an account's login era has one (the access tokens of
//!   plain logins name it). They come from blocks of [`BLOCK`] reserved at once from the
//!   store's counter, so a grant costs no database write of its own and no index is
//!   handed out twice, also across instances. Index `i` is bit `i % LIST_BITS` of list
//!   `i / LIST_BITS`.
//! - **Bits.** The lists' bits are held in memory, set from the store's changes: once
//!   in full at start, then every poll (the server polls every 250 ms) reading only what
//!   ended in the last [`SYNC_MARGIN`] seconds, and at once, before answering, after
//!   anything that ends a session or a login era on this instance.
//! - **Serving.** A list's signed token is cached and signed again only when its bits
//!   change, when the signing key changes, or when half its validity has passed: a
//!   request costs a map lookup, never a database read.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use latchkey_proto::status::{Status, StatusListBits, StatusListClaims, list_uri};
use latchkey_verify::status_bits::encode_lst;

use super::Latchkey;
use crate::Result;
use crate::store::StatusChanges;

/// Tokens per list: 2^20 (a 128 KiB bitset, a few hundred bytes compressed when clear).
pub const LIST_BITS: u64 = 1 << 20;
/// Indexes reserved from the store at once.
const BLOCK: u64 = 1024;
/// Each poll reads again what ended this many seconds before the previous poll began,
/// so that a revocation committed late, or stamped by an instance whose clock is a
/// little behind, is not missed.
const SYNC_MARGIN: i64 = 30;
/// Every this many seconds a sync reads everything that ended again, whatever the
/// clocks of the instances say (a revocation stamped by an instance whose clock is more
/// than [`SYNC_MARGIN`] behind shows then at the latest).
const FULL_SYNC_INTERVAL: i64 = 600;
/// A list token is valid for this long at least (`exp - iat`), or twice the `ttl`.
const MIN_VALIDITY: u64 = 3600;

/// A list as served: its signed token and what is needed to answer conditional requests.
#[derive(Debug)]
pub struct ServedList {
    /// The `statuslist+jwt`.
    pub token: String,
    /// Its entity tag (quoted).
    pub etag: String,
    /// How long verifiers and caches may keep it, in seconds.
    pub ttl: u64,
    version: u64,
    kid: String,
    signed_at: i64,
}

/// One list's bits and how many times they changed.
struct ListBits {
    bytes: Vec<u8>,
    version: u64,
}

#[derive(Default)]
struct Bits {
    reserved_until: u64,
    lists: HashMap<u64, ListBits>,
}

/// The status lists' state in memory.
pub(super) struct StatusLists {
    ttl: u64,
    block: Mutex<Range<u64>>,
    /// Held by the one caller that reserves the next block when this one runs out.
    refill: tokio::sync::Mutex<()>,
    bits: RwLock<Bits>,
    /// When the last sync and the last full read began (`None` before the first); held
    /// while a sync runs.
    synced: tokio::sync::Mutex<Option<(i64, i64)>>,
    served: Mutex<HashMap<u64, Arc<ServedList>>>,
}

impl StatusLists {
    pub(super) fn new(ttl: u64) -> Self {
        Self {
            ttl: ttl.max(1),
            block: Mutex::new(0..0),
            refill: tokio::sync::Mutex::new(()),
            bits: RwLock::new(Bits::default()),
            synced: tokio::sync::Mutex::new(None),
            served: Mutex::new(HashMap::new()),
        }
    }

    /// The next index of the block held, if any is left.
    fn take(&self) -> Option<u64> {
        self.block
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .next()
    }

    fn apply(&self, changes: &StatusChanges) {
        let mut bits = self.bits.write().unwrap_or_else(PoisonError::into_inner);
        bits.reserved_until = bits.reserved_until.max(changes.reserved_until);
        for &idx in &changes.ended {
            let bit = idx % LIST_BITS;
            let list = bits
                .lists
                .entry(idx / LIST_BITS)
                .or_insert_with(|| ListBits {
                    bytes: vec![0; usize::try_from(LIST_BITS / 8).unwrap_or(0)],
                    version: 0,
                });
            let mask = 1u8 << (bit % 8);
            if let Some(byte) = usize::try_from(bit / 8)
                .ok()
                .and_then(|i| list.bytes.get_mut(i))
                .filter(|byte| **byte & mask == 0)
            {
                *byte |= mask;
                list.version += 1;
            }
        }
    }
}

impl Latchkey {
    /// A fresh status-list index, from this instance's reserved block (a new block is
    /// reserved from the store once every [`BLOCK`] indexes).
    pub(super) async fn status_index(&self) -> Result<u64> {
        if let Some(idx) = self.status.take() {
            return Ok(idx);
        }
        // One caller reserves the next block and the others wait for it: each reserving
        // its own would waste all but one index of every extra block, and queue them all
        // on the store's counter row.
        let _refill = self.status.refill.lock().await;
        if let Some(idx) = self.status.take() {
            return Ok(idx);
        }
        let first = self.store.reserve_status_indexes(BLOCK).await?;
        let end = first.saturating_add(BLOCK);
        {
            let mut bits = self
                .status
                .bits
                .write()
                .unwrap_or_else(PoisonError::into_inner);
            bits.reserved_until = bits.reserved_until.max(end);
        }
        *self
            .status
            .block
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = first.saturating_add(1)..end;
        Ok(first)
    }

    /// The `status` claim of a token naming index `idx`.
    pub(super) fn status_claim(&self, idx: u64) -> Status {
        Status::new(&self.settings.issuer, idx / LIST_BITS, idx % LIST_BITS)
    }

    /// Reads what ended since the last sync (everything, the first time) into the
    /// lists held in memory. The server calls this every 250 ms, so that a revocation
    /// made at another instance sharing the database shows here within a second.
    ///
    /// # Errors
    ///
    /// Storage errors (the lists keep what they had).
    pub async fn sync_status_lists(&self) -> Result<()> {
        let mut synced = self.status.synced.lock().await;
        let started = self.now();
        let (since, full_at) = match *synced {
            Some((last, full)) if started - full < FULL_SYNC_INTERVAL => {
                (last.saturating_sub(SYNC_MARGIN), full)
            }
            _ => (i64::MIN, started),
        };
        let changes = self.store.status_changes(since).await?;
        self.status.apply(&changes);
        *synced = Some((started, full_at));
        Ok(())
    }

    /// After something ended sessions or a login era: the lists show it before the
    /// caller gets its answer. A failure is logged; the next poll catches up.
    pub(super) async fn status_lists_changed(&self) {
        if let Err(err) = self.sync_status_lists().await {
            tracing::warn!(error = %err, "could not update the status lists; the next poll will");
        }
    }

    /// List `n`, signed, or `None` if no index of it was ever handed out.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Unexpected`] if signing fails.
    pub fn status_list(&self, n: u64) -> Result<Option<Arc<ServedList>>> {
        let lists = &self.status;
        let (known, version) = {
            let bits = lists.bits.read().unwrap_or_else(PoisonError::into_inner);
            let known = n
                .checked_mul(LIST_BITS)
                .is_some_and(|first| first < bits.reserved_until);
            (known, bits.lists.get(&n).map_or(0, |l| l.version))
        };
        if !known {
            return Ok(None);
        }
        let key = self.keys.signing_key();
        let now = self.now();
        let validity = MIN_VALIDITY.max(lists.ttl.saturating_mul(2));
        let half = i64::try_from(validity / 2).unwrap_or(i64::MAX);
        // Held while a list is signed, so that a burst of requests signs it once.
        let mut served = lists.served.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(list) = served.get(&n).filter(|list| {
            list.version == version && list.kid == key.kid() && now - list.signed_at < half
        }) {
            return Ok(Some(Arc::clone(list)));
        }
        let (lst, version) = {
            let bits = lists.bits.read().unwrap_or_else(PoisonError::into_inner);
            match bits.lists.get(&n) {
                Some(list) => (encode_lst(&list.bytes), list.version),
                None => (
                    encode_lst(&vec![0; usize::try_from(LIST_BITS / 8).unwrap_or(0)]),
                    0,
                ),
            }
        };
        let claims = StatusListClaims {
            sub: list_uri(&self.settings.issuer, n),
            iat: now,
            exp: Some(now.saturating_add(i64::try_from(validity).unwrap_or(i64::MAX))),
            ttl: Some(lists.ttl),
            status_list: StatusListBits { bits: 1, lst },
        };
        let token = key.sign_status_list(&claims)?;
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
        let etag = format!("\"{}\"", hex(&digest.as_ref()[..12]));
        let list = Arc::new(ServedList {
            token,
            etag,
            ttl: lists.ttl,
            version,
            kid: key.kid().to_owned(),
            signed_at: now,
        });
        served.insert(n, Arc::clone(&list));
        Ok(Some(list))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
