//! The account console's sessions: a login that opens one, the cookie that names it back
//! to a [`Principal`], and the log-out that ends it. Everything else the console does
//! calls the very operations the API calls (client keys, sessions, password, events).
//!
//! The cookie's value is a [`ConsoleSecret`] (256 random bits); storage keeps only its
//! SHA-256 digest. Values derived from it (the CSRF token) are digests under another
//! purpose, so that only the holder of the cookie can compute them.

use std::net::IpAddr;

use aws_lc_rs::{constant_time, digest};
use latchkey_proto::{Claims, Kind};
use secrecy::{ExposeSecret, SecretString};

use super::{Latchkey, Principal};
use crate::ids::{random_bytes, to_hex};
use crate::store::{ConsoleLiveness, ConsoleSessionRecord};
use crate::{Error, Result};

/// Length of a console secret, in hex characters.
const SECRET_LEN: usize = 64;
/// "Last seen" is written at most this often (seconds), or a tenth of the idle timeout
/// when that is shorter, so that browsing stays read-only.
const TOUCH_GRANULARITY: i64 = 60;

/// The secret a console cookie carries. Never logged; stored only as a digest.
pub struct ConsoleSecret(SecretString);

impl ConsoleSecret {
    /// A new random secret.
    ///
    /// # Errors
    ///
    /// [`Error::Unexpected`] if the OS random source fails.
    pub fn generate() -> Result<Self> {
        Ok(Self(to_hex(&random_bytes::<32>()?).into()))
    }

    /// A secret read from a cookie, if it has the shape of one.
    #[must_use]
    pub fn parse(value: &str) -> Option<Self> {
        (value.len() == SECRET_LEN && value.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| Self(value.to_ascii_lowercase().into()))
    }

    /// The value to put in the cookie.
    #[must_use]
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// A value derived from the secret for `purpose` (hex SHA-256 over both), which only
    /// the holder of the secret can compute, e.g. the CSRF token of a session.
    #[must_use]
    pub fn derive(&self, purpose: &str) -> String {
        let mut context = digest::Context::new(&digest::SHA256);
        context.update(b"latchkey-console\0");
        context.update(purpose.as_bytes());
        context.update(b"\0");
        context.update(self.expose().as_bytes());
        to_hex(context.finish().as_ref())
    }

    /// Whether `candidate` is the value derived for `purpose`, compared in constant time.
    #[must_use]
    pub fn verify_derived(&self, purpose: &str, candidate: &str) -> bool {
        constant_time::verify_slices_are_equal(
            self.derive(purpose).as_bytes(),
            candidate.as_bytes(),
        )
        .is_ok()
    }

    /// The digest storage keys the session by.
    fn digest(&self) -> Vec<u8> {
        digest::digest(&digest::SHA256, self.expose().as_bytes())
            .as_ref()
            .to_vec()
    }
}

impl std::fmt::Debug for ConsoleSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConsoleSecret(***)")
    }
}

impl Latchkey {
    /// Logs in to the console: the same password check, lockout counters and audit
    /// events as [`Latchkey::login`] (detail `console`), then a new console session.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidCredentials`] (also when the password changed during the login),
    /// [`Error::TooManyAttempts`], [`Error::Busy`], or storage errors.
    pub async fn console_login(
        &self,
        username: &str,
        password: String,
        source: Option<IpAddr>,
    ) -> Result<ConsoleSecret> {
        let account = self
            .check_login(username, password, source, Some("console"))
            .await?;
        let secret = ConsoleSecret::generate()?;
        let now = self.now();
        let session = ConsoleSessionRecord {
            digest: secret.digest(),
            account_id: account.id,
            credential_generation: account.credential_generation,
            created_at: now,
            last_seen_at: now,
        };
        if !self.store.insert_console_session(&session).await? {
            return Err(Error::InvalidCredentials);
        }
        Ok(secret)
    }

    /// The signed-in caller of a console page: the live session `secret` names.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidToken`] if there is no such live session (logged out, timed out,
    /// or ended by a password change or a log-out everywhere), or storage errors.
    pub async fn console_session(
        &self,
        secret: &ConsoleSecret,
        source: Option<IpAddr>,
    ) -> Result<Principal> {
        let now = self.now();
        let digest = secret.digest();
        let session = self
            .store
            .live_console_session(&digest, self.console_liveness(now))
            .await?
            .ok_or_else(|| Error::InvalidToken("the console session has ended".into()))?;
        let idle = i64::try_from(self.settings.policies.console.idle_timeout).unwrap_or(i64::MAX);
        if now - session.last_seen_at >= TOUCH_GRANULARITY.min(idle / 10) {
            self.store.touch_console_session(&digest, now).await?;
        }
        Ok(Principal {
            claims: self.console_claims(&session),
            account_id: session.account_id,
            source,
        })
    }

    /// Ends a console session (log out); ending one that already ended is not an error.
    ///
    /// # Errors
    ///
    /// Storage errors.
    pub async fn console_logout(&self, secret: &ConsoleSecret) -> Result<()> {
        self.store.delete_console_session(&secret.digest()).await?;
        Ok(())
    }

    /// Deletes console sessions whose timeouts have run out.
    ///
    /// # Errors
    ///
    /// Storage errors.
    pub async fn purge_console_sessions(&self) -> Result<u64> {
        let live = self.console_liveness(self.now());
        Ok(self.store.purge_console_sessions(live).await?)
    }

    /// The times a session must be within to be live at `now`.
    fn console_liveness(&self, now: i64) -> ConsoleLiveness {
        let policy = &self.settings.policies.console;
        let seconds = |s: u64| i64::try_from(s).unwrap_or(i64::MAX);
        ConsoleLiveness {
            seen_since: now.saturating_sub(seconds(policy.idle_timeout)),
            created_since: now.saturating_sub(seconds(policy.absolute_timeout)),
        }
    }

    /// What a console session stands for, in the terms of an account access token (the
    /// principal of every account operation carries one).
    fn console_claims(&self, session: &ConsoleSessionRecord) -> Claims {
        let absolute =
            i64::try_from(self.settings.policies.console.absolute_timeout).unwrap_or(i64::MAX);
        Claims {
            iss: self.settings.issuer.clone(),
            sub: session.account_id.to_string(),
            aud: self.settings.audience.clone(),
            iat: session.created_at,
            nbf: session.created_at,
            exp: Some(session.created_at.saturating_add(absolute)),
            jti: "console".to_owned(),
            kind: Kind::AccountAccess,
            scope: self.settings.policies.scopes.clone(),
            client_id: None,
            sid: None,
            generation: None,
            // Never a signed token: it names no status-list bit.
            status: None,
            cnf: None,
        }
    }
}
