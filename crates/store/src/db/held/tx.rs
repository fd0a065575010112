//! A transaction on a kept connection.

use std::sync::Arc;

use sqlx::pool::PoolConnection;
use sqlx::{Database, TransactionManager as _};
use tokio::sync::OwnedSemaphorePermit;

use super::Held;

/// An open transaction on a connection of [`Held`]: kept again once committed; dropped
/// uncommitted (or after a failed commit), rolled back on its way back through sqlx,
/// exactly as sqlx's own transaction is.
pub(crate) struct HeldTx<DB: Database> {
    held: Arc<Held<DB>>,
    /// `None` once committed.
    conn: Option<PoolConnection<DB>>,
    _permit: OwnedSemaphorePermit,
}

impl<DB: Database> std::fmt::Debug for HeldTx<DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeldTx")
            .field("open", &self.conn.is_some())
            .finish_non_exhaustive()
    }
}

impl<DB: Database> HeldTx<DB> {
    /// Begins a transaction on `conn`. Dropped before `BEGIN` was answered, sqlx's own
    /// guard queues the rollback.
    pub(super) async fn begin(
        held: Arc<Held<DB>>,
        mut conn: PoolConnection<DB>,
        permit: OwnedSemaphorePermit,
    ) -> Result<Self, sqlx::Error> {
        DB::TransactionManager::begin(&mut conn, None).await?;
        Ok(Self {
            held,
            conn: Some(conn),
            _permit: permit,
        })
    }

    /// The connection, for the transaction's statements.
    pub(crate) fn conn(&mut self) -> Result<&mut DB::Connection, sqlx::Error> {
        self.conn.as_deref_mut().ok_or(sqlx::Error::PoolClosed)
    }

    /// Commits; the connection is kept for the next statement.
    pub(crate) async fn commit(mut self) -> Result<(), sqlx::Error> {
        let Some(mut conn) = self.conn.take() else {
            return Err(sqlx::Error::PoolClosed);
        };
        match DB::TransactionManager::commit(&mut conn).await {
            Ok(()) => {
                self.held.release(conn);
                Ok(())
            }
            Err(err) => {
                self.conn = Some(conn);
                Err(err)
            }
        }
    }
}

impl<DB: Database> Drop for HeldTx<DB> {
    fn drop(&mut self) {
        if let Some(mut conn) = self.conn.take() {
            // Queued here, sent by sqlx's ping on the connection's way back to the pool.
            DB::TransactionManager::start_rollback(&mut conn);
        }
    }
}
