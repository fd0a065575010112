//! The `DPoP` headers of a request (RFC 9449), as text: the domain checks the proof
//! (`Latchkey::dpop_key`), including that there is at most one.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// The values of the request's `DPoP` headers (a value that is not text counts as an
/// empty, invalid proof).
#[derive(Debug, Clone, Default)]
pub struct DpopProofs(pub Vec<String>);

impl DpopProofs {
    /// The proofs, borrowed.
    #[must_use]
    pub fn as_strs(&self) -> Vec<&str> {
        self.0.iter().map(String::as_str).collect()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for DpopProofs {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .headers
                .get_all("dpop")
                .iter()
                .map(|v| v.to_str().unwrap_or_default().to_owned())
                .collect(),
        ))
    }
}
