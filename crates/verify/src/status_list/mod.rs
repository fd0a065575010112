//! The status lists a remote [`Verifier`](crate::Verifier) checks tokens against (feature
//! `remote`; draft-ietf-oauth-status-list).
//!
//! A token whose claims carry `status.status_list` is accepted only if its bit in that
//! list is 0. The rules:
//!
//! - **Only the issuer's lists.** A list is fetched only if its URI is
//!   `<issuer>/statuslists/<n>` for the verifier's own issuer; a token naming any other
//!   URI is refused as malformed, so a token never makes the verifier call an arbitrary
//!   address. At most [`MAX_LISTS`] lists are cached.
//! - **First sight.** The first token naming a list waits for one fetch of it; callers
//!   arriving meanwhile share that fetch.
//! - **Per `ttl`.** Once the list is `ttl` old (the list's own claim, clamped to 1 s –
//!   1 day; 30 s if absent; measured with the verifier's clock) the next token naming it starts a refetch in the background
//!   and is checked against the copy held: no request waits on the network again.
//! - **Issuer down.** A failed refetch keeps the copy held until the list's `exp`. A list
//!   never fetched (or past its `exp`) is [`StatusCheck::FailClosed`]: the token is refused
//!   with [`VerifyError::StatusUnavailable`] (HTTP 503); or [`StatusCheck::FailOpen`]: the
//!   token is accepted. Failed fetches of one list are retried at most once a second.
//! - **Signed.** A list is used only if it verifies against the issuer's keys, with
//!   header `typ: statuslist+jwt`, `sub` equal to its URI, `bits: 1` and `exp` not past.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use std::time::Instant;

use latchkey_proto::Claims;
use latchkey_proto::status::STATUS_LIST_PATH;

use crate::VerifyError;
use crate::key_source::KeySource;
use crate::status_bits::StatusBits;

mod download;
use download::download;

/// Most lists cached at once (latchkeyd serves one list per million sessions).
pub(crate) const MAX_LISTS: usize = 1024;
/// The largest list token accepted (a million sessions with thousands revoked is < 10 KiB).
const MAX_LIST_BYTES: usize = 4 * 1024 * 1024;
/// The cache time of a list that names none.
const DEFAULT_TTL: u64 = 30;
/// A list's `ttl` is clamped to this range.
const TTL_RANGE: (u64, u64) = (1, 86_400);
/// Failed fetches of one list are retried at most this often.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(1);

/// What a verifier does with a token's `status` claim.
///
/// ```
/// use latchkey_verify::StatusCheck;
/// assert_eq!(StatusCheck::default(), StatusCheck::FailClosed);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum StatusCheck {
    /// Check the bit; refuse the token (503) when its list was never fetched (default).
    #[default]
    FailClosed,
    /// Check the bit; accept the token when its list cannot be had.
    FailOpen,
    /// Do not check status lists at all.
    Off,
}

impl std::str::FromStr for StatusCheck {
    type Err = String;

    /// `closed`, `open` or `off`, as the services' `--status-check` takes it.
    ///
    /// ```
    /// use latchkey_verify::StatusCheck;
    /// assert_eq!("open".parse::<StatusCheck>(), Ok(StatusCheck::FailOpen));
    /// assert!("maybe".parse::<StatusCheck>().is_err());
    /// ```
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "closed" => Ok(Self::FailClosed),
            "open" => Ok(Self::FailOpen),
            "off" => Ok(Self::Off),
            other => Err(format!("{other:?}: expected closed, open or off")),
        }
    }
}

/// The status-list counters of a verifier (see `Verifier::status_stats`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusStats {
    /// Lists fetched and accepted.
    pub lists_fetched: u64,
    /// Fetches that failed (network, status, size, signature, claims).
    pub fetch_failures: u64,
    /// Tokens refused because their bit was set.
    pub revoked: u64,
}

fn foreign() -> VerifyError {
    VerifyError::Malformed("the status list is not the issuer's")
}

/// One list's cached copy.
struct Fetched {
    bits: StatusBits,
    /// When it was fetched, by the verifier's clock (Unix seconds).
    at: i64,
    /// Seconds.
    ttl: i64,
    exp: Option<i64>,
}

/// One list: its copy, and its fetches.
struct List {
    url: reqwest::Url,
    uri: String,
    copy: RwLock<Option<Arc<Fetched>>>,
    last_failure: Mutex<Option<(Instant, String)>>,
    fetch_lock: tokio::sync::Mutex<()>,
    refreshing: AtomicBool,
}

/// The status lists of one issuer, shared by every clone of a verifier.
pub(crate) struct StatusLists {
    http: reqwest::Client,
    prefix: String,
    check: StatusCheck,
    lists: RwLock<HashMap<u64, Arc<List>>>,
    fetched: AtomicU64,
    failures: AtomicU64,
    revoked: AtomicU64,
}

impl StatusLists {
    /// The lists of `issuer`, fetched with `http`.
    pub(crate) fn new(http: reqwest::Client, issuer: &str, check: StatusCheck) -> Self {
        Self {
            http,
            prefix: format!("{}{STATUS_LIST_PATH}", issuer.trim_end_matches('/')),
            check,
            lists: RwLock::new(HashMap::new()),
            fetched: AtomicU64::new(0),
            failures: AtomicU64::new(0),
            revoked: AtomicU64::new(0),
        }
    }

    /// The counters so far.
    pub(crate) fn stats(&self) -> StatusStats {
        StatusStats {
            lists_fetched: self.fetched.load(Ordering::Relaxed),
            fetch_failures: self.failures.load(Ordering::Relaxed),
            revoked: self.revoked.load(Ordering::Relaxed),
        }
    }

    /// Checks the bit a token's `status` claim names (tokens without one pass).
    pub(crate) async fn check(
        self: &Arc<Self>,
        claims: &Claims,
        keys: &KeySource,
        now: i64,
    ) -> Result<(), VerifyError> {
        let Some(status) = claims
            .status
            .as_ref()
            .filter(|_| self.check != StatusCheck::Off)
        else {
            return Ok(());
        };
        let place = &status.status_list;
        let number = self.list_number(&place.uri)?;
        // The steady state: a fresh copy is held; read it under the locks, clone nothing.
        if let Some((bit, stale)) = self.held_bit(number, place.idx, now) {
            if stale {
                let list = self.list(number, &place.uri)?;
                self.refresh_in_background(&list, keys, now);
            }
            return self.decide(bit, place.idx, &place.uri);
        }
        let list = self.list(number, &place.uri)?;
        match self.fetch(&list, keys, now).await {
            Ok(copy) => self.decide(copy.bits.get(place.idx), place.idx, &place.uri),
            Err(reason) => self.unavailable(reason),
        }
    }

    /// The bit at `idx` of list `number`, and whether the copy is past its `ttl`, if a
    /// usable copy of it is held.
    fn held_bit(&self, number: u64, idx: u64, now: i64) -> Option<(Option<bool>, bool)> {
        let lists = self.lists.read().unwrap_or_else(PoisonError::into_inner);
        let copy = lists
            .get(&number)?
            .copy
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let copy = copy
            .as_ref()
            .filter(|c| c.exp.is_none_or(|exp| exp > now))?;
        Some((copy.bits.get(idx), now - copy.at >= copy.ttl))
    }

    /// The answer for a token whose bit is `bit` (`None`: past the list's end).
    fn decide(&self, bit: Option<bool>, idx: u64, uri: &str) -> Result<(), VerifyError> {
        match bit {
            Some(false) => Ok(()),
            Some(true) => {
                self.revoked.fetch_add(1, Ordering::Relaxed);
                Err(VerifyError::Revoked)
            }
            None => self.unavailable(format!("index {idx} is past the end of {uri}")),
        }
    }

    fn unavailable(&self, reason: String) -> Result<(), VerifyError> {
        match self.check {
            StatusCheck::FailOpen | StatusCheck::Off => Ok(()),
            StatusCheck::FailClosed => Err(VerifyError::StatusUnavailable(reason)),
        }
    }

    /// The entry of list `number`, at `uri` (made on first sight).
    fn list(&self, number: u64, uri: &str) -> Result<Arc<List>, VerifyError> {
        if let Some(list) = self
            .lists
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&number)
        {
            return Ok(Arc::clone(list));
        }
        let mut lists = self.lists.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(list) = lists.get(&number) {
            return Ok(Arc::clone(list));
        }
        if lists.len() >= MAX_LISTS {
            return Err(VerifyError::StatusUnavailable(format!(
                "more than {MAX_LISTS} status lists"
            )));
        }
        let url = reqwest::Url::parse(uri).map_err(|_| foreign())?;
        let list = Arc::new(List {
            url,
            uri: uri.to_owned(),
            copy: RwLock::new(None),
            last_failure: Mutex::new(None),
            fetch_lock: tokio::sync::Mutex::new(()),
            refreshing: AtomicBool::new(false),
        });
        lists.insert(number, Arc::clone(&list));
        Ok(list)
    }

    /// The number of the list at `uri`, if it is `<issuer>/statuslists/<n>` (a decimal
    /// `n`) of this verifier's issuer.
    fn list_number(&self, uri: &str) -> Result<u64, VerifyError> {
        uri.strip_prefix(&self.prefix)
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|n| n.parse().ok())
            .ok_or_else(foreign)
    }

    /// Fetches a list no usable copy of is held, unless a fetch of it failed less than
    /// [`RETRY_AFTER_FAILURE`] ago; callers arriving meanwhile wait for the same fetch.
    async fn fetch(&self, list: &List, keys: &KeySource, now: i64) -> Result<Arc<Fetched>, String> {
        let _in_flight = list.fetch_lock.lock().await;
        if let Some(copy) = list.usable(now) {
            return Ok(copy);
        }
        if let Some((at, reason)) = list.failure()
            && at.elapsed() < RETRY_AFTER_FAILURE
        {
            return Err(reason);
        }
        self.fetch_locked(list, keys, now).await
    }

    /// One fetch; the caller holds the list's `fetch_lock`.
    async fn fetch_locked(
        &self,
        list: &List,
        keys: &KeySource,
        now: i64,
    ) -> Result<Arc<Fetched>, String> {
        match download(&self.http, list, keys, now).await {
            Ok(copy) => {
                self.fetched.fetch_add(1, Ordering::Relaxed);
                let copy = Arc::new(copy);
                *list.copy.write().unwrap_or_else(PoisonError::into_inner) =
                    Some(Arc::clone(&copy));
                *list
                    .last_failure
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = None;
                Ok(copy)
            }
            Err(reason) => {
                self.failures.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(uri = %list.uri, error = %reason, "could not fetch a status list");
                *list
                    .last_failure
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) =
                    Some((Instant::now(), reason.clone()));
                Err(reason)
            }
        }
    }

    /// Starts one background refetch of `list`, unless one is running already.
    fn refresh_in_background(self: &Arc<Self>, list: &Arc<List>, keys: &KeySource, now: i64) {
        if list.refreshing.swap(true, Ordering::AcqRel) {
            return;
        }
        let (lists, list, keys) = (Arc::clone(self), Arc::clone(list), keys.clone());
        tokio::spawn(async move {
            let retry = list
                .failure()
                .is_none_or(|(at, _)| at.elapsed() >= RETRY_AFTER_FAILURE);
            if retry {
                let _in_flight = list.fetch_lock.lock().await;
                let _ = lists.fetch_locked(&list, &keys, now).await;
            }
            list.refreshing.store(false, Ordering::Release);
        });
    }
}

impl List {
    /// The copy held, unless there is none or it is past its `exp`.
    fn usable(&self, now: i64) -> Option<Arc<Fetched>> {
        let copy = self
            .copy
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()?;
        copy.exp.is_none_or(|exp| exp > now).then_some(copy)
    }

    fn failure(&self) -> Option<(Instant, String)> {
        self.last_failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}
