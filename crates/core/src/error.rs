//! The domain error: one variant per answer a caller acts on, plus an opaque `Unexpected`.

use latchkey_verify::VerifyError;

use crate::store::StoreError;

/// A domain result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why an operation failed.
///
/// Messages are safe to show to the caller: they never contain a secret or internal
/// detail. The cause of an [`Error::Unexpected`] is logged by the server, never sent.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request is malformed or a value is out of range.
    #[error("{0}")]
    InvalidRequest(String),
    /// The grant type is not supported.
    #[error("unsupported grant type {0:?}")]
    UnsupportedGrantType(String),
    /// Client authentication failed.
    #[error("client authentication failed")]
    InvalidClient,
    /// A DPoP proof is missing where required, malformed, or not for this request.
    #[error("{0}")]
    InvalidDpopProof(String),
    /// The DPoP proof lacks the nonce the server requires, or carries one that is unknown
    /// or expired (RFC 9449 §8): the answer names the nonce to use (`DPoP-Nonce`).
    #[error("{0}")]
    UseDpopNonce(&'static str),
    /// The refresh token cannot be used.
    #[error("{0}")]
    InvalidGrant(&'static str),
    /// The scope asked for is unknown or wider than the grant's.
    #[error("{0}")]
    InvalidScope(String),
    /// Wrong login credentials (also for an unknown account).
    #[error("invalid email/account id or password")]
    InvalidCredentials,
    /// The bearer token is missing, malformed, expired or revoked.
    #[error("{0}")]
    InvalidToken(String),
    /// A valid token of a kind the endpoint does not accept.
    #[error("{0}")]
    InsufficientTokenKind(String),
    /// A valid token without a required scope.
    #[error("{0}")]
    InsufficientScope(String),
    /// Sign-up is closed on this deployment.
    #[error("sign-up is closed on this service")]
    SignupClosed,
    /// The resource does not exist or is not the caller's.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The resource already exists.
    #[error("{0}")]
    Conflict(&'static str),
    /// Too many failures; retry after this many seconds.
    #[error("too many failed attempts; retry in {retry_after} seconds")]
    TooManyAttempts {
        /// Seconds until the next attempt may succeed.
        retry_after: u64,
    },
    /// Too many password checks are waiting for a hashing thread (in all, or from the
    /// caller's address); retry after this many seconds.
    #[error("{reason}; retry in {retry_after} s")]
    Busy {
        /// Which bound was reached.
        reason: &'static str,
        /// Seconds after which a retry may be served.
        retry_after: u64,
    },
    /// The database cannot be reached.
    #[error("the service is temporarily unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// Anything else: a bug or an environment failure.
    #[error("internal error")]
    Unexpected(#[source] anyhow::Error),
}

impl From<StoreError> for Error {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Unavailable(e) => Self::Unavailable(e),
            StoreError::Conflict => {
                Self::Unexpected(anyhow::anyhow!("unexpected storage conflict"))
            }
            StoreError::Other(e) => Self::Unexpected(e),
        }
    }
}

impl Error {
    /// `unsupported_grant_type` naming what the caller sent (cut to 64 characters: the
    /// name is the caller's and is echoed back).
    #[must_use]
    pub fn unsupported_grant_type(name: &str) -> Self {
        Self::UnsupportedGrantType(name.chars().take(64).collect())
    }

    /// Maps a bearer-token verification failure to the answer account endpoints give.
    #[must_use]
    pub fn from_bearer(err: &VerifyError) -> Self {
        match err {
            VerifyError::WrongKind(kind) => Self::InsufficientTokenKind(format!(
                "{kind} tokens are not accepted here; use an account access token"
            )),
            VerifyError::InsufficientScope { required } => {
                Self::InsufficientScope(format!("this route needs scope {required}"))
            }
            VerifyError::WrongType => Self::InvalidToken("not an access token".into()),
            other => Self::InvalidToken(other.to_string()),
        }
    }
}
