//! Counters of security and business events, bumped by the domain and exported by the
//! server (as Prometheus metrics).
//!
//! The domain must not depend on a metrics or HTTP crate, so this is a plain struct of
//! atomic counters: bumping one is a single relaxed `fetch_add` (no lock, no allocation),
//! cheap enough for the token endpoint's hot path. The server reads a [`Snapshot`] when
//! it is scraped.

use std::sync::atomic::{AtomicU64, Ordering};

use latchkey_proto::Kind;

/// Every token kind, in the order [`Snapshot::tokens_issued`] reports them.
pub const KINDS: [Kind; 4] = [
    Kind::AccountAccess,
    Kind::ClientAccess,
    Kind::ClientRefresh,
    Kind::AccountRefresh,
];

/// How a reused (already rotated) refresh token was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshReuse {
    /// Within the grace window: the same new tokens were returned.
    Grace,
    /// After the window, or an older generation: the token family was revoked.
    Detected,
}

/// The domain's event counters. Shared (`Arc`) between the service and the exporter.
#[derive(Debug, Default)]
pub struct Telemetry {
    tokens_issued: [AtomicU64; 4],
    login_failures: AtomicU64,
    lockouts: AtomicU64,
    refresh_reuse_grace: AtomicU64,
    refresh_reuse_detected: AtomicU64,
    signing_key_rotations: AtomicU64,
    signing_key_revocations: AtomicU64,
}

/// The counters' values at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Tokens signed, by kind, in the order of [`KINDS`].
    pub tokens_issued: [u64; 4],
    /// Failed password logins (wrong password or unknown account).
    pub login_failures: u64,
    /// Logins or client-secret checks refused because of a lockout.
    pub lockouts: u64,
    /// Retired refresh tokens reused within the grace window.
    pub refresh_reuse_grace: u64,
    /// Refresh-token reuse detected (the family was revoked).
    pub refresh_reuse_detected: u64,
    /// New signing keys this instance has seen appear (rotations).
    pub signing_key_rotations: u64,
    /// Signing keys this instance has seen revoked.
    pub signing_key_revocations: u64,
}

fn kind_index(kind: Kind) -> usize {
    match kind {
        Kind::AccountAccess => 0,
        Kind::ClientAccess => 1,
        Kind::ClientRefresh => 2,
        Kind::AccountRefresh => 3,
    }
}

fn bump(counter: &AtomicU64) {
    // Relaxed: each counter is independent and only ever read for reporting.
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Telemetry {
    /// Counts a token signed (including an identical re-issue in the grace window).
    pub fn token_issued(&self, kind: Kind) {
        bump(&self.tokens_issued[kind_index(kind)]);
    }

    /// Counts a failed password login.
    pub fn login_failed(&self) {
        bump(&self.login_failures);
    }

    /// Counts a request refused because of a lockout.
    pub fn lockout(&self) {
        bump(&self.lockouts);
    }

    /// Counts a reused refresh token.
    pub fn refresh_reused(&self, how: RefreshReuse) {
        bump(match how {
            RefreshReuse::Grace => &self.refresh_reuse_grace,
            RefreshReuse::Detected => &self.refresh_reuse_detected,
        });
    }

    /// Counts a new signing key seen by a key reload.
    pub fn signing_key_rotated(&self) {
        bump(&self.signing_key_rotations);
    }

    /// Counts a signing-key revocation seen by a key reload.
    pub fn signing_key_revoked(&self) {
        bump(&self.signing_key_revocations);
    }

    /// The current values.
    #[must_use]
    pub fn snapshot(&self) -> Snapshot {
        let read = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Snapshot {
            tokens_issued: [
                read(&self.tokens_issued[0]),
                read(&self.tokens_issued[1]),
                read(&self.tokens_issued[2]),
                read(&self.tokens_issued[3]),
            ],
            login_failures: read(&self.login_failures),
            lockouts: read(&self.lockouts),
            refresh_reuse_grace: read(&self.refresh_reuse_grace),
            refresh_reuse_detected: read(&self.refresh_reuse_detected),
            signing_key_rotations: read(&self.signing_key_rotations),
            signing_key_revocations: read(&self.signing_key_revocations),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_count_by_kind_and_event() {
        let telemetry = Telemetry::default();
        telemetry.token_issued(Kind::ClientAccess);
        telemetry.token_issued(Kind::ClientAccess);
        telemetry.token_issued(Kind::AccountRefresh);
        telemetry.login_failed();
        telemetry.refresh_reused(RefreshReuse::Detected);
        telemetry.signing_key_revoked();
        let snapshot = telemetry.snapshot();
        assert_eq!(snapshot.tokens_issued, [0, 2, 0, 1]);
        assert_eq!(snapshot.login_failures, 1);
        assert_eq!(snapshot.refresh_reuse_detected, 1);
        assert_eq!(snapshot.refresh_reuse_grace, 0);
        assert_eq!(
            (
                snapshot.signing_key_rotations,
                snapshot.signing_key_revocations
            ),
            (0, 1)
        );
        for (i, kind) in KINDS.iter().enumerate() {
            assert_eq!(kind_index(*kind), i);
        }
    }
}
