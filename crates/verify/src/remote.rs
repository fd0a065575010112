//! Keys fetched from the issuer's `/.well-known/jwks.json`, cached and kept fresh
//! (feature `remote`).
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

use latchkey_proto::{Claims, Kind, Scope};
use tokio::time::Instant;

use crate::clock::{Clock, SystemClock};
use crate::verifier::Keys;
use crate::{KeySet, Validation, Verifier, VerifyError};

/// The largest JWKS body accepted; a Latchkey JWKS holds a handful of keys (< 2 KiB).
const MAX_JWKS_BYTES: usize = 256 * 1024;

/// Why a [`VerifierBuilder`] could not build a verifier.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The issuer (or the JWKS URL) is not an `http` or `https` URL.
    #[error("invalid URL {0:?}: expected http:// or https://")]
    InvalidUrl(String),
    /// A scope given to the builder is not a valid scope string.
    #[error("invalid required scope: {0}")]
    InvalidScope(#[from] latchkey_proto::ScopeError),
    /// `build` was called outside a Tokio runtime, which the background refresh needs.
    #[error("the verifier must be built inside a Tokio runtime")]
    NoRuntime,
    /// The HTTP client could not be created.
    #[error("could not create the HTTP client: {0}")]
    HttpClient(#[source] reqwest::Error),
}

/// Configures a [`Verifier`] that fetches its keys from the issuer.
///
/// Defaults: audience = issuer, JWKS at `<issuer>/.well-known/jwks.json`, both access-token
/// kinds accepted, no required scope, 60 s leeway, background refresh every 5 minutes,
/// at most one unknown-`kid` refetch per 10 seconds, 10 s HTTP timeout.
///
/// ```
/// use std::time::Duration;
/// use latchkey_verify::{Kind, Verifier};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let verifier = Verifier::builder("http://127.0.0.1:8400")
///     .audience("http://127.0.0.1:8400")
///     .kinds(&[Kind::AccountAccess, Kind::ClientAccess])
///     .required_scope("nodes:read")
///     .leeway(30)
///     .refresh_interval(Duration::from_secs(300))
///     .min_refetch_interval(Duration::from_secs(10))
///     .build()?;
/// assert_eq!(verifier.rules().issuer(), "http://127.0.0.1:8400");
/// # Ok(())
/// # }
/// ```
#[must_use = "a builder does nothing until `build` is called"]
pub struct VerifierBuilder {
    issuer: String,
    audience: Option<String>,
    jwks_url: Option<String>,
    kinds: Vec<Kind>,
    required_scope: String,
    leeway: u32,
    refresh_interval: Duration,
    min_refetch_interval: Duration,
    timeout: Duration,
    clock: Arc<dyn Clock>,
    http: Option<reqwest::Client>,
}

impl Verifier {
    /// Starts configuring a verifier for tokens from `issuer` (e.g.
    /// `http://127.0.0.1:8400`), with keys from `<issuer>/.well-known/jwks.json`.
    ///
    /// The issuer is compared with the `iss` claim exactly as given; a trailing `/` is
    /// dropped only to build the JWKS URL.
    ///
    /// ```
    /// let builder = latchkey_verify::Verifier::builder("https://auth.example.com");
    /// # let _ = builder;
    /// ```
    pub fn builder(issuer: impl Into<String>) -> VerifierBuilder {
        VerifierBuilder {
            issuer: issuer.into(),
            audience: None,
            jwks_url: None,
            kinds: vec![Kind::AccountAccess, Kind::ClientAccess],
            required_scope: String::new(),
            leeway: 60,
            refresh_interval: Duration::from_secs(300),
            min_refetch_interval: Duration::from_secs(10),
            timeout: Duration::from_secs(10),
            clock: Arc::new(SystemClock),
            http: None,
        }
    }
}

impl VerifierBuilder {
    /// The audience tokens must be for (default: the issuer, as latchkeyd issues them).
    ///
    /// ```
    /// let b = latchkey_verify::Verifier::builder("https://a.test").audience("https://nodes.a.test");
    /// # let _ = b;
    /// ```
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Where to fetch the JWKS (default: `<issuer>/.well-known/jwks.json`).
    ///
    /// ```
    /// let b = latchkey_verify::Verifier::builder("https://a.test")
    ///     .jwks_url("http://latchkeyd.internal:8400/.well-known/jwks.json");
    /// # let _ = b;
    /// ```
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        self.jwks_url = Some(url.into());
        self
    }

    /// The token kinds accepted (default: `account_access` and `client_access`).
    ///
    /// ```
    /// use latchkey_verify::{Kind, Verifier};
    /// let b = Verifier::builder("https://a.test").kinds(&[Kind::ClientAccess]);
    /// # let _ = b;
    /// ```
    pub fn kinds(mut self, kinds: &[Kind]) -> Self {
        self.kinds = kinds.to_vec();
        self
    }

    /// Space-separated scopes every token must carry (default: none); checked by `build`.
    ///
    /// ```
    /// let b = latchkey_verify::Verifier::builder("https://a.test").required_scope("nodes:read");
    /// # let _ = b;
    /// ```
    pub fn required_scope(mut self, scope: impl Into<String>) -> Self {
        self.required_scope = scope.into();
        self
    }

    /// Clock-skew allowance on `exp` and `nbf`, in seconds (default 60).
    ///
    /// ```
    /// let b = latchkey_verify::Verifier::builder("https://a.test").leeway(5);
    /// # let _ = b;
    /// ```
    pub fn leeway(mut self, seconds: u32) -> Self {
        self.leeway = seconds;
        self
    }

    /// Age at which the background task refetches the JWKS (default 5 minutes, the
    /// `max-age` latchkeyd serves it with). Keys no longer published are dropped then, so
    /// this is also the longest a revoked key still verifies after the issuer withdrew it.
    ///
    /// ```
    /// let b = latchkey_verify::Verifier::builder("https://a.test")
    ///     .refresh_interval(std::time::Duration::from_secs(60));
    /// # let _ = b;
    /// ```
    pub fn refresh_interval(mut self, interval: Duration) -> Self {
        self.refresh_interval = interval;
        self
    }

    /// Minimum gap between on-demand fetches (unknown `kid`, no keys yet), and the retry
    /// delay of the background task after a failure (default 10 s).
    ///
    /// ```
    /// let b = latchkey_verify::Verifier::builder("https://a.test")
    ///     .min_refetch_interval(std::time::Duration::from_secs(30));
    /// # let _ = b;
    /// ```
    pub fn min_refetch_interval(mut self, interval: Duration) -> Self {
        self.min_refetch_interval = interval;
        self
    }

    /// Timeout of one JWKS request (default 10 s). Ignored with [`VerifierBuilder::http_client`].
    ///
    /// ```
    /// let b = latchkey_verify::Verifier::builder("https://a.test")
    ///     .timeout(std::time::Duration::from_secs(3));
    /// # let _ = b;
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The clock `exp` and `nbf` are checked against (default: the system clock).
    ///
    /// ```
    /// let b = latchkey_verify::Verifier::builder("https://a.test").clock(|| 1_700_000_000);
    /// # let _ = b;
    /// ```
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The HTTP client to fetch the JWKS with (default: a new one with the timeout above).
    ///
    /// ```
    /// let b = latchkey_verify::Verifier::builder("https://a.test").http_client(reqwest::Client::new());
    /// # let _ = b;
    /// ```
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Builds the verifier and starts its background refresh, which fetches the keys
    /// at once and stops when the last clone of the verifier is dropped.
    ///
    /// # Errors
    ///
    /// [`BuildError`] for an issuer or JWKS URL that is not `http(s)`, an invalid scope,
    /// a call outside a Tokio runtime, or an HTTP client that cannot be created.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let err = latchkey_verify::Verifier::builder("ftp://a.test").build().unwrap_err();
    /// assert!(matches!(err, latchkey_verify::BuildError::InvalidUrl(_)));
    /// # }
    /// ```
    pub fn build(self) -> Result<Verifier, BuildError> {
        let jwks_url = self.jwks_url.unwrap_or_else(|| {
            format!(
                "{}/.well-known/jwks.json",
                self.issuer.trim_end_matches('/')
            )
        });
        for url in [&self.issuer, &jwks_url] {
            let parsed =
                reqwest::Url::parse(url).map_err(|_| BuildError::InvalidUrl(url.clone()))?;
            if !matches!(parsed.scheme(), "http" | "https") || !parsed.has_host() {
                return Err(BuildError::InvalidUrl(url.clone()));
            }
        }
        let jwks_url =
            reqwest::Url::parse(&jwks_url).map_err(|_| BuildError::InvalidUrl(jwks_url.clone()))?;
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| BuildError::NoRuntime)?;
        let http = match self.http {
            Some(client) => client,
            None => reqwest::Client::builder()
                .timeout(self.timeout)
                .build()
                .map_err(BuildError::HttpClient)?,
        };
        let audience = self.audience.unwrap_or_else(|| self.issuer.clone());
        let rules = Validation::access(self.issuer, audience)
            .with_kinds(&self.kinds)
            .with_required_scope(Scope::parse(&self.required_scope)?)
            .with_leeway(self.leeway);
        let remote = Arc::new(RemoteKeys {
            http,
            url: jwks_url,
            refresh_interval: self.refresh_interval,
            min_refetch_interval: self.min_refetch_interval,
            keys: RwLock::new(None),
            status: Mutex::new(Status::default()),
            fetch_lock: tokio::sync::Mutex::new(()),
        });
        runtime.spawn(refresh_in_background(Arc::downgrade(&remote)));
        Ok(Verifier::new(Keys::Remote(remote), rules, self.clock))
    }
}

/// When the JWKS was last fetched, and how that went.
#[derive(Default)]
struct Status {
    last_attempt: Option<Instant>,
    last_success: Option<Instant>,
    last_error: Option<String>,
}

/// The cache of one issuer's keys, shared by every clone of a [`Verifier`].
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

    pub(crate) async fn verify(
        &self,
        token: &str,
        rules: &Validation,
        now: i64,
    ) -> Result<Claims, VerifyError> {
        let keys = match self.current() {
            Some(keys) => keys,
            None => {
                self.fetch_if_due().await;
                self.current().ok_or_else(|| self.no_keys())?
            }
        };
        match crate::verify(token, &keys, rules, now) {
            Err(VerifyError::UnknownKey(kid)) => {
                self.fetch_if_due().await;
                match self.current() {
                    Some(fresh) if fresh.contains(&kid) => crate::verify(token, &fresh, rules, now),
                    _ => Err(VerifyError::UnknownKey(kid)),
                }
            }
            other => other,
        }
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
        let failed = |e: reqwest::Error| format!("could not fetch {}: {e}", self.url);
        let mut response = self
            .http
            .get(self.url.clone())
            .send()
            .await
            .map_err(failed)?;
        if !response.status().is_success() {
            return Err(format!("{} answered {}", self.url, response.status()));
        }
        let too_large = || format!("{} sent more than {MAX_JWKS_BYTES} bytes", self.url);
        if response
            .content_length()
            .is_some_and(|len| len > MAX_JWKS_BYTES as u64)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(failed)? {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
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

/// Keeps the cache fresh until the last [`Verifier`] sharing it is dropped.
async fn refresh_in_background(keys: Weak<RemoteKeys>) {
    loop {
        let Some(keys) = keys.upgrade() else { return };
        let pause = keys.background_turn().await;
        drop(keys);
        tokio::time::sleep(pause).await;
    }
}
