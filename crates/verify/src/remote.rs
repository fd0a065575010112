//! [`VerifierBuilder`] (feature `remote`): a [`Verifier`] whose keys are fetched from the
//! issuer's `/.well-known/jwks.json`, cached and kept fresh by `jwks_cache`, whose
//! module documentation gives the cache's rules.

use std::sync::Arc;
use std::time::Duration;

use latchkey_proto::{Kind, Scope};

use crate::clock::{Clock, SystemClock};
use crate::jwks_cache::RemoteKeys;
use crate::key_source::KeySource;
use crate::status_list::{StatusCheck, StatusLists};
use crate::{Validation, Verifier};

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
/// at most one unknown-`kid` refetch per 10 seconds, 10 s HTTP timeout, status lists
/// checked and failing closed.
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
    status_check: StatusCheck,
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
            status_check: StatusCheck::FailClosed,
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

    /// What to do with a token's `status` claim (default [`StatusCheck::FailClosed`]):
    /// check its bit in the issuer's status list, fetched on first sight and again each
    /// `ttl` in the background; refuse (closed) or accept (open) a token whose list could
    /// never be fetched; or not check at all ([`StatusCheck::Off`]).
    ///
    /// ```
    /// use latchkey_verify::{StatusCheck, Verifier};
    /// let b = Verifier::builder("https://a.test").status_check(StatusCheck::FailOpen);
    /// # let _ = b;
    /// ```
    pub fn status_check(mut self, check: StatusCheck) -> Self {
        self.status_check = check;
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
        let lists = (self.status_check != StatusCheck::Off).then(|| {
            Arc::new(StatusLists::new(
                http.clone(),
                rules.issuer(),
                self.status_check,
            ))
        });
        let remote = Arc::new(RemoteKeys::new(
            http,
            jwks_url,
            self.refresh_interval,
            self.min_refetch_interval,
        ));
        runtime.spawn(crate::jwks_cache::refresh_in_background(Arc::downgrade(
            &remote,
        )));
        let verifier = Verifier::new(KeySource::Remote(remote), rules, self.clock);
        Ok(match lists {
            Some(lists) => verifier.with_status_lists(lists),
            None => verifier,
        })
    }
}
