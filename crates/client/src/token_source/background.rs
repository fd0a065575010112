//! The background refresh: a task that renews the token when it comes within the margin
//! of its expiry, so that callers of [`TokenSource::access_token`] never wait for it.
//!
//! A failed round is retried after a delay that doubles from the first retry delay up to
//! the maximum, with a little jitter so that many clients of a recovering service do not
//! return in step. Nothing a failure does can stop the loop: the supabase-swift#630 class
//! of bug (an auto-refresh that dies with its first error and leaves the session to
//! expire) cannot happen, and a caller that needs a token meanwhile renews it itself.

use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep_until};

use super::{Shared, TokenSource, is_final};

/// The background refresh task of a [`TokenSource`]; it stops when this is dropped, or
/// when the last clone of the source is dropped.
#[derive(Debug)]
pub struct BackgroundRefresh {
    task: JoinHandle<()>,
}

impl Drop for BackgroundRefresh {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TokenSource {
    /// Starts a task that refreshes the token ahead of expiry (needs a Tokio runtime).
    ///
    /// ```no_run
    /// # async fn demo(source: latchkey_client::TokenSource) {
    /// let refresher = source.refresh_in_background();
    /// // … use `source.access_token()` freely; it never waits on a refresh …
    /// drop(refresher); // stops the task
    /// # }
    /// ```
    #[must_use = "the task stops when the handle is dropped"]
    pub fn refresh_in_background(&self) -> BackgroundRefresh {
        let shared = Arc::downgrade(&self.shared);
        BackgroundRefresh {
            task: tokio::spawn(run(shared)),
        }
    }
}

async fn run(shared: Weak<Shared>) {
    let mut failures: u32 = 0;
    loop {
        let Some(source) = shared.upgrade().map(|shared| TokenSource { shared }) else {
            return;
        };
        let due = source
            .lock()
            .access
            .as_ref()
            .map_or_else(Instant::now, |access| access.lifetime.refresh_at);
        let mut changes = source.subscribe();
        let retry = source.shared.retry;
        drop(source);
        let wake = if failures == 0 {
            due
        } else {
            due.max(Instant::now() + delay(retry, failures))
        };
        // New tokens (a caller renewed them) move the due time: wake up and look again.
        tokio::select! {
            () = sleep_until(wake) => {}
            _ = changes.changed() => { failures = 0; continue; }
        }
        let Some(source) = shared.upgrade().map(|shared| TokenSource { shared }) else {
            return;
        };
        match source.renew_if_due().await {
            Ok(()) => failures = 0,
            Err(error) if is_final(&error) => {
                // Retrying cannot help until someone gives the source new tokens.
                drop(source);
                failures = 0;
                // Only tokens given after this failure count (not the drop it caused).
                changes.borrow_and_update();
                if changes.changed().await.is_err() {
                    return;
                }
            }
            Err(_) => failures = failures.saturating_add(1),
        }
    }
}

/// `first · 2^(failures-1)`, at most `max`, plus up to a tenth of jitter.
fn delay((first, max): (Duration, Duration), failures: u32) -> Duration {
    let base = first
        .saturating_mul(1 << failures.saturating_sub(1).min(16))
        .min(max);
    let nanos = u64::from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .subsec_nanos(),
    );
    base + base / 10 * u32::try_from(nanos % 1000).unwrap_or(0) / 1000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_doubles_up_to_the_maximum() {
        let retry = (Duration::from_secs(1), Duration::from_secs(60));
        let within = |failures, secs: f64| {
            let d = delay(retry, failures).as_secs_f64();
            assert!(d >= secs && d <= secs * 1.1, "{failures} failures: {d}s");
        };
        within(1, 1.0);
        within(2, 2.0);
        within(3, 4.0);
        within(7, 60.0);
        within(40, 60.0);
    }
}
