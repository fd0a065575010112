//! SDK errors.

use std::sync::Arc;

use latchkey_proto::ErrorCode;

/// An SDK result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a call failed. Cheap to clone, so that callers who shared one refresh in flight
/// can all be given its failure.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// The service answered with an error body.
    #[error("{message} ({code}, HTTP {status})")]
    Api {
        /// The HTTP status.
        status: u16,
        /// The stable error code.
        code: ErrorCode,
        /// The service's human-readable message.
        message: String,
        /// Seconds to wait before retrying, from `Retry-After`.
        retry_after: Option<u64>,
    },
    /// The service could not be reached, or the connection failed.
    #[error("cannot reach the Latchkey service: {0}")]
    Network(#[source] Arc<reqwest::Error>),
    /// The service answered something this SDK cannot read.
    #[error("unexpected answer from the Latchkey service: {0}")]
    Decode(String),
    /// The base URL is not a valid http(s) URL.
    #[error("invalid service URL {0:?}")]
    InvalidUrl(String),
    /// A [`TokenSource`](crate::TokenSource) has neither a refresh token nor client keys
    /// to get a token with.
    #[error("no refresh token or client keys to get an access token with")]
    NoCredentials,
    /// A DPoP key could not be made or read.
    #[error("DPoP key: {0}")]
    Dpop(String),
}

impl Error {
    pub(crate) fn network(error: reqwest::Error) -> Self {
        Self::Network(Arc::new(error))
    }

    /// The API error code, if the service answered with one.
    ///
    /// ```
    /// use latchkey_client::{Error, ErrorCode};
    /// let err = Error::Api { status: 400, code: ErrorCode::InvalidGrant, message: "revoked".into(), retry_after: None };
    /// assert_eq!(err.code(), Some(ErrorCode::InvalidGrant));
    /// ```
    #[must_use]
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Api { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// The HTTP status, if the service answered.
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
}
