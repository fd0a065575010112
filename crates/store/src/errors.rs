//! Maps database errors to [`StoreError`].

use latchkey_core::StoreError;

/// Classifies a database error: unique-constraint violations become `Conflict`, lost or
/// refused connections, pool timeouts and a PostgreSQL server shutting down or ending the
/// connection become `Unavailable` (HTTP 503), the rest `Other`.
pub(crate) fn classify(err: sqlx::Error) -> StoreError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict,
        // SQLSTATE class 57P: admin_shutdown, crash_shutdown, cannot_connect_now,
        // database_dropped, idle_session_timeout. The pool pings only connections that sat
        // idle (`crate::postgres`), so a connection ended by a restart a moment ago is met
        // by a query, and answers this.
        sqlx::Error::Database(db) if db.code().is_some_and(|code| code.starts_with("57P")) => {
            StoreError::Unavailable(err.into())
        }
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Tls(_) => StoreError::Unavailable(err.into()),
        sqlx::Error::Protocol(_) | sqlx::Error::WorkerCrashed => {
            StoreError::Unavailable(err.into())
        }
        _ => StoreError::Other(err.into()),
    }
}

/// `?`-friendly conversion for query results.
pub(crate) trait OrStoreError<T> {
    /// Converts the error with [`classify`].
    fn store_err(self) -> Result<T, StoreError>;
}

impl<T> OrStoreError<T> for Result<T, sqlx::Error> {
    fn store_err(self) -> Result<T, StoreError> {
        self.map_err(classify)
    }
}

/// A value read from the database that does not parse.
pub(crate) fn corrupt(what: &str) -> StoreError {
    StoreError::Other(anyhow::anyhow!("corrupt {what} in the database"))
}
