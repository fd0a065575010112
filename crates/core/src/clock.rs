//! The source of "now", injectable so that tests can move time.

/// Tells the time in Unix seconds.
pub trait Clock: Send + Sync + 'static {
    /// Seconds since the Unix epoch.
    fn now(&self) -> i64;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        // The verify library's reading of the wall clock, so both agree on a broken host.
        latchkey_verify::Clock::now_unix(&latchkey_verify::SystemClock)
    }
}
