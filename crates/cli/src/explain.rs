//! SDK errors told as one line a user can act on.

use latchkey_client::{Error, ErrorCode};

/// What went wrong while `doing` something, with what to do about it.
pub fn explain(error: Error, doing: &str) -> anyhow::Error {
    let hint = match (&error, error.code()) {
        (Error::Network(_), _) => Some("is latchkeyd running there? (--server, LATCHKEY_SERVER)"),
        (_, Some(ErrorCode::InvalidClient)) => {
            Some("the client key was deleted, or the client ID or secret is wrong")
        }
        (_, Some(ErrorCode::InvalidGrant)) => Some(
            "the refresh token is expired or revoked: run `latchkey client-token` for new tokens",
        ),
        (_, Some(ErrorCode::InvalidToken)) => {
            Some("the login is missing or has expired: run `latchkey login`")
        }
        (_, Some(ErrorCode::InsufficientTokenKind)) => {
            Some("this needs the account access token: add --account")
        }
        (Error::NoCredentials, _) => Some(
            "no tokens stored: run `latchkey client-token` (or `latchkey login` for --account)",
        ),
        _ => None,
    };
    match hint {
        Some(hint) => anyhow::anyhow!("cannot {doing}: {error}; {hint}"),
        None => anyhow::anyhow!("cannot {doing}: {error}"),
    }
}
