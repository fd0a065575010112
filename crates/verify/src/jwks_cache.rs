//! The key cache behind a remote [`Verifier`](crate::Verifier) (feature `remote`): keys
//! fetched from the issuer's `/.well-known/jwks.json`, cached and kept fresh.
//!
//! The cache follows four rules:
//!
//! - **Background refresh.** A task refetches the JWKS when the cached copy is
//!   `refresh_interval` old, so keys published ahead of a rotation are in the cache before
//!   the first token signed with them arrives. Each fetch replaces the whole cache, so a
//!   key the issuer withdrew (revoked, or retired past its window) stops verifying at the
//!   next refresh at the latest: `refresh_interval` bounds how long a revoked key is
//!   still accepted here once the issuer has stopped publishing it.
//! - **Unknown `kid`.** A token naming a key the cache does not hold triggers one
//!   refetch, but at most one per `min_refetch_interval`, however many such tokens arrive:
//!   forged key ids cannot turn into a flood of requests to the issuer. Concurrent callers
//!   wait for the fetch in flight instead of starting their own.
//! - **Issuer down.** A failed fetch (network error, non-2xx status, a body that is not a
//!   JWKS, a JWKS without a usable key) never empties the cache: the keys last fetched keep
//!   verifying tokens, which still expire on their own.
//! - **Never had keys.** Until one fetch succeeds, every token is refused with
//!   [`VerifyError::NoKeys`], which names the last fetch error.

use std::sync::{Arc, Mutex, PoisonError, RwLock, Weak};
use std::time::Duration;

use tokio::time::Instant;

use crate::{KeySet, VerifyError};

/// The largest JWKS body accepted; a Latchkey JWKS holds a handful of keys (< 2 KiB).
const MAX_JWKS_BYTES: usize = 256 * 1024;

/// When the JWKS was last fetched, and how that went.
#[derive(Default)]
struct Status {
    last_attempt: Option<Instant>,
    last_success: Option<Instant>,
    last_error: Option<String>,
}

/// The cache of one issuer's keys, shared by every clone of a [`Verifier`](crate::Verifier).
pub(crate) struct RemoteKeys {
    http: reqwest::Client,
    url: reqwest::Url,
    refresh_interval: Duration,
    min_refetch_interval: Duration,
    /// The last keys fetched; read on every verification, written once per fetch.
    keys: RwLock<Option<Arc<KeySet>>>,
    status: Mutex<Status>,
    /// Held while a fetch is in flight, so that concurrent callers share one fetch.
    fetch_lock: tokio::sync::Mutex<()>,
}

impl RemoteKeys {
    /// An empty cache of the JWKS at `url`; the background task fills it.
    pub(crate) fn new(
        http: reqwest::Client,
        url: reqwest::Url,
        refresh_interval: Duration,
        min_refetch_interval: Duration,
    ) -> Self {
        Self {
            http,
            url,
            refresh_interval,
            min_refetch_interval,
            keys: RwLock::new(None),
            status: Mutex::new(Status::default()),
            fetch_lock: tokio::sync::Mutex::new(()),
        }
    }

    /// The cached keys, if a fetch ever succeeded.
    pub(crate) fn current(&self) -> Option<Arc<KeySet>> {
        self.keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn status<T>(&self, read: impl FnOnce(&mut Status) -> T) -> T {
        read(&mut self.status.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// The cached keys; fetched first (rate-limited) if no fetch ever succeeded.
    pub(crate) async fn keys(&self) -> Result<Arc<KeySet>, VerifyError> {
        if let Some(keys) = self.current() {
            return Ok(keys);
        }
        self.fetch_if_due().await;
        self.current().ok_or_else(|| self.no_keys())
    }

    /// The keys after an on-demand refetch (rate-limited) for a token naming `kid`, if
    /// they now hold it.
    pub(crate) async fn refetched_for(&self, kid: &str) -> Option<Arc<KeySet>> {
        self.fetch_if_due().await;
        self.current().filter(|keys| keys.contains(kid))
    }

    fn no_keys(&self) -> VerifyError {
        let reason = self.status(|s| s.last_error.clone());
        VerifyError::NoKeys(reason.unwrap_or_else(|| "the JWKS has not been fetched yet".into()))
    }

    /// Whether an on-demand fetch may run now.
    fn fetch_due(&self) -> bool {
        self.status(|s| {
            s.last_attempt
                .is_none_or(|last| last.elapsed() >= self.min_refetch_interval)
        })
    }

    /// Fetches on demand, unless a fetch ran less than `min_refetch_interval` ago. A
    /// caller that finds a fetch in flight waits for it rather than starting another.
    async fn fetch_if_due(&self) {
        if !self.fetch_due() {
            return;
        }
        let _in_flight = self.fetch_lock.lock().await;
        if self.fetch_due() {
            // The outcome is recorded in `status` and, on success, in `keys`.
            let _ = self.fetch_locked().await;
        }
    }

    /// Fetches now, whatever the rate limit says.
    pub(crate) async fn fetch_now(&self) -> Result<(), VerifyError> {
        let _in_flight = self.fetch_lock.lock().await;
        self.fetch_locked().await
    }

    /// One fetch; the caller holds `fetch_lock`.
    async fn fetch_locked(&self) -> Result<(), VerifyError> {
        let result = self.download().await;
        let now = Instant::now();
        match result {
            Ok(keys) => {
                tracing::debug!(url = %self.url, keys = keys.len(), "fetched the JWKS");
                *self.keys.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(keys));
                self.status(|s| {
                    s.last_attempt = Some(now);
                    s.last_success = Some(now);
                    s.last_error = None;
                });
                Ok(())
            }
            Err(reason) => {
                tracing::warn!(url = %self.url, error = %reason, "could not fetch the JWKS; keeping the cached keys");
                self.status(|s| {
                    s.last_attempt = Some(now);
                    s.last_error = Some(reason.clone());
                });
                Err(VerifyError::NoKeys(reason))
            }
        }
    }

    async fn download(&self) -> Result<KeySet, String> {
        let body = get_limited(&self.http, &self.url, None, MAX_JWKS_BYTES).await?;
        let keys = KeySet::from_jwks_json(&body)
            .map_err(|_| format!("{} did not answer with a JWKS document", self.url))?;
        // latchkeyd always publishes its current key: an empty set means a proxy or
        // configuration error, and must not wipe out keys that work.
        if keys.is_empty() {
            return Err(format!("{} published no usable key", self.url));
        }
        Ok(keys)
    }

    /// One turn of the background task: fetches if the keys are `refresh_interval` old
    /// (or were never fetched), and returns how long to sleep before the next turn.
    async fn background_turn(&self) -> Duration {
        {
            let _in_flight = self.fetch_lock.lock().await;
            let stale = self.status(|s| {
                s.last_success
                    .is_none_or(|t| t.elapsed() >= self.refresh_interval)
            });
            if stale {
                let _ = self.fetch_locked().await;
            }
        }
        let retry = self.min_refetch_interval.max(Duration::from_secs(1));
        self.status(|s| match s.last_success {
            Some(t) if t.elapsed() < self.refresh_interval => {
                self.refresh_interval.saturating_sub(t.elapsed())
            }
            _ => retry,
        })
        .max(Duration::from_millis(100))
    }
}

/// Keeps the cache fresh until the last [`Verifier`](crate::Verifier) sharing it is dropped.
pub(crate) async fn refresh_in_background(keys: Weak<RemoteKeys>) {
    loop {
        let Some(keys) = keys.upgrade() else { return };
        let pause = keys.background_turn().await;
        drop(keys);
        tokio::time::sleep(pause).await;
    }
}

/// GETs `url` (with `Accept: accept`, if given) and returns its body, refusing an answer
/// that is not a success or is larger than `max` bytes; the error names the URL.
pub(crate) async fn get_limited(
    http: &reqwest::Client,
    url: &reqwest::Url,
    accept: Option<&str>,
    max: usize,
) -> Result<Vec<u8>, String> {
    let failed = |e: reqwest::Error| format!("could not fetch {url}: {e}");
    let mut request = http.get(url.clone());
    if let Some(accept) = accept {
        request = request.header(reqwest::header::ACCEPT, accept);
    }
    let mut response = request.send().await.map_err(failed)?;
    if !response.status().is_success() {
        return Err(format!("{url} answered {}", response.status()));
    }
    let too_large = || format!("{url} sent more than {max} bytes");
    if response
        .content_length()
        .is_some_and(|len| len > max as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(failed)? {
        if body.len() + chunk.len() > max {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
