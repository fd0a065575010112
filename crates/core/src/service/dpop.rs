//! DPoP (RFC 9449) at the token endpoints: the proof a request carries, checked once,
//! becomes the key thumbprint its tokens are bound to.
//!
//! The proof must be for `POST <issuer><path>`; its `jti` is remembered by this
//! instance for the proof window (one replay cache per instance: behind a load balancer
//! without affinity a proof could be replayed once at another instance within the
//! window, which only gets its holder another token bound to the same key).

use super::Latchkey;
use crate::{Error, Result};

impl Latchkey {
    /// The thumbprint of the key of the request's DPoP proof, if it carries one.
    /// `proofs` are the values of its `DPoP` headers (more than one is refused).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidDpopProof`] for several proofs or an invalid one.
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
        self.dpop
            .verify(proof, &request, self.now())
            .map(|proof| Some(proof.jkt))
            .map_err(|e| Error::InvalidDpopProof(e.to_string()))
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
