//! [`Latchkey`]: the operations the API exposes, one file per resource.

mod accounts;
mod audit;
mod bearer;
mod cleanup;
mod client_keys;
mod console;
mod dpop;
mod dpop_nonce;
mod grants;
mod introspection;
mod key_lifecycle;
mod oauth;
mod rotation;
mod sessions;
mod status_lists;
mod throttle;

use std::sync::Arc;

use latchkey_proto::{Claims, Confirmation, Kind, Scope, TokenType};
use latchkey_verify::dpop::{DpopVerifier, SUPPORTED_ALGORITHMS};
use latchkey_verify::{Jwks, Validation};

pub use crate::audit::{AuditFilter, EventKind};
pub use accounts::LoginOptions;
pub use client_keys::NewClientKey;
pub use console::ConsoleSecret;
pub use grants::{Grant, GrantRequest};
pub use introspection::Revocation;
pub use key_lifecycle::{DEFAULT_OVERLAP_SECONDS, MAX_OVERLAP_SECONDS};
pub use oauth::ClientCredentials;
pub use status_lists::{LIST_BITS, ServedList};

use crate::clock::Clock;
use crate::ids::{AccountId, SessionId, TokenId};
use crate::keys::{KeyOptions, KeyRing, Policy, SigningKey};
use crate::password::PasswordHasher;
use crate::secret::RefreshToken;
use crate::store::{SessionRecord, Store};
use crate::{Error, Result, Settings, Telemetry};

/// "Last used" times are written at most this often (seconds), to keep hot paths read-only.
const LAST_USED_GRANULARITY: i64 = 60;

/// The Latchkey domain service.
pub struct Latchkey {
    store: Arc<dyn Store>,
    hasher: PasswordHasher,
    keys: KeyRing,
    settings: Settings,
    clock: Arc<dyn Clock>,
    account_rules: Validation,
    refresh_rules: Validation,
    telemetry: Arc<Telemetry>,
    status: status_lists::StatusLists,
    /// DPoP proofs at the token endpoints, with this instance's replay cache.
    dpop: DpopVerifier,
}

/// The authenticated caller of an account endpoint.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The caller's account.
    pub account_id: AccountId,
    /// The claims of the token the caller presented.
    pub claims: Claims,
    /// Where the request came from (for the audit trail), when the server knows.
    pub source: Option<std::net::IpAddr>,
}

/// Tokens made by a login or a grant.
#[derive(Debug, Clone)]
pub struct IssuedTokens {
    /// The access token.
    pub access_token: String,
    /// Its lifetime in seconds.
    pub expires_in: u64,
    /// When it expires (Unix seconds).
    pub expires_at: i64,
    /// When it was issued (Unix seconds).
    pub issued_at: i64,
    /// The refresh token, when one was made.
    pub refresh_token: Option<RefreshToken>,
    /// The scopes granted.
    pub scope: Scope,
    /// The account the tokens are for.
    pub account_id: AccountId,
    /// The refresh session the access token belongs to, if any (its `sid`).
    pub session: Option<SessionId>,
    /// Whether the access token is bound to a DPoP key (`token_type: DPoP`).
    pub dpop_bound: bool,
}

/// The key ring's options: the schedule follows the token lifetimes.
fn key_options(settings: &Settings) -> KeyOptions {
    let seconds = |s: u64| i64::try_from(s).unwrap_or(i64::MAX);
    let lifetimes = &settings.policies.lifetimes;
    let overlap = seconds(
        lifetimes
            .account_access_max
            .max(lifetimes.client_access_max),
    );
    let signing = &settings.policies.signing_keys;
    KeyOptions {
        algorithm: signing.algorithm,
        policy: Policy {
            period: (signing.rotation_period > 0).then(|| seconds(signing.rotation_period)),
            overlap,
            retention: seconds(lifetimes.client_refresh).max(overlap),
        },
        master_key: signing.master_key.clone(),
    }
}

impl Latchkey {
    /// Builds the service: loads (or creates) the signing keys and prepares the hasher.
    ///
    /// # Errors
    ///
    /// Storage errors while loading keys, or [`Error::Unexpected`] if a stored key is unreadable.
    pub async fn new(
        store: Arc<dyn Store>,
        settings: Settings,
        clock: Arc<dyn Clock>,
    ) -> Result<Self> {
        let telemetry = Arc::new(Telemetry::default());
        let keys = KeyRing::load(
            Arc::clone(&store),
            Arc::clone(&clock),
            key_options(&settings),
            Arc::clone(&telemetry),
        )
        .await?;
        let hasher = PasswordHasher::new(
            settings.policies.hash_concurrency,
            settings.policies.hash_queue_limits(),
        )?;
        let service = Self {
            status: status_lists::StatusLists::new(settings.policies.status_list_ttl),
            // No leeway here: latchkeyd is the clock its tokens are measured by (a leeway
            // is for resource services whose clocks drift from it).
            account_rules: Validation::access(&settings.issuer, &settings.audience)
                .with_kinds(&[Kind::AccountAccess])
                .with_leeway(0),
            refresh_rules: Validation::refresh(&settings.issuer, &settings.issuer),
            dpop: DpopVerifier::with_limits(
                settings.policies.dpop_proof_window,
                settings.policies.dpop_replay_capacity,
            ),
            store,
            hasher,
            keys,
            settings,
            clock,
            telemetry,
        };
        // The lists start with every bit the database holds.
        service.sync_status_lists().await?;
        Ok(service)
    }

    /// The event counters (exported by the server as metrics).
    #[must_use]
    pub fn telemetry(&self) -> &Arc<Telemetry> {
        &self.telemetry
    }

    /// The settings in force.
    #[must_use]
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The key ring (for periodic reloads and key management).
    #[must_use]
    pub fn key_ring(&self) -> &KeyRing {
        &self.keys
    }

    /// The algorithms DPoP proofs may be signed with.
    #[must_use]
    pub fn dpop_algorithms(&self) -> &'static [&'static str] {
        &SUPPORTED_ALGORITHMS
    }

    /// The published keys, as `/.well-known/jwks.json` serves them.
    #[must_use]
    pub fn jwks(&self) -> Jwks {
        self.keys.state().jwks.clone()
    }

    /// Whether the service can serve requests (the database answers).
    ///
    /// # Errors
    ///
    /// [`Error::Unavailable`] when the database does not answer.
    pub async fn ready(&self) -> Result<()> {
        Ok(self.store.ping().await?)
    }

    fn now(&self) -> i64 {
        self.clock.now()
    }

    /// The service's clock, now (Unix seconds): what answers compare stored times with.
    #[must_use]
    pub fn clock_now(&self) -> i64 {
        self.clock.now()
    }

    /// The lifetime of a new access token of `kind`: the configured default, or the
    /// caller's `expiration` if it is between 1 and the configured maximum.
    fn access_lifetime(&self, kind: Kind, expiration: Option<u64>) -> Result<u64> {
        let lifetimes = &self.settings.policies.lifetimes;
        let (default, max) = match kind {
            Kind::ClientAccess => (lifetimes.client_access, lifetimes.client_access_max),
            _ => (lifetimes.account_access, lifetimes.account_access_max),
        };
        match expiration {
            None => Ok(default),
            Some(seconds) if (1..=max).contains(&seconds) => Ok(seconds),
            Some(_) => Err(Error::InvalidRequest(format!(
                "expiration must be between 1 and {max} seconds"
            ))),
        }
    }

    /// Signs a new access token, valid from now for the kind's (or the asked) lifetime.
    fn mint_access(&self, key: &SigningKey, access: AccessGrant<'_>) -> Result<IssuedTokens> {
        let now = self.now();
        let expires_in = self.access_lifetime(access.kind, access.expiration)?;
        let expires_at = now.saturating_add(i64::try_from(expires_in).unwrap_or(i64::MAX));
        self.sign_access(
            key,
            &access,
            now,
            expires_at,
            TokenId::generate()?.to_string(),
        )
    }

    /// Signs an access token with the given times and id (the same inputs give the same
    /// token: Ed25519 signatures are deterministic).
    fn sign_access(
        &self,
        key: &SigningKey,
        access: &AccessGrant<'_>,
        issued_at: i64,
        expires_at: i64,
        jti: String,
    ) -> Result<IssuedTokens> {
        let claims = Claims {
            iss: self.settings.issuer.clone(),
            sub: access.account_id.to_string(),
            aud: self.settings.audience.clone(),
            iat: issued_at,
            nbf: issued_at,
            exp: Some(expires_at),
            jti,
            kind: access.kind,
            scope: access.scope.clone(),
            client_id: access.client_id.map(str::to_owned),
            sid: access.session.map(ToString::to_string),
            generation: None,
            status: access.status_idx.map(|idx| self.status_claim(idx)),
            cnf: access.jkt.map(confirmation),
        };
        let access_token = key.sign(TokenType::Access, &claims)?;
        self.telemetry.token_issued(access.kind);
        Ok(IssuedTokens {
            access_token,
            expires_in: u64::try_from(expires_at.saturating_sub(self.now())).unwrap_or(0),
            expires_at,
            issued_at,
            refresh_token: None,
            scope: access.scope.clone(),
            account_id: access.account_id.clone(),
            session: access.session.cloned(),
            dpop_bound: access.jkt.is_some(),
        })
    }

    /// Whether a new session should rotate: the client key's choice, else the deployment's.
    fn rotates(&self, key_choice: Option<bool>) -> bool {
        key_choice.unwrap_or(self.settings.policies.rotation.enabled)
    }

    /// Signs the refresh token of a session's current generation.
    /// A session bound to a DPoP key has every refresh token bound to it (`jkt`).
    fn mint_refresh(
        &self,
        key: &SigningKey,
        session: &SessionRecord,
        issued_at: i64,
        jkt: Option<&str>,
    ) -> Result<RefreshToken> {
        let claims = Claims {
            iss: self.settings.issuer.clone(),
            sub: session.account_id.to_string(),
            aud: self.settings.issuer.clone(),
            iat: issued_at,
            nbf: issued_at,
            exp: session.expires_at,
            jti: format!("{}.{}", session.id, session.generation),
            kind: session.kind,
            scope: session.scope.clone(),
            client_id: session.client_id.clone(),
            sid: Some(session.id.to_string()),
            generation: Some(session.generation),
            status: None,
            cnf: jkt.map(confirmation),
        };
        let token = key.sign(TokenType::Refresh, &claims)?;
        self.telemetry.token_issued(session.kind);
        Ok(RefreshToken::new(token))
    }
}

/// What an access token is for.
struct AccessGrant<'a> {
    kind: Kind,
    account_id: &'a AccountId,
    scope: &'a Scope,
    expiration: Option<u64>,
    client_id: Option<&'a str>,
    session: Option<&'a SessionId>,
    /// The status-list index the token names (its session's, or its login era's).
    status_idx: Option<u64>,
    /// The DPoP key thumbprint the token is bound to.
    jkt: Option<&'a str>,
}

fn confirmation(jkt: &str) -> Confirmation {
    Confirmation {
        jkt: jkt.to_owned(),
    }
}

/// Whether a "last used" time is stale enough to be rewritten.
fn last_used_is_stale(last_used_at: Option<i64>, now: i64) -> bool {
    last_used_at.is_none_or(|t| now - t >= LAST_USED_GRANULARITY)
}
