//! A transaction on a kept connection.

use std::sync::Arc;

use sqlx::{Database, TransactionManager as _};
use tokio::sync::OwnedSemaphorePermit;

use super::{Held, Taken};

/// An open transaction on a connection of [`Held`]: kept again once committed; dropped
/// uncommitted (or after a failed commit), rolled back on its way back through sqlx,
/// exactly as sqlx's own transaction is.
pub(crate) struct HeldTx<DB: Database> {
    held: Arc<Held<DB>>,
    /// `None` once committed.
    taken: Option<Taken<DB>>,
    _permit: OwnedSemaphorePermit,
}

impl<DB: Database> std::fmt::Debug for HeldTx<DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeldTx")
            .field("open", &self.taken.is_some())
            .finish_non_exhaustive()
    }
}

impl<DB: Database> HeldTx<DB> {
    /// Begins a transaction on `taken`. Dropped before `BEGIN` was answered, sqlx's own
    /// guard queues the rollback.
    pub(super) async fn begin(
        held: Arc<Held<DB>>,
        mut taken: Taken<DB>,
        permit: OwnedSemaphorePermit,
    ) -> Result<Self, sqlx::Error> {
        DB::TransactionManager::begin(&mut taken.conn, None).await?;
        Ok(Self {
            held,
            taken: Some(taken),
            _permit: permit,
        })
    }

    /// The connection, for the transaction's statements.
    pub(crate) fn conn(&mut self) -> Result<&mut DB::Connection, sqlx::Error> {
        self.taken
            .as_mut()
            .map(|taken| &mut *taken.conn)
            .ok_or(sqlx::Error::PoolClosed)
    }

    /// Commits; the connection is kept for the next statement.
    pub(crate) async fn commit(mut self) -> Result<(), sqlx::Error> {
        let Some(mut taken) = self.taken.take() else {
            return Err(sqlx::Error::PoolClosed);
        };
        match DB::TransactionManager::commit(&mut taken.conn).await {
            Ok(()) => {
                self.held.release(taken);
                Ok(())
            }
            Err(err) => {
                self.taken = Some(taken);
                Err(err)
            }
        }
    }
}

impl<DB: Database> Drop for HeldTx<DB> {
    fn drop(&mut self) {
        if let Some(mut taken) = self.taken.take() {
            // Queued here, sent by sqlx's ping on the connection's way back to the pool.
            DB::TransactionManager::start_rollback(&mut taken.conn);
        }
    }
}
