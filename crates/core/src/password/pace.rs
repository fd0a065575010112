//! Whether the cores are wanted by other work, judged by how long password hashes take.
//!
//! A hash costs a fixed amount of CPU, and the hashing threads run at idle priority, so a
//! hash's wall time stretches with everything else the machine is doing. The pace is a
//! running average of each hash's time over the fastest one seen (the latest hash counts
//! for an eighth, and for at most 3). Once it exceeds 2, the cores count as contended
//! until it falls under 1.5 (the gap keeps a load near the line from flipping it at every
//! hash). While they are contended, the hashing threads beyond the first half pause
//! before each job, so a login flood takes at most half the hashing threads while
//! requests are being served (its hashes at idle priority still fill the gaps, but they
//! also evict the request threads' caches), and all of them again once the hashes run at
//! full speed.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// The pace, in thousandths, above which the cores count as contended. Two hashes side
/// by side (sharing memory bandwidth) take about 1.2 times as long as one alone; a hash
/// squeezed by request threads at full load, 2 to 3 times.
const CONTENDED: u64 = 2_000;
/// The pace, in thousandths, under which they no longer do.
const UNCONTENDED: u64 = 1_500;
/// The most one hash counts for, in thousandths: a few hashes stalled together (the
/// machine, not the load) must not make the cores look contended, and it takes five
/// hashes in a row at this pace to cross [`CONTENDED`] from a pace of 1.3.
const MOST: u64 = 3_000;

/// How long a yielding hashing thread waits before it takes a job while the cores are
/// contended. It then hashes one job, which measures the cores again.
pub(super) const YIELD_PAUSE: Duration = Duration::from_millis(500);

#[derive(Debug)]
pub(super) struct Pace {
    fastest_micros: AtomicU64,
    /// The running average of hash time over the fastest, in thousandths.
    pace: AtomicU64,
    contended: AtomicBool,
}

impl Pace {
    pub(super) fn new() -> Self {
        Self {
            fastest_micros: AtomicU64::new(u64::MAX),
            pace: AtomicU64::new(1_000),
            contended: AtomicBool::new(false),
        }
    }

    /// Notes how long a hash took, from start to finish. A job that took less than half
    /// the fastest hash did not run a whole hash (a stored hash that failed to parse, or
    /// one made with far cheaper parameters) and is left out, so that it cannot make every
    /// later hash look slow. Two threads recording at once may lose one sample of the
    /// average, which does not matter.
    pub(super) fn record(&self, took: Duration) {
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        let fastest = self.fastest_micros.load(Ordering::Relaxed);
        if fastest != u64::MAX && micros < fastest / 2 {
            return;
        }
        let fastest = self
            .fastest_micros
            .fetch_min(micros, Ordering::Relaxed)
            .min(micros)
            .max(1);
        let ratio = (micros.saturating_mul(1_000) / fastest).min(MOST);
        let pace = self
            .pace
            .load(Ordering::Relaxed)
            .saturating_mul(7)
            .saturating_add(ratio)
            / 8;
        self.pace.store(pace, Ordering::Relaxed);
        if pace > CONTENDED {
            self.contended.store(true, Ordering::Relaxed);
        } else if pace < UNCONTENDED {
            self.contended.store(false, Ordering::Relaxed);
        }
    }

    /// Whether the hashes are being slowed down by other work.
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
    fn hashes_that_stay_much_slower_than_the_fastest_mean_contention() {
        let pace = Pace::new();
        assert!(!pace.contended());
        pace.record(10 * MS);
        for _ in 0..10 {
            pace.record(13 * MS);
        }
        assert!(!pace.contended(), "two hashes side by side");
        for _ in 0..4 {
            pace.record(40 * MS);
        }
        assert!(!pace.contended(), "a few stalled hashes are not enough");
        for _ in 0..4 {
            pace.record(30 * MS);
        }
        assert!(pace.contended(), "three times slower, hash after hash");
        pace.record(17 * MS);
        pace.record(17 * MS);
        assert!(
            pace.contended(),
            "still over one and a half times on average"
        );
        for _ in 0..12 {
            pace.record(11 * MS);
        }
        assert!(!pace.contended(), "back to full speed");
    }

    #[test]
    fn a_job_that_did_not_hash_is_left_out() {
        let pace = Pace::new();
        pace.record(10 * MS);
        pace.record(Duration::from_micros(40));
        for _ in 0..20 {
            pace.record(12 * MS);
        }
        assert!(!pace.contended(), "measured against the 10 ms hash");
    }

    #[test]
    fn at_least_half_the_threads_keep_going() {
        assert_eq!(Pace::steady(1), 1);
        assert_eq!(Pace::steady(2), 1);
        assert_eq!(Pace::steady(3), 2);
        assert_eq!(Pace::steady(8), 4);
    }
}
