//! [`Verifier`]: the rules and the keys together, cheap to clone and share between
//! requests.
//!
//! A verifier holds its keys either fixed ([`Verifier::from_keys`]) or fetched from the
//! issuer's JWKS and kept fresh (`Verifier::builder`, with the `remote` feature).

use std::sync::Arc;

use latchkey_proto::{Claims, Kind, Scope};

use crate::clock::{Clock, SystemClock};
use crate::dpop::DpopVerifier;
use crate::key_source::KeySource;
use crate::{KeySet, Validation, VerifyError};

/// Verifies access tokens: a [`Validation`] plus the keys to check signatures with.
///
/// Cloning is cheap (a few `Arc`s), and clones share one key cache, so a service makes
/// one verifier at start and hands clones to every request. Derived verifiers
/// ([`Verifier::with_required_scope`], [`Verifier::with_kinds`]) share the cache too.
///
/// ```
/// use latchkey_verify::{KeySet, Validation, Verifier, VerifyError};
/// # tokio_test_block_on(async {
/// let verifier = Verifier::from_keys(
///     KeySet::default(),
///     Validation::access("https://auth.example.com", "https://auth.example.com"),
/// );
/// let err = verifier.verify("not-a-token").await.unwrap_err();
/// assert!(matches!(err, VerifyError::Malformed(_)));
/// # });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let mut f = std::pin::pin!(f);
/// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
/// # }
/// ```
#[derive(Clone)]
pub struct Verifier {
    keys: KeySource,
    rules: Arc<Validation>,
    clock: Arc<dyn Clock>,
    /// The issuer's status lists (remote verifiers whose status check is not off).
    #[cfg(feature = "remote")]
    status: Option<Arc<crate::status_list::StatusLists>>,
    /// DPoP proofs of bound tokens, with the replay cache all clones share.
    pub(crate) dpop: DpopVerifier,
}

impl Verifier {
    /// A verifier with a fixed key set, e.g. keys loaded from a file, or a service that
    /// holds its own keys.
    ///
    /// ```
    /// use latchkey_verify::{KeySet, Validation, Verifier};
    /// let keys = KeySet::from_jwks_json(br#"{"keys":[]}"#).unwrap();
    /// let verifier = Verifier::from_keys(keys, Validation::access("https://a.test", "https://a.test"));
    /// assert_eq!(verifier.rules().issuer(), "https://a.test");
    /// ```
    #[must_use]
    pub fn from_keys(keys: KeySet, rules: Validation) -> Self {
        Self::new(
            KeySource::Static(Arc::new(keys)),
            rules,
            Arc::new(SystemClock),
        )
    }

    pub(crate) fn new(keys: KeySource, rules: Validation, clock: Arc<dyn Clock>) -> Self {
        Self {
            keys,
            rules: Arc::new(rules),
            clock,
            #[cfg(feature = "remote")]
            status: None,
            dpop: DpopVerifier::new(),
        }
    }

    /// This verifier, checking tokens' `status` claims against `lists`.
    #[cfg(feature = "remote")]
    pub(crate) fn with_status_lists(mut self, lists: Arc<crate::status_list::StatusLists>) -> Self {
        self.status = Some(lists);
        self
    }

    /// The rules tokens are checked against.
    ///
    /// ```
    /// use latchkey_verify::{KeySet, Validation, Verifier};
    /// let verifier = Verifier::from_keys(KeySet::default(), Validation::access("https://a.test", "api"));
    /// assert_eq!(verifier.rules().audience(), "api");
    /// ```
    #[must_use]
    pub fn rules(&self) -> &Validation {
        &self.rules
    }

    /// A verifier sharing this one's keys that also requires every token of `scope`,
    /// e.g. for one route. The scopes already required stay required.
    ///
    /// ```
    /// use latchkey_verify::{KeySet, Scope, Validation, Verifier};
    /// let base = Verifier::from_keys(KeySet::default(), Validation::access("https://a.test", "https://a.test"));
    /// let read = base.with_required_scope(&Scope::parse("nodes:read").unwrap());
    /// assert!(read.rules().required_scope().contains("nodes:read"));
    /// assert!(base.rules().required_scope().is_empty());
    /// ```
    #[must_use]
    pub fn with_required_scope(&self, scope: &Scope) -> Self {
        let required = union(self.rules.required_scope(), scope);
        self.with_rules(self.rules.as_ref().clone().with_required_scope(required))
    }

    /// A verifier sharing this one's keys that accepts only tokens of these kinds.
    ///
    /// ```
    /// use latchkey_verify::{KeySet, Kind, Validation, Verifier};
    /// let base = Verifier::from_keys(KeySet::default(), Validation::access("https://a.test", "https://a.test"));
    /// let accounts_only = base.with_kinds(&[Kind::AccountAccess]);
    /// assert_eq!(accounts_only.rules().kinds(), &[Kind::AccountAccess]);
    /// ```
    #[must_use]
    pub fn with_kinds(&self, kinds: &[Kind]) -> Self {
        self.with_rules(self.rules.as_ref().clone().with_kinds(kinds))
    }

    /// A verifier sharing this one's keys with other rules altogether.
    ///
    /// ```
    /// use latchkey_verify::{KeySet, Validation, Verifier};
    /// let base = Verifier::from_keys(KeySet::default(), Validation::access("https://a.test", "https://a.test"));
    /// let lenient = base.with_rules(base.rules().clone().with_leeway(120));
    /// assert_eq!(lenient.rules().leeway(), 120);
    /// ```
    #[must_use]
    pub fn with_rules(&self, rules: Validation) -> Self {
        Self {
            keys: self.keys.clone(),
            rules: Arc::new(rules),
            clock: Arc::clone(&self.clock),
            #[cfg(feature = "remote")]
            status: self.status.clone(),
            dpop: self.dpop.clone(),
        }
    }

    /// This verifier, reading the time from `clock` (tests use a fixed clock to check
    /// expiry without waiting).
    ///
    /// ```
    /// use latchkey_verify::{KeySet, Validation, Verifier};
    /// let at_noon = Verifier::from_keys(KeySet::default(), Validation::access("https://a.test", "https://a.test"))
    ///     .with_clock(|| 1_700_000_000);
    /// # let _ = at_noon;
    /// ```
    #[must_use]
    pub fn with_clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// This verifier, checking DPoP proofs with `dpop` (its window and replay cache).
    #[must_use]
    pub fn with_dpop(mut self, dpop: DpopVerifier) -> Self {
        self.dpop = dpop;
        self
    }

    /// Now, by the verifier's clock (Unix seconds).
    pub(crate) fn now(&self) -> i64 {
        self.clock.now_unix()
    }

    /// Verifies `token` and returns its claims.
    ///
    /// With remote keys, a token naming a key id the cache does not hold makes the
    /// verifier refetch the JWKS once (at most once per the configured interval, however
    /// many such tokens arrive) and try again, so a newly rotated key is picked up
    /// without a restart.
    ///
    /// A remote verifier then checks the token's `status` claim, if it has one, against
    /// the issuer's status list (see `StatusCheck`): a token whose bit is set is
    /// [`VerifyError::Revoked`].
    ///
    /// # Errors
    ///
    /// The [`VerifyError`] naming the rule the token breaks; [`VerifyError::NoKeys`] if
    /// remote keys could never be fetched; [`VerifyError::StatusUnavailable`] if its
    /// status list could never be fetched and the verifier fails closed. [`VerifyError::is_forbidden`] tells a 403 from
    /// a 401.
    ///
    /// ```
    /// use latchkey_verify::{KeySet, Validation, Verifier, VerifyError};
    /// # let mut f = std::pin::pin!(async {
    /// let verifier = Verifier::from_keys(KeySet::default(), Validation::access("https://a.test", "https://a.test"));
    /// // {"alg":"none"}: refused before any key is looked at.
    /// let err = verifier.verify("eyJhbGciOiJub25lIn0.e30.").await.unwrap_err();
    /// assert!(matches!(err, VerifyError::UnsupportedAlgorithm(_)));
    /// # });
    /// # let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// # while f.as_mut().poll(&mut cx).is_pending() {}
    /// ```
    ///
    /// A DPoP-bound token (one with `cnf.jkt`) is refused here with
    /// [`VerifyError::DpopBinding`]: without its proof it is a stolen token as far as
    /// anyone can tell. Use [`Verifier::verify_presented`] to accept it with its proof.
    pub async fn verify(&self, token: &str) -> Result<Claims, VerifyError> {
        let claims = self.verify_unbound(token).await?;
        if claims.dpop_jkt().is_some() {
            return Err(VerifyError::DpopBinding(
                "a DPoP-bound token must be sent as `Authorization: DPoP` with a proof",
            ));
        }
        Ok(claims)
    }

    /// [`Verifier::verify`] without the refusal of bound tokens: for
    /// [`Verifier::verify_presented`], which checks the binding itself.
    pub(crate) async fn verify_unbound(&self, token: &str) -> Result<Claims, VerifyError> {
        let now = self.clock.now_unix();
        let claims = self.keys.verify(token, &self.rules, now).await?;
        #[cfg(feature = "remote")]
        if let Some(lists) = &self.status {
            lists.check(&claims, &self.keys, now).await?;
        }
        Ok(claims)
    }

    /// The status-list counters: lists fetched, failed fetches, tokens refused as
    /// revoked (all zero when the verifier checks no status lists).
    ///
    /// ```
    /// use latchkey_verify::{KeySet, StatusStats, Validation, Verifier};
    /// let verifier = Verifier::from_keys(KeySet::default(), Validation::access("https://a.test", "https://a.test"));
    /// assert_eq!(verifier.status_stats(), StatusStats::default());
    /// ```
    #[cfg(feature = "remote")]
    #[must_use]
    pub fn status_stats(&self) -> crate::StatusStats {
        self.status
            .as_ref()
            .map(|lists| lists.stats())
            .unwrap_or_default()
    }

    /// Fetches the issuer's JWKS now, whatever the cache holds, e.g. at start so that a
    /// misconfigured issuer shows up in the log at once. With fixed keys, does nothing.
    ///
    /// A failed fetch leaves the cached keys in place.
    ///
    /// # Errors
    ///
    /// [`VerifyError::NoKeys`] with the reason the JWKS could not be fetched or used.
    ///
    /// ```
    /// use latchkey_verify::{KeySet, Validation, Verifier};
    /// # let mut f = std::pin::pin!(async {
    /// let verifier = Verifier::from_keys(KeySet::default(), Validation::access("https://a.test", "https://a.test"));
    /// assert!(verifier.fetch_keys().await.is_ok());
    /// # });
    /// # let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// # while f.as_mut().poll(&mut cx).is_pending() {}
    /// ```
    pub async fn fetch_keys(&self) -> Result<(), VerifyError> {
        self.keys.fetch_now().await
    }

    /// Fetches the keys once at a service's start and logs the outcome: the number of
    /// keys, or a warning that the background refresh keeps trying. Never fails: a
    /// service built on this crate answers 503 until keys arrive, rather than refusing to
    /// start while the issuer is down.
    ///
    /// ```
    /// use latchkey_verify::{KeySet, Validation, Verifier};
    /// # let mut f = std::pin::pin!(async {
    /// let verifier = Verifier::from_keys(KeySet::default(), Validation::access("https://a.test", "https://a.test"));
    /// verifier.fetch_keys_at_start().await;
    /// # });
    /// # let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// # while f.as_mut().poll(&mut cx).is_pending() {}
    /// ```
    pub async fn fetch_keys_at_start(&self) {
        let issuer = self.rules.issuer();
        match self.fetch_keys().await {
            Ok(()) => {
                tracing::info!(%issuer, keys = self.key_count(), "fetched the issuer's keys");
            }
            Err(err) => tracing::warn!(
                %issuer,
                error = %err,
                "could not fetch the issuer's keys yet; retrying in the background"
            ),
        }
    }

    /// How many usable keys the verifier holds now (0 before the first successful fetch).
    ///
    /// ```
    /// use latchkey_verify::{KeySet, Validation, Verifier};
    /// let verifier = Verifier::from_keys(KeySet::default(), Validation::access("https://a.test", "https://a.test"));
    /// assert_eq!(verifier.key_count(), 0);
    /// ```
    #[must_use]
    pub fn key_count(&self) -> usize {
        self.keys.count()
    }
}

/// The scopes of both sets.
fn union(a: &Scope, b: &Scope) -> Scope {
    let joined = a.iter().chain(b.iter()).collect::<Vec<_>>().join(" ");
    // Both sets hold only valid scope tokens, so their union parses; should it ever not,
    // requiring `b` alone keeps the route's own requirement.
    Scope::parse(&joined).unwrap_or_else(|_| b.clone())
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("rules", &self.rules)
            .field("keys", &self.key_count())
            .finish_non_exhaustive()
    }
}
