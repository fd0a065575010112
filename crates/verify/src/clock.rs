//! Where "now" comes from when checking `exp` and `nbf`, so tests can pin it.

use std::time::{SystemTime, UNIX_EPOCH};

/// A source of the current time, in seconds since the Unix epoch.
///
/// [`SystemClock`] is the default. Any `Fn() -> i64` closure is a clock too, which is
/// how tests check expiry without sleeping.
///
/// ```
/// use latchkey_verify::Clock;
/// let frozen = || 1_700_000_000_i64;
/// assert_eq!(frozen.now_unix(), 1_700_000_000);
/// ```
pub trait Clock: Send + Sync + 'static {
    /// The current time, in seconds since the Unix epoch.
    fn now_unix(&self) -> i64;
}

/// The system's wall clock.
///
/// ```
/// use latchkey_verify::{Clock, SystemClock};
/// assert!(SystemClock.now_unix() > 1_600_000_000);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix(&self) -> i64 {
        // A clock before 1970 is a broken host; treating it as the epoch makes every
        // token look expired rather than valid forever.
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
    }
}

impl<F> Clock for F
where
    F: Fn() -> i64 + Send + Sync + 'static,
{
    fn now_unix(&self) -> i64 {
        self()
    }
}
