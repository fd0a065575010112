//! Connections kept between statements, instead of going back to sqlx's pool after each.
//!
//! sqlx returns a connection to its pool from a task it spawns, and that task pings the
//! database first: a second round trip for every statement (a `Sync` and its answer on
//! PostgreSQL, a hop to the worker thread and back on SQLite), paid by the database and
//! by us. A connection whose statement was answered in full (rows, or an error from the
//! database itself) is left exactly as that ping would leave it: sqlx drains what is left
//! of an answer before it sends the next statement. So [`Held`] keeps such connections
//! itself and hands them to the next statement. One whose statement failed otherwise (an
//! I/O error) or was cancelled goes back to sqlx, whose ping recovers or closes it. A
//! transaction ([`HeldTx`]) takes a kept connection too, and keeps it again once committed;
//! one dropped uncommitted is rolled back on its way back through sqlx, as sqlx's own is.
//!
//! The pool's limit stays the limit, and nothing waits on sqlx while a connection sits
//! idle here:
//! - every user of a connection, statement or transaction, holds one of the pool's
//!   `max_connections` permits;
//! - a statement or transaction takes a kept connection if there is one, and asks sqlx
//!   only if not;
//! - while anyone waits on sqlx, a released connection goes back to sqlx, not here.
//!
//! sqlx's own upkeep still applies: a connection kept idle for [`GIVE_BACK_AFTER`] goes
//! back to sqlx (whose idle timeout and `min_connections` then decide whether it stays
//! open), and one kept for longer than the pool's maximum lifetime goes back at its next
//! release (sqlx closes it there), so a burst's connections do not stay open for ever.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use sqlx::pool::PoolConnection;
use sqlx::{Connection as _, Database, Pool};
use tokio::sync::Semaphore;
use tokio::time::MissedTickBehavior;

mod tx;

pub(crate) use tx::HeldTx;

/// A connection kept idle this long goes back to sqlx's pool. Long enough that a pool under
/// steady load does not give back connections it needs again seconds later: one given
/// back is taken from sqlx again, and while a statement waits there the connections
/// released meanwhile go back through sqlx too (with 10 s, client-credentials grants on
/// SQLite ran 2 % slower in alternating runs).
pub(crate) const GIVE_BACK_AFTER: Duration = Duration::from_secs(60);

/// A sqlx pool and the connections kept out of it between statements.
#[derive(Debug)]
pub(crate) struct Held<DB: Database> {
    pool: Pool<DB>,
    permits: Arc<Semaphore>,
    state: Mutex<State<DB>>,
    /// A kept connection idle for this long is pinged before it is used (a server
    /// restarted since is found before a statement fails on it).
    ping_after_idle: Option<Duration>,
    /// A kept connection idle this long goes back to sqlx.
    give_back_after: Duration,
}

#[derive(Debug)]
struct State<DB: Database> {
    /// Kept connections, in the order they were released: the last released is used
    /// first, and the first ones are those idle longest.
    idle: Vec<Kept<DB>>,
    /// Callers waiting for sqlx to hand out a connection.
    waiting: usize,
}

/// A connection out of sqlx's pool, and since when (its first statement here).
#[derive(Debug)]
pub(super) struct Taken<DB: Database> {
    conn: PoolConnection<DB>,
    since: Instant,
}

/// A kept connection, idle since `released`.
#[derive(Debug)]
struct Kept<DB: Database> {
    taken: Taken<DB>,
    released: Instant,
}

/// Counts its holder among those waiting on sqlx for as long as it lives.
struct Waiting<'a, DB: Database>(&'a Held<DB>);

impl<DB: Database> Drop for Waiting<'_, DB> {
    fn drop(&mut self) {
        self.0.state().waiting -= 1;
    }
}

impl<DB: Database> Held<DB> {
    /// Keeps connections of `pool` between statements, and gives them back to it once
    /// idle for `give_back_after` (from a task on the current runtime, if there is one).
    pub(crate) fn new(
        pool: Pool<DB>,
        ping_after_idle: Option<Duration>,
        give_back_after: Duration,
    ) -> Arc<Self> {
        let max = usize::try_from(pool.options().get_max_connections()).unwrap_or(usize::MAX);
        let held = Arc::new(Self {
            permits: Arc::new(Semaphore::new(max.max(1))),
            pool,
            state: Mutex::new(State {
                idle: Vec::new(),
                waiting: 0,
            }),
            ping_after_idle,
            give_back_after,
        });
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(give_back_idle(Arc::downgrade(&held)));
        }
        held
    }

    /// The sqlx pool.
    pub(crate) fn pool(&self) -> &Pool<DB> {
        &self.pool
    }

    /// Connections kept here, idle.
    pub(crate) fn kept(&self) -> usize {
        self.state().idle.len()
    }

    fn state(&self) -> MutexGuard<'_, State<DB>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs one statement on a connection: a kept one if any, else one from sqlx. The
    /// connection is kept again if the statement was answered (rows, or an error from the
    /// database itself); otherwise, or if this future is dropped before it ends, it goes
    /// back to sqlx, whose ping recovers or closes it.
    ///
    /// # Errors
    ///
    /// The statement's, [`sqlx::Error::PoolTimedOut`] after the pool's acquire timeout,
    /// or what sqlx answers when asked for a connection.
    pub(crate) async fn run<T>(
        &self,
        statement: impl AsyncFnOnce(&mut DB::Connection) -> Result<T, sqlx::Error>,
    ) -> Result<T, sqlx::Error> {
        // A permit free at once costs no timer.
        let permit = match self.permits.try_acquire() {
            Ok(permit) => permit,
            Err(_) => self.within_timeout(self.permits.acquire()).await?,
        };
        let mut taken = self.connection().await?;
        let result = statement(&mut taken.conn).await;
        if matches!(
            result,
            Ok(_) | Err(sqlx::Error::Database(_) | sqlx::Error::RowNotFound)
        ) {
            self.release(taken);
        }
        drop(permit);
        result
    }

    /// A kept connection if any (pinged first if it has been idle long), else one from
    /// sqlx. The caller holds a permit.
    async fn connection(&self) -> Result<Taken<DB>, sqlx::Error> {
        loop {
            let kept = {
                let mut state = self.state();
                let kept = state.idle.pop();
                if kept.is_none() {
                    state.waiting += 1;
                }
                kept
            };
            let Some(Kept {
                mut taken,
                released,
            }) = kept
            else {
                let _waiting = Waiting(self);
                let conn = self.pool.acquire().await?;
                return Ok(Taken {
                    conn,
                    since: Instant::now(),
                });
            };
            let stale = self
                .ping_after_idle
                .is_some_and(|d| released.elapsed() >= d);
            if !stale || taken.conn.ping().await.is_ok() {
                return Ok(taken);
            }
            // Broken: dropped, sqlx closes it on its way back.
        }
    }

    /// Begins a transaction on a kept connection if any, else one from sqlx; it holds a
    /// permit until it ends.
    ///
    /// # Errors
    ///
    /// As [`Held::run`].
    pub(crate) async fn begin(self: &Arc<Self>) -> Result<HeldTx<DB>, sqlx::Error> {
        let permit = match Arc::clone(&self.permits).try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                self.within_timeout(Arc::clone(&self.permits).acquire_owned())
                    .await?
            }
        };
        let taken = self.connection().await?;
        HeldTx::begin(Arc::clone(self), taken, permit).await
    }

    async fn within_timeout<P, E>(
        &self,
        permit: impl Future<Output = Result<P, E>>,
    ) -> Result<P, sqlx::Error> {
        match tokio::time::timeout(self.pool.options().get_acquire_timeout(), permit).await {
            Ok(Ok(permit)) => Ok(permit),
            // The semaphore is never closed; a timeout is the pool's.
            Ok(Err(_)) | Err(_) => Err(sqlx::Error::PoolTimedOut),
        }
    }

    /// Keeps `taken`, or gives it back to sqlx if someone waits there or it has been out
    /// of sqlx's pool for longer than the pool's maximum lifetime.
    fn release(&self, taken: Taken<DB>) {
        let lifetime = self.pool.options().get_max_lifetime();
        let mut state = self.state();
        let released = Instant::now();
        let expired = lifetime.is_some_and(|l| released.duration_since(taken.since) >= l);
        if state.waiting == 0 && !expired {
            state.idle.push(Kept { taken, released });
        } else {
            drop(state);
            drop(taken);
        }
    }

    /// Gives the connections kept idle for `give_back_after` or longer back to sqlx.
    fn give_back_idle(&self) {
        let given_back: Vec<Kept<DB>> = {
            let mut state = self.state();
            let idle_long = state
                .idle
                .iter()
                .take_while(|kept| kept.released.elapsed() >= self.give_back_after)
                .count();
            state.idle.drain(..idle_long).collect()
        };
        drop(given_back);
    }
}

/// Gives `held`'s long-idle connections back to sqlx, checking twice per
/// `give_back_after`, until `held` is dropped.
async fn give_back_idle<DB: Database>(held: std::sync::Weak<Held<DB>>) {
    let Some(every) = held.upgrade().map(|held| held.give_back_after / 2) else {
        return;
    };
    let mut ticks = tokio::time::interval(every.max(Duration::from_millis(10)));
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let Some(held) = held.upgrade() else { return };
        held.give_back_idle();
    }
}

#[cfg(test)]
mod tests;
