//! The rotation schedule, as pure functions of the stored keys and the time: which key
//! signs, which are published, when the next key is due, and when an old key may go.
//!
//! A key's life: it is *published* in the JWKS from its creation, at least one
//! access-token lifetime (the *overlap*) before it *activates* and starts signing, so
//! that every resource service has fetched it by then. When its successor activates
//! it *retires*: it signs nothing more but stays published for another overlap, until
//! every access token it signed has expired (its `expires_at`). After that latchkeyd
//! alone keeps it, to check the refresh tokens it signed, and deletes it once none of
//! those can still be in use.
//!
//! A key's *verification window* follows from this: access tokens (latchkeyd's own
//! checks and the JWKS alike) are trusted under a key exactly while it is published
//! ([`is_published`]); refresh tokens under every stored key ([`checks_refresh_tokens`]),
//! since a key is stored only while a refresh token it signed may be live. An operator
//! may end a key's life at any stage by *revoking* it: from then on it is neither
//! published nor trusted, and if it was signing, a new key takes over at once.

use crate::store::SigningKeyRecord;

/// Slack for instances that have not yet reloaded the key ring: they may sign with a key
/// a little past its retirement.
pub const SKEW: i64 = 3600;

/// What the schedule is made of, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// How long a key signs before its successor takes over; `None`: only by hand.
    pub period: Option<i64>,
    /// How long a key is published before it signs, and after it retires: the longest
    /// access-token lifetime.
    pub overlap: i64,
    /// How long after its retirement a key may still have signed a live refresh token:
    /// the client refresh-token lifetime (account refresh tokens do not expire, so a
    /// key is deleted only once no live session may hold a token it signed).
    pub retention: i64,
}

/// When the next key starts signing, and until when the retiring one stays published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// When the new key activates (and the signing keys of now retire).
    pub activates_at: i64,
    /// When the retiring keys leave the JWKS.
    pub retiring_expires_at: i64,
}

impl Plan {
    /// A rotation that starts signing `after` seconds from `now`.
    #[must_use]
    pub fn starting(now: i64, after: i64, policy: &Policy) -> Self {
        let activates_at = now.saturating_add(after.max(0));
        Self {
            activates_at,
            retiring_expires_at: activates_at.saturating_add(policy.overlap),
        }
    }
}

/// Where a key is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Published, not signing yet.
    Next,
    /// Signing.
    Current,
    /// Retired, still published.
    Retired,
    /// Retired and no longer published; kept for refresh tokens it signed.
    Kept,
    /// Revoked by an operator: neither published nor trusted.
    Revoked,
}

impl Stage {
    /// The stage's name, as `latchkeyd keys list` prints it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Next => "next",
            Self::Current => "current",
            Self::Retired => "retired",
            Self::Kept => "kept",
            Self::Revoked => "revoked",
        }
    }
}

/// The key that signs at `now`: the most recently activated key that is active, not
/// retired and not revoked. Ties (two instances creating a first key at once) go to the
/// smaller kid, so every instance picks the same one.
#[must_use]
pub fn current(records: &[SigningKeyRecord], now: i64) -> Option<&SigningKeyRecord> {
    records
        .iter()
        .filter(|r| {
            r.revoked_at.is_none() && r.activates_at <= now && r.retires_at.is_none_or(|t| t > now)
        })
        .max_by(|a, b| {
            a.activates_at
                .cmp(&b.activates_at)
                .then_with(|| b.kid.cmp(&a.kid))
        })
}

/// The key scheduled to sign next at `now`, if any (published, not yet signing).
#[must_use]
pub fn scheduled(records: &[SigningKeyRecord], now: i64) -> Option<&SigningKeyRecord> {
    records
        .iter()
        .filter(|r| r.revoked_at.is_none() && r.activates_at > now)
        .min_by_key(|r| r.activates_at)
}

/// The stage of `record` at `now`, given the current key's id.
#[must_use]
pub fn stage(record: &SigningKeyRecord, current_kid: Option<&str>, now: i64) -> Stage {
    if record.revoked_at.is_some() {
        Stage::Revoked
    } else if Some(record.kid.as_str()) == current_kid {
        Stage::Current
    } else if record.activates_at > now {
        Stage::Next
    } else if record.expires_at.is_none_or(|e| e > now) {
        Stage::Retired
    } else {
        Stage::Kept
    }
}

/// Whether `record` belongs in the JWKS at `now`, which is also whether latchkeyd
/// accepts access tokens it signed: next, current, or retired while an access token it
/// signed may be unexpired; never once revoked.
#[must_use]
pub fn is_published(record: &SigningKeyRecord, now: i64) -> bool {
    record.revoked_at.is_none() && record.expires_at.is_none_or(|e| e > now)
}

/// Whether latchkeyd accepts refresh tokens `record` signed: while it is stored (see
/// [`prune_window`]) and not revoked.
#[must_use]
pub fn checks_refresh_tokens(record: &SigningKeyRecord) -> bool {
    record.revoked_at.is_none()
}

/// When a key that takes over signing at `now` (from a revoked key) retires: when the
/// scheduled successor activates, if there is one, as a rotation would have set it.
#[must_use]
pub fn stand_in_plan(records: &[SigningKeyRecord], now: i64, policy: &Policy) -> Option<Plan> {
    scheduled(records, now)
        .map(|next| Plan::starting(now, next.activates_at.saturating_sub(now), policy))
}

/// The automatic rotation due at `now`, if any: when the current key has signed for
/// `period` minus the overlap and no successor is scheduled, its successor is published
/// now and activates once the current key has served its period (or one overlap from
/// now, if the service was down when it should have happened).
#[must_use]
pub fn due_rotation(records: &[SigningKeyRecord], now: i64, policy: &Policy) -> Option<Plan> {
    let period = policy.period?;
    if scheduled(records, now).is_some() {
        return None;
    }
    let current = current(records, now)?;
    let switch = current.activates_at.saturating_add(period);
    if now < switch.saturating_sub(policy.overlap) {
        return None;
    }
    Some(Plan::starting(
        now,
        (switch - now).max(policy.overlap),
        policy,
    ))
}

/// The window in which a retired key may have signed refresh tokens, if its retention
/// is over and it may be deleted once no live session was signed in that window.
#[must_use]
pub fn prune_window(record: &SigningKeyRecord, now: i64, policy: &Policy) -> Option<(i64, i64)> {
    let retired = record.retires_at?;
    let kept_until = retired
        .saturating_add(policy.retention.max(policy.overlap))
        .saturating_add(SKEW);
    (kept_until <= now && record.expires_at.is_some_and(|e| e <= now)).then(|| {
        (
            record.activates_at.saturating_sub(SKEW),
            retired.saturating_add(SKEW),
        )
    })
}

#[cfg(test)]
mod tests {
    use latchkey_verify::Algorithm;

    use super::*;

    const DAY: i64 = 86_400;
    const POLICY: Policy = Policy {
        period: Some(30 * DAY),
        overlap: DAY / 2,
        retention: 365 * DAY,
    };

    fn key(kid: &str, activates_at: i64, retires_at: Option<i64>) -> SigningKeyRecord {
        SigningKeyRecord {
            kid: kid.into(),
            algorithm: Algorithm::EdDSA,
            private_key: Vec::new(),
            created_at: activates_at,
            activates_at,
            retires_at,
            expires_at: retires_at.map(|r| r + POLICY.overlap),
            revoked_at: None,
        }
    }

    #[test]
    fn no_rotation_is_due_before_the_period_minus_the_overlap() {
        let keys = [key("a", 0, None)];
        assert_eq!(due_rotation(&keys, 29 * DAY, &POLICY), None);
        assert_eq!(
            due_rotation(&keys, 30 * DAY - DAY / 2, &POLICY),
            Some(Plan {
                activates_at: 30 * DAY,
                retiring_expires_at: 30 * DAY + DAY / 2
            })
        );
    }

    #[test]
    fn a_late_rotation_still_publishes_the_next_key_one_overlap_ahead() {
        let keys = [key("a", 0, None)];
        let now = 45 * DAY;
        let plan = due_rotation(&keys, now, &POLICY).unwrap();
        assert_eq!(plan.activates_at, now + DAY / 2);
    }

    #[test]
    fn nothing_is_due_while_a_successor_is_scheduled_or_rotation_is_off() {
        let keys = [key("a", 0, Some(30 * DAY)), key("b", 30 * DAY, None)];
        assert_eq!(due_rotation(&keys, 30 * DAY - 1, &POLICY), None);
        let off = Policy {
            period: None,
            ..POLICY
        };
        assert_eq!(due_rotation(&[key("a", 0, None)], 400 * DAY, &off), None);
    }

    #[test]
    fn the_successor_signs_from_its_activation_and_the_old_key_stays_published_an_overlap() {
        let keys = [key("a", 0, Some(30 * DAY)), key("b", 30 * DAY, None)];
        let at = |now| current(&keys, now).map(|k| k.kid.as_str());
        assert_eq!(at(30 * DAY - 1), Some("a"));
        assert_eq!(at(30 * DAY), Some("b"));
        assert_eq!(stage(&keys[1], at(30 * DAY - 1), 30 * DAY - 1), Stage::Next);
        assert_eq!(stage(&keys[0], Some("b"), 30 * DAY + 1), Stage::Retired);
        assert!(is_published(&keys[0], 30 * DAY + DAY / 2 - 1));
        assert!(!is_published(&keys[0], 30 * DAY + DAY / 2));
        assert_eq!(stage(&keys[0], Some("b"), 31 * DAY), Stage::Kept);
    }

    #[test]
    fn two_first_keys_resolve_to_the_same_current_key_everywhere() {
        let keys = [key("b", 5, None), key("a", 5, None)];
        assert_eq!(current(&keys, 10).unwrap().kid, "a");
    }

    fn revoked(mut record: SigningKeyRecord, at: i64) -> SigningKeyRecord {
        record.revoked_at = Some(at);
        record
    }

    #[test]
    fn a_revoked_key_never_signs_is_never_published_and_checks_nothing() {
        let keys = [revoked(key("a", 0, None), 10), key("b", 10, None)];
        assert_eq!(current(&keys, 20).map(|k| k.kid.as_str()), Some("b"));
        assert_eq!(stage(&keys[0], Some("b"), 20), Stage::Revoked);
        assert!(!is_published(&keys[0], 20));
        assert!(!checks_refresh_tokens(&keys[0]));
        assert!(is_published(&keys[1], 20) && checks_refresh_tokens(&keys[1]));
        // Alone, a revoked key leaves no key signing (the key ring then makes one).
        assert!(current(&keys[..1], 20).is_none());
    }

    #[test]
    fn a_revoked_successor_is_not_scheduled_and_does_not_block_the_next_rotation() {
        let keys = [key("a", 0, None), revoked(key("b", 30 * DAY, None), DAY)];
        assert!(scheduled(&keys, 2 * DAY).is_none());
        assert!(due_rotation(&keys, 30 * DAY, &POLICY).is_some());
    }

    #[test]
    fn a_stand_in_for_a_revoked_signing_key_retires_when_the_scheduled_key_activates() {
        let keys = [key("a", 0, Some(30 * DAY)), key("b", 30 * DAY, None)];
        let plan = stand_in_plan(&keys, 29 * DAY, &POLICY).unwrap();
        assert_eq!(plan.activates_at, 30 * DAY);
        assert_eq!(plan.retiring_expires_at, 30 * DAY + POLICY.overlap);
        assert_eq!(stand_in_plan(&keys[..1], DAY, &POLICY), None);
    }

    #[test]
    fn a_retired_key_may_go_only_after_the_refresh_retention() {
        let retired = key("a", 0, Some(30 * DAY));
        assert_eq!(prune_window(&retired, 300 * DAY, &POLICY), None);
        assert_eq!(prune_window(&key("b", 0, None), 900 * DAY, &POLICY), None);
        assert_eq!(
            prune_window(&retired, 30 * DAY + 365 * DAY + SKEW, &POLICY),
            Some((-SKEW, 30 * DAY + SKEW))
        );
    }
}
