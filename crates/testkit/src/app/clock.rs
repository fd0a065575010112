//! [`TestClock`]: the time a [`super::TestApp`] sees, which its test moves.

use std::sync::atomic::{AtomicI64, Ordering};

use latchkey_core::{Clock, SystemClock};

/// A clock that tests can move forward: the real time plus an offset, or, once frozen,
/// a fixed time that only `advance` moves (for schedules of a few seconds that a slow
/// machine must not overrun).
#[derive(Debug, Default)]
pub struct TestClock {
    offset: AtomicI64,
    /// The frozen time; 0 while the clock follows the real one.
    frozen: AtomicI64,
}

impl TestClock {
    /// Moves the clock `seconds` forward.
    pub fn advance(&self, seconds: i64) {
        self.offset.fetch_add(seconds, Ordering::SeqCst);
    }

    /// Stops the clock at the current time; only `advance` moves it from now on.
    pub fn freeze(&self) {
        self.frozen.store(SystemClock.now(), Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> i64 {
        let base = match self.frozen.load(Ordering::SeqCst) {
            0 => SystemClock.now(),
            frozen => frozen,
        };
        base + self.offset.load(Ordering::SeqCst)
    }
}
