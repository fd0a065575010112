//! Whether the cores are wanted by other work, judged by how long password hashes take.
//!
//! A hash costs a fixed amount of CPU, and the hashing threads run at idle priority, so a
//! hash's wall time stretches with everything else the machine is doing. Once a hash takes
//! more than twice as long as the fastest one seen, the cores count as contended until a
//! hash takes less than one and a half times as long (the gap keeps a load near the line
//! from flipping it at every hash). While they are contended, the hashing threads beyond
//! the first half pause before each job, so a
//! login flood takes at most half the hashing threads while requests are being served
//! (its hashes at idle priority still fill the gaps, but they also evict the request
//! threads' caches), and all of them again once the hashes run at full speed.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// A hash taking more than `CONTENDED / 2` times the fastest means the cores are
/// contended. Two hashes side by side (sharing memory bandwidth) take about 1.2 times as
/// long as one alone; a hash squeezed by request threads at full load, 2 to 3 times.
const CONTENDED: u64 = 4;
/// A hash taking less than `UNCONTENDED / 2` times the fastest means they are not.
const UNCONTENDED: u64 = 3;

/// How long a yielding hashing thread waits before it takes a job while the cores are
/// contended. It then hashes one job, which measures the cores again.
pub(super) const YIELD_PAUSE: Duration = Duration::from_millis(500);

#[derive(Debug)]
pub(super) struct Pace {
    fastest_micros: AtomicU64,
    contended: AtomicBool,
}

impl Pace {
    pub(super) fn new() -> Self {
        Self {
            fastest_micros: AtomicU64::new(u64::MAX),
            contended: AtomicBool::new(false),
        }
    }

    /// Notes how long a hash took, from start to finish.
    pub(super) fn record(&self, took: Duration) {
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        let fastest = self
            .fastest_micros
            .fetch_min(micros, Ordering::Relaxed)
            .min(micros);
        let doubled = micros.saturating_mul(2);
        if doubled > fastest.saturating_mul(CONTENDED) {
            self.contended.store(true, Ordering::Relaxed);
        } else if doubled < fastest.saturating_mul(UNCONTENDED) {
            self.contended.store(false, Ordering::Relaxed);
        }
    }

    /// Whether the latest hash was slowed down by other work.
    pub(super) fn contended(&self) -> bool {
        self.contended.load(Ordering::Relaxed)
    }

    /// How many of `threads` hashing threads keep taking jobs when the cores are
    /// contended: half, rounded up.
    pub(super) fn steady(threads: usize) -> usize {
        threads.div_ceil(2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn a_hash_much_slower_than_the_fastest_means_contention() {
        let pace = Pace::new();
        assert!(!pace.contended());
        pace.record(10 * MS);
        assert!(!pace.contended());
        pace.record(14 * MS);
        assert!(!pace.contended(), "two hashes side by side");
        pace.record(21 * MS);
        assert!(pace.contended());
        pace.record(16 * MS);
        assert!(pace.contended(), "still over one and a half times");
        pace.record(14 * MS);
        assert!(!pace.contended(), "back to near full speed");
        pace.record(19 * MS);
        assert!(!pace.contended(), "not yet twice");
        pace.record(8 * MS);
        pace.record(17 * MS);
        assert!(pace.contended(), "measured against the new fastest");
    }

    #[test]
    fn at_least_half_the_threads_keep_going() {
        assert_eq!(Pace::steady(1), 1);
        assert_eq!(Pace::steady(2), 1);
        assert_eq!(Pace::steady(3), 2);
        assert_eq!(Pace::steady(8), 4);
    }
}
