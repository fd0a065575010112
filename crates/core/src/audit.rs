//! The audit vocabulary: which security events exist ([`EventKind`]) and how an operator
//! selects them ([`AuditFilter`]).
//!
//! Plain types below both the key ring (which records its rotations) and the service
//! (which records everything else), so that neither has to import the other for them.
//! Recording and reading events is `service::audit`'s job.

/// What an event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// A login succeeded.
    LoginSucceeded,
    /// A login failed (wrong password, or an unknown name when the account is known).
    LoginFailed,
    /// A login was refused because of a lockout.
    LoginLocked,
    /// The password was changed.
    PasswordChanged,
    /// A client key was created.
    ClientKeyCreated,
    /// A client key was deleted.
    ClientKeyDeleted,
    /// A client secret was refused because of a lockout.
    ClientLocked,
    /// One refresh token (session) was revoked.
    RefreshTokenRevoked,
    /// All of an account's refresh tokens were revoked.
    RefreshTokensRevoked,
    /// Every account access token of an account issued until then was revoked (log out
    /// everywhere, or an OAuth revocation of a plain login's token).
    AccountTokensRevoked,
    /// A retired rotating refresh token was presented again: its session was revoked.
    RefreshTokenReuseDetected,
    /// A new signing key was published (or brought forward to sign at once).
    SigningKeyRotated,
    /// An operator revoked a signing key.
    SigningKeyRevoked,
    /// A client key past its `expiresAt` was presented.
    ClientKeyExpired,
    /// A client key was presented from outside its `allowedCidrs`.
    ClientNetworkRefused,
    /// A client key's secret was rotated.
    ClientSecretRotated,
}

impl EventKind {
    /// Every kind, as stored and shown.
    pub const ALL: [Self; 16] = [
        Self::LoginSucceeded,
        Self::LoginFailed,
        Self::LoginLocked,
        Self::PasswordChanged,
        Self::ClientKeyCreated,
        Self::ClientKeyDeleted,
        Self::ClientLocked,
        Self::RefreshTokenRevoked,
        Self::RefreshTokensRevoked,
        Self::AccountTokensRevoked,
        Self::RefreshTokenReuseDetected,
        Self::SigningKeyRotated,
        Self::SigningKeyRevoked,
        Self::ClientKeyExpired,
        Self::ClientNetworkRefused,
        Self::ClientSecretRotated,
    ];

    /// The kind's name, e.g. `login_failed`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LoginSucceeded => "login_succeeded",
            Self::LoginFailed => "login_failed",
            Self::LoginLocked => "login_locked",
            Self::PasswordChanged => "password_changed",
            Self::ClientKeyCreated => "client_key_created",
            Self::ClientKeyDeleted => "client_key_deleted",
            Self::ClientLocked => "client_locked",
            Self::RefreshTokenRevoked => "refresh_token_revoked",
            Self::RefreshTokensRevoked => "refresh_tokens_revoked",
            Self::AccountTokensRevoked => "account_tokens_revoked",
            Self::RefreshTokenReuseDetected => "refresh_token_reuse_detected",
            Self::SigningKeyRotated => "signing_key_rotated",
            Self::SigningKeyRevoked => "signing_key_revoked",
            Self::ClientKeyExpired => "client_key_expired",
            Self::ClientNetworkRefused => "client_network_refused",
            Self::ClientSecretRotated => "client_secret_rotated",
        }
    }

    /// Parses a kind's name.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// Which events an operator reads.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this account's (an id or an email).
    pub account: Option<String>,
    /// Only this kind.
    pub kind: Option<EventKind>,
    /// Only at or after this time (Unix seconds).
    pub since: Option<i64>,
    /// At most this many (default 100, at most 1,000).
    pub limit: Option<u32>,
}
