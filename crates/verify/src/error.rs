//! Why a token was refused.

use latchkey_proto::{Kind, Scope};

/// The rule a token broke.
///
/// [`VerifyError::is_forbidden`] tells the two HTTP answers apart: a token that is not
/// valid at all (401 `invalid_token`) and a valid token that may not be used here
/// (403 `insufficient_token_kind` or `insufficient_scope`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// Not a well-formed JWS compact token, or its header or claims do not parse.
    #[error("malformed token: {0}")]
    Malformed(&'static str),
    /// The header's `alg` is not one this verifier accepts.
    #[error("unsupported algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    /// No published key has the header's `kid`.
    #[error("no key with id {0:?}")]
    UnknownKey(String),
    /// The signature does not match the key.
    #[error("bad signature")]
    BadSignature,
    /// The header's `typ` is not the expected one (e.g. a refresh token used as an access token).
    #[error("wrong token type")]
    WrongType,
    /// The `iss` claim is not the expected issuer.
    #[error("wrong issuer")]
    WrongIssuer,
    /// The `aud` claim is not the expected audience.
    #[error("wrong audience")]
    WrongAudience,
    /// The token has expired.
    #[error("token expired")]
    Expired,
    /// The token is not valid yet (`nbf` in the future).
    #[error("token not valid yet")]
    NotYetValid,
    /// A valid token of a kind this verifier does not accept.
    #[error("tokens of kind {0} are not accepted here")]
    WrongKind(Kind),
    /// A valid token without the scopes required.
    #[error("token lacks scope {required}")]
    InsufficientScope {
        /// The scopes the route needs.
        required: Scope,
    },
    /// The DPoP proof of a bound token is missing or invalid (RFC 9449 §7).
    #[error("{0}")]
    InvalidDpopProof(crate::dpop::DpopError),
    /// The token's DPoP binding does not fit how it was presented: a bound token as a
    /// bearer token, an unbound one with the DPoP scheme, or a proof by another key.
    #[error("{0}")]
    DpopBinding(&'static str),
    /// The verifier has no keys at all (the JWKS could never be fetched).
    #[error("no verification keys available: {0}")]
    NoKeys(String),
    /// The token's bit in its status list says it was revoked (its session ended).
    #[error("token revoked")]
    Revoked,
    /// The token names a status list the verifier could not fetch (or could not use), and
    /// the verifier fails closed.
    #[error("revocation status unavailable: {0}")]
    StatusUnavailable(String),
}

impl VerifyError {
    /// Whether the token is valid but not allowed here (HTTP 403) rather than invalid (401).
    ///
    /// ```
    /// use latchkey_verify::{Kind, VerifyError};
    /// assert!(VerifyError::WrongKind(Kind::ClientAccess).is_forbidden());
    /// assert!(!VerifyError::Expired.is_forbidden());
    /// ```
    #[must_use]
    pub fn is_forbidden(&self) -> bool {
        matches!(self, Self::WrongKind(_) | Self::InsufficientScope { .. })
    }

    /// Whether the verifier could not decide (HTTP 503): no keys, or a status list it
    /// could not fetch while failing closed.
    ///
    /// ```
    /// use latchkey_verify::VerifyError;
    /// assert!(VerifyError::StatusUnavailable("down".into()).is_unavailable());
    /// assert!(!VerifyError::Revoked.is_unavailable());
    /// ```
    #[must_use]
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::NoKeys(_) | Self::StatusUnavailable(_))
    }
}
