//! Sender-constrained tokens at a resource service (RFC 9449 §7): a DPoP-bound token
//! (`cnf.jkt`) is accepted only as `Authorization: DPoP <token>` with a `DPoP` proof by
//! its key for this very request (`htm`, `htu`, `ath`), never as a bearer token.
//!
//! [`Verifier::verify_presented`] takes the method and the URI the client addressed, so
//! that a forward-auth service can pass the original request's (from
//! `X-Forwarded-Method`/`X-Forwarded-Uri` or their nginx twins) rather than its own.
//!
//! ```
//! use latchkey_verify::sender::Presented;
//! let presented = Presented::Dpop { token: "a.b.c", proofs: &["p.r.f"] };
//! assert_eq!(presented.token(), "a.b.c");
//! ```

use latchkey_proto::Claims;

use crate::dpop::{DpopError, DpopRequest};
use crate::{Verifier, VerifyError};

/// How a request presented its access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presented<'a> {
    /// `Authorization: Bearer <token>` (or `X-Auth-Token`): refused for a bound token.
    Bearer(&'a str),
    /// `Authorization: DPoP <token>` with the values of the request's `DPoP` headers
    /// (exactly one is needed).
    Dpop {
        /// The access token.
        token: &'a str,
        /// The `DPoP` header values.
        proofs: &'a [&'a str],
    },
}

impl<'a> Presented<'a> {
    /// The access token, however presented.
    #[must_use]
    pub fn token(&self) -> &'a str {
        match *self {
            Self::Bearer(token) | Self::Dpop { token, .. } => token,
        }
    }
}

impl Verifier {
    /// Verifies a token as the request presented it, for `method` and `uri` (the
    /// absolute URI the client addressed; query and fragment are ignored): the token's
    /// rules, then its binding. A bound token needs the DPoP scheme and one valid proof
    /// by its key, carrying the token's `ath`; the DPoP scheme needs a bound token.
    ///
    /// # Errors
    ///
    /// As [`Verifier::verify`]; [`VerifyError::InvalidDpopProof`] for a missing or bad
    /// proof; [`VerifyError::DpopBinding`] for a scheme that does not fit the token.
    pub async fn verify_presented(
        &self,
        presented: Presented<'_>,
        method: &str,
        uri: &str,
    ) -> Result<Claims, VerifyError> {
        let claims = self.verify_unbound(presented.token()).await?;
        match (presented, claims.dpop_jkt()) {
            (Presented::Bearer(_), None) => Ok(claims),
            (Presented::Bearer(_), Some(_)) => Err(VerifyError::DpopBinding(
                "a DPoP-bound token must be sent as `Authorization: DPoP` with a proof",
            )),
            (Presented::Dpop { .. }, None) => Err(VerifyError::DpopBinding(
                "the DPoP scheme needs a DPoP-bound token",
            )),
            (Presented::Dpop { token, proofs }, Some(jkt)) => {
                let [proof] = proofs else {
                    return Err(VerifyError::InvalidDpopProof(DpopError::Malformed(
                        "exactly one DPoP header is needed",
                    )));
                };
                let request = DpopRequest::new(method, uri).with_access_token(token);
                let checked = self
                    .dpop
                    .verify(proof, &request, self.now())
                    .map_err(VerifyError::InvalidDpopProof)?;
                if checked.jkt != jkt {
                    return Err(VerifyError::DpopBinding(
                        "the DPoP proof is not by the key the token is bound to",
                    ));
                }
                Ok(claims)
            }
        }
    }
}
