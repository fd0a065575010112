//! Where a [`Verifier`](crate::Verifier)'s keys come from: a fixed set, or (feature
//! `remote`) the issuer's JWKS behind the cache of `jwks_cache`.
//!
//! The verifier reads its keys only through [`KeySource`], so the verifier and the
//! remote cache do not import each other.

use std::sync::Arc;

use latchkey_proto::Claims;

use crate::{KeySet, Validation, VerifyError};

/// A verifier's keys.
#[derive(Clone)]
pub(crate) enum KeySource {
    /// A fixed key set, given at construction.
    Static(Arc<KeySet>),
    /// The issuer's JWKS, fetched over HTTP and cached.
    #[cfg(feature = "remote")]
    Remote(Arc<crate::jwks_cache::RemoteKeys>),
}

impl KeySource {
    /// Verifies `token` against these keys and `rules` at `now`; remote keys are
    /// refetched once (rate-limited) for an unknown `kid`.
    pub(crate) async fn verify(
        &self,
        token: &str,
        rules: &Validation,
        now: i64,
    ) -> Result<Claims, VerifyError> {
        self.with_keys(|keys| crate::verify(token, keys, rules, now))
            .await
    }

    /// Runs `check` with these keys; with remote keys, once more after a refetch
    /// (rate-limited) if it fails on a `kid` the cache does not hold.
    pub(crate) async fn with_keys<T>(
        &self,
        check: impl Fn(&KeySet) -> Result<T, VerifyError>,
    ) -> Result<T, VerifyError> {
        match self {
            Self::Static(keys) => check(keys),
            #[cfg(feature = "remote")]
            Self::Remote(remote) => {
                let keys = remote.keys().await?;
                match check(&keys) {
                    Err(VerifyError::UnknownKey(kid)) => match remote.refetched_for(&kid).await {
                        Some(fresh) => check(&fresh),
                        None => Err(VerifyError::UnknownKey(kid)),
                    },
                    other => other,
                }
            }
        }
    }

    /// Fetches remote keys now, whatever the cache holds; fixed keys need nothing.
    pub(crate) async fn fetch_now(&self) -> Result<(), VerifyError> {
        match self {
            Self::Static(_) => Ok(()),
            #[cfg(feature = "remote")]
            Self::Remote(remote) => remote.fetch_now().await,
        }
    }

    /// How many usable keys are held now.
    pub(crate) fn count(&self) -> usize {
        match self {
            Self::Static(keys) => keys.len(),
            #[cfg(feature = "remote")]
            Self::Remote(remote) => remote.current().map_or(0, |keys| keys.len()),
        }
    }
}
