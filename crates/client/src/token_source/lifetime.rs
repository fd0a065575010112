//! When an access token should be refreshed, read from its own `iat` and `exp` claims.
//!
//! The token's lifetime is taken as `exp - iat` and counted from the moment it arrived,
//! on Tokio's clock: a client whose wall clock is off still refreshes on time, and tests
//! move time with `tokio::time::pause`/`advance`. Tokens loaded from storage have no
//! arrival moment; for them the remaining time is `exp` minus the wall clock.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use tokio::time::Instant;

/// The claims this SDK reads; it does not check the signature (the service does).
#[derive(Debug, Deserialize)]
struct Claims {
    exp: Option<u64>,
    iat: Option<u64>,
}

/// The times that matter for one access token.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lifetime {
    /// From here on the token is refreshed before being handed out.
    pub(crate) refresh_at: Instant,
    /// From here on the token is no longer handed out at all.
    pub(crate) expires_at: Instant,
    /// `exp`, for callers that store the token.
    pub(crate) expires_at_wall: Option<SystemTime>,
}

/// A token that carries no readable `exp` is used until the service refuses it.
const UNKNOWN_LIFETIME: Duration = Duration::from_secs(365 * 24 * 3600);

impl Lifetime {
    /// The lifetime of a token that has just arrived.
    pub(crate) fn of_fresh(token: &str, margin: Duration) -> Self {
        let claims = claims(token);
        let length = match (
            claims.as_ref().and_then(|c| c.iat),
            claims.as_ref().and_then(|c| c.exp),
        ) {
            (Some(iat), Some(exp)) => Duration::from_secs(exp.saturating_sub(iat)),
            _ => UNKNOWN_LIFETIME,
        };
        let exp = claims
            .and_then(|c| c.exp)
            .map(|exp| UNIX_EPOCH + Duration::from_secs(exp));
        Self::from_now(length, length, margin, exp)
    }

    /// The lifetime left to a stored token, by the wall clock.
    pub(crate) fn of_stored(token: &str, margin: Duration) -> Self {
        let Some(claims) = claims(token) else {
            return Self::from_now(UNKNOWN_LIFETIME, UNKNOWN_LIFETIME, margin, None);
        };
        let Some(exp) = claims.exp else {
            return Self::from_now(UNKNOWN_LIFETIME, UNKNOWN_LIFETIME, margin, None);
        };
        let exp_wall = UNIX_EPOCH + Duration::from_secs(exp);
        let left = exp_wall
            .duration_since(SystemTime::now())
            .unwrap_or_default();
        let length = claims
            .iat
            .map_or(left, |iat| Duration::from_secs(exp.saturating_sub(iat)));
        Self::from_now(left, length, margin, Some(exp_wall))
    }

    /// A token the service has refused: due now.
    pub(crate) fn expired() -> Self {
        let now = Instant::now();
        Self {
            refresh_at: now,
            expires_at: now,
            expires_at_wall: None,
        }
    }

    /// The margin is at most half the token's whole lifetime, so that a short-lived token
    /// is still used for a while before it is refreshed.
    fn from_now(
        left: Duration,
        length: Duration,
        margin: Duration,
        wall: Option<SystemTime>,
    ) -> Self {
        let now = Instant::now();
        let margin = margin.min(length / 2);
        Self {
            refresh_at: now + left.saturating_sub(margin),
            expires_at: now + left,
            expires_at_wall: wall,
        }
    }
}

fn claims(token: &str) -> Option<Claims> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(iat: u64, exp: u64) -> String {
        let payload = URL_SAFE_NO_PAD.encode(format!(r#"{{"iat":{iat},"exp":{exp}}}"#));
        format!("eyJhbGciOiJub25lIn0.{payload}.c2ln")
    }

    #[tokio::test(start_paused = true)]
    async fn a_fresh_token_is_refreshed_a_margin_before_it_expires() {
        let now = Instant::now();
        let life = Lifetime::of_fresh(&token(1000, 4600), Duration::from_secs(60));
        assert_eq!(life.expires_at - now, Duration::from_secs(3600));
        assert_eq!(life.refresh_at - now, Duration::from_secs(3540));
    }

    #[tokio::test(start_paused = true)]
    async fn the_margin_is_at_most_half_a_short_lifetime() {
        let now = Instant::now();
        let life = Lifetime::of_fresh(&token(1000, 1010), Duration::from_secs(60));
        assert_eq!(life.refresh_at - now, Duration::from_secs(5));
    }

    #[tokio::test(start_paused = true)]
    async fn a_stored_token_past_its_exp_is_due_now() {
        let life = Lifetime::of_stored(&token(1000, 4600), Duration::from_secs(60));
        assert!(life.refresh_at <= Instant::now());
        assert!(life.expires_at <= Instant::now());
    }

    #[tokio::test(start_paused = true)]
    async fn an_unreadable_token_is_used_until_refused() {
        let life = Lifetime::of_fresh("opaque", Duration::from_secs(60));
        assert!(life.refresh_at > Instant::now() + Duration::from_secs(3600));
    }
}
