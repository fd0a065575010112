//! DPoP (RFC 9449) at the token endpoints: the proof a request carries, checked once,
//! becomes the key thumbprint its tokens are bound to.
//!
//! The proof must be for `POST <issuer><path>`; its `jti` is remembered by this
//! instance for the proof window (one replay cache per instance: behind a load balancer
//! without affinity a proof could be replayed once at another instance within the
//! window, which only gets its holder another token bound to the same key).
//!
//! With `dpop_require_nonce` on, the proof must also carry a nonce this service handed
//! out recently ([`Latchkey::dpop_nonce`], see `dpop_nonce.rs`).

use super::{Latchkey, dpop_nonce};
use crate::{Error, Result};

/// Why a proof without a nonce is refused when nonces are required.
const NONCE_MISSING: &str =
    "this service requires a DPoP nonce: sign a new proof with the nonce of the DPoP-Nonce header";
/// Why a proof with a made-up or expired nonce is refused.
const NONCE_STALE: &str = "the DPoP nonce is unknown or expired: sign a new proof with the nonce of the DPoP-Nonce header";

impl Latchkey {
    /// The thumbprint of the key of the request's DPoP proof, if it carries one.
    /// `proofs` are the values of its `DPoP` headers (more than one is refused).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidDpopProof`] for several proofs or an invalid one;
    /// [`Error::UseDpopNonce`] when nonces are required and the proof's is missing,
    /// unknown or expired.
    pub fn dpop_key(&self, proofs: &[&str], method: &str, path: &str) -> Result<Option<String>> {
        let proof = match proofs {
            [] => return Ok(None),
            [one] => *one,
            _ => {
                return Err(Error::InvalidDpopProof(
                    "a request carries at most one DPoP header".into(),
                ));
            }
        };
        let uri = format!("{}{path}", self.settings.issuer);
        let request = latchkey_verify::dpop::DpopRequest::new(method, &uri);
        let now = self.now();
        let proof = self
            .dpop
            .verify(proof, &request, now)
            .map_err(|e| Error::InvalidDpopProof(e.to_string()))?;
        if self.settings.policies.dpop_require_nonce {
            self.check_nonce(proof.nonce.as_deref(), now)?;
        }
        Ok(Some(proof.jkt))
    }

    /// The nonce DPoP proofs at the token endpoints must carry now, when this service
    /// requires nonces (sent as `DPoP-Nonce` with every answer to a DPoP request).
    #[must_use]
    pub fn dpop_nonce(&self) -> Option<String> {
        let policies = &self.settings.policies;
        policies.dpop_require_nonce.then(|| {
            let slot = dpop_nonce::slot(self.now(), policies.dpop_proof_window);
            dpop_nonce::make(self.keys.signing_key().nonce_key(), slot)
        })
    }

    fn check_nonce(&self, nonce: Option<&str>, now: i64) -> Result<()> {
        let nonce = nonce.ok_or(Error::UseDpopNonce(NONCE_MISSING))?;
        let slot = dpop_nonce::slot(now, self.settings.policies.dpop_proof_window);
        let state = self.keys.state();
        let keys = std::iter::once(&state.current)
            .chain(state.next.as_ref().map(|(_, next)| next))
            .map(|key| key.nonce_key());
        if dpop_nonce::accepts(nonce, slot, keys) {
            Ok(())
        } else {
            Err(Error::UseDpopNonce(NONCE_STALE))
        }
    }
}

/// The DPoP keys of a refresh: the session's (its refresh tokens stay bound to it) and
/// the request's proof's (the new access token is bound to it).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Binding<'a> {
    pub(super) refresh: Option<&'a str>,
    pub(super) access: Option<&'a str>,
}

/// Refuses a refresh token bound to a key unless the request's proof is by that key.
pub(super) fn check_bound(bound: Option<&str>, presented: Option<&str>) -> Result<()> {
    match (bound, presented) {
        (None, _) => Ok(()),
        (Some(_), None) => Err(Error::InvalidDpopProof(
            "this refresh token is DPoP-bound: send a DPoP proof by its key".into(),
        )),
        (Some(bound), Some(presented)) if bound == presented => Ok(()),
        (Some(_), Some(_)) => Err(Error::InvalidDpopProof(
            "the DPoP proof is not by the key this refresh token is bound to".into(),
        )),
    }
}
