//! What a deployment decides: issuer and audience ([`Settings`]), lifetimes, scopes and
//! the other policies ([`Policies`]).

use latchkey_proto::Scope;
use latchkey_verify::Algorithm;

use crate::keys::MasterKey;

/// Token lifetimes, in seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifetimes {
    /// Account access tokens: default 12 h.
    pub account_access: u64,
    /// Longest account access token a caller may ask for with `expiration`.
    pub account_access_max: u64,
    /// Client access tokens: default 1 h.
    pub client_access: u64,
    /// Longest client access token a caller may ask for with `expiration`.
    pub client_access_max: u64,
    /// Client refresh tokens: default 365 days.
    pub client_refresh: u64,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Self {
            account_access: 12 * 3600,
            account_access_max: 12 * 3600,
            client_access: 3600,
            client_access_max: 3600,
            client_refresh: 365 * 86_400,
        }
    }
}

/// Refresh-token rotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    /// Whether refresh tokens rotate by default (client keys may override it).
    pub enabled: bool,
    /// How long after a rotation the retired token still gets the same new tokens back
    /// (for lost responses and concurrent refreshes), in seconds.
    pub grace_seconds: u64,
}

impl Default for Rotation {
    fn default() -> Self {
        Self {
            enabled: false,
            grace_seconds: 5,
        }
    }
}

/// Brute-force protection: failed logins counted per account (or login name) and per
/// source address, failed client-secret checks per client ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lockout {
    /// Failures allowed before each further attempt must wait (1 s, then 2, 4, 8 … s).
    pub free_attempts: u32,
    /// Failures after which attempts are refused for `lockout_seconds`; 0 turns the
    /// protection off.
    pub lockout_after: u32,
    /// How long a lockout lasts.
    pub lockout_seconds: u64,
    /// Failures older than this are forgotten.
    pub window_seconds: u64,
    /// A source address is shared by many people (NAT, offices): its counts are this
    /// many times the account's.
    pub address_factor: u32,
}

impl Default for Lockout {
    fn default() -> Self {
        Self {
            free_attempts: 5,
            lockout_after: 10,
            lockout_seconds: 900,
            window_seconds: 3600,
            address_factor: 5,
        }
    }
}

/// Signing keys: their algorithm, rotation and encryption at rest.
#[derive(Debug, Clone)]
pub struct SigningKeys {
    /// The algorithm of new keys (EdDSA by default; ES256 for peers without Ed25519).
    pub algorithm: Algorithm,
    /// How long a key signs before the next one takes over, in seconds (default 30
    /// days); 0 rotates only by hand (`latchkeyd keys rotate`).
    pub rotation_period: u64,
    /// Encrypts private keys at rest; `None` stores them in clear.
    pub master_key: Option<MasterKey>,
}

impl Default for SigningKeys {
    fn default() -> Self {
        Self {
            algorithm: Algorithm::EdDSA,
            rotation_period: 30 * 86_400,
            master_key: None,
        }
    }
}

/// The account console: whether it is served, and how long its sessions last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsolePolicy {
    /// Whether `latchkeyd` serves `/console/` (default on).
    pub enabled: bool,
    /// A console session unused for this long ends, in seconds (default 30 min).
    pub idle_timeout: u64,
    /// A console session ends this long after its log-in whatever its use, in seconds
    /// (default 12 h).
    pub absolute_timeout: u64,
}

impl Default for ConsolePolicy {
    fn default() -> Self {
        Self {
            enabled: true,
            idle_timeout: 30 * 60,
            absolute_timeout: 12 * 3600,
        }
    }
}

/// Password hashes that may wait per hashing thread, by default: a full queue drains in
/// about half a second at full speed (≈ 15 ms a hash).
pub const DEFAULT_HASH_QUEUE_PER_THREAD: usize = 32;

/// What a deployment decides about accounts and tokens, wherever it runs: lifetimes,
/// scopes, rotation, sign-up and the protections. Known before the service binds its
/// address, unlike the issuer ([`Settings`]).
#[derive(Debug, Clone)]
pub struct Policies {
    /// Token lifetimes.
    pub lifetimes: Lifetimes,
    /// Refresh-token rotation.
    pub rotation: Rotation,
    /// Every scope the service grants; account tokens and new client keys get all of them.
    pub scopes: Scope,
    /// Whether `POST /users` is open to anyone.
    pub signup_open: bool,
    /// The account console (`/console/`): on or off, and its sessions' timeouts.
    pub console: ConsolePolicy,
    /// How many password hashes may run at once (default: the number of cores).
    pub hash_concurrency: usize,
    /// How many password hashes may wait for a hashing thread, in all (default: `None`,
    /// 32 per hashing thread); more are refused with [`crate::Error::Busy`].
    pub hash_queue: Option<usize>,
    /// How many of them may come from one source address (an IPv6 /64); default
    /// `None`, the whole queue: fairness between addresses comes from their turns and
    /// from displacement when the queue is full (see [`crate::password`]), so one
    /// address may use an idle queue but never keep another out.
    pub hash_queue_per_address: Option<usize>,
    /// Lowest zxcvbn score (0–4) a new password needs; 0 turns the estimator off.
    pub password_min_score: u8,
    /// How often the key ring re-reads signing keys from storage (and rotates them when
    /// due), in seconds.
    pub key_reload_interval: u64,
    /// Signing keys.
    pub signing_keys: SigningKeys,
    /// Brute-force protection.
    pub lockout: Lockout,
    /// How long ended (expired or revoked) refresh sessions are kept before they are
    /// deleted, in seconds (default 7 days).
    pub ended_session_retention: u64,
    /// How long verifiers may cache a status list before fetching it again, in seconds
    /// (the `ttl` of `/statuslists/<n>`, default 30): the longest a revoked access token
    /// still passes a resource service that checks the lists.
    pub status_list_ttl: u64,
    /// How far a DPoP proof's `iat` may be from now, in seconds (its `jti` is remembered
    /// that long).
    pub dpop_proof_window: u32,
    /// How many DPoP proofs the replay cache remembers: at more proofs per window than
    /// this, older proofs are refused as too old (never let through as replays).
    pub dpop_replay_capacity: usize,
    /// Whether DPoP proofs at the token endpoints must carry a nonce this service handed
    /// out (RFC 9449 §8; default off).
    pub dpop_require_nonce: bool,
}

impl Policies {
    /// The bounds of the password-hashing queue.
    #[must_use]
    pub fn hash_queue_limits(&self) -> crate::password::QueueLimits {
        let total = self.hash_queue.unwrap_or_else(|| {
            self.hash_concurrency
                .max(1)
                .saturating_mul(DEFAULT_HASH_QUEUE_PER_THREAD)
        });
        crate::password::QueueLimits {
            total,
            per_source: self.hash_queue_per_address.unwrap_or(total),
        }
    }
}

impl Default for Policies {
    fn default() -> Self {
        Self {
            lifetimes: Lifetimes::default(),
            rotation: Rotation::default(),
            scopes: Scope::parse("nodes:read nodes:write").unwrap_or_default(),
            signup_open: true,
            console: ConsolePolicy::default(),
            hash_concurrency: std::thread::available_parallelism()
                .map_or(1, std::num::NonZero::get),
            hash_queue: None,
            hash_queue_per_address: None,
            key_reload_interval: 60,
            signing_keys: SigningKeys::default(),
            lockout: Lockout::default(),
            ended_session_retention: 7 * 86_400,
            status_list_ttl: 30,
            dpop_proof_window: latchkey_verify::dpop::DEFAULT_WINDOW_SECONDS,
            dpop_replay_capacity: latchkey_verify::dpop::DEFAULT_REPLAY_CAPACITY,
            dpop_require_nonce: false,
            password_min_score: crate::password_policy::DEFAULT_MIN_SCORE,
        }
    }
}

/// The domain's settings: where the service is (issuer and audience) and its policies.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The `iss` claim: the service's public URL.
    pub issuer: String,
    /// The `aud` claim of access tokens; resource services check it.
    pub audience: String,
    /// Everything else a deployment decides.
    pub policies: Policies,
}

impl Settings {
    /// Default policies for a service at `issuer`, whose tokens are meant for `issuer` too.
    #[must_use]
    pub fn new(issuer: impl Into<String>) -> Self {
        let issuer = issuer.into();
        Self {
            audience: issuer.clone(),
            issuer,
            policies: Policies::default(),
        }
    }
}
