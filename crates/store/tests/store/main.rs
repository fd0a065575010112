//! The stores driven directly, on SQLite and on PostgreSQL (a database of its own from
//! `latchkey_testkit`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod attempts;
mod client_keys;
mod console_sessions;
mod guards;
mod rotation;
mod sqlite;
mod status_indexes;

use std::sync::Arc;

use latchkey_core::Store;
use latchkey_core::email::Email;
use latchkey_core::ids::AccountId;
use latchkey_core::store::AccountRecord;
use latchkey_store::StoreOptions;
use latchkey_testkit::{Backend, OnBackend, TestDatabase};

/// A store on a fresh database, removed when this is dropped.
pub struct TestStore {
    /// The store under test.
    pub store: Arc<dyn Store>,
    /// The database, dropped after the store (fields drop in order).
    pub database: TestDatabase,
}

impl TestStore {
    /// A store on a new database of `backend`.
    pub async fn open(backend: Backend) -> Self {
        let database = TestDatabase::create(backend).await;
        let store = latchkey_store::open(database.url(), &StoreOptions::default())
            .await
            .unwrap();
        Self { store, database }
    }
}

impl OnBackend for TestStore {
    fn on(backend: Backend) -> impl Future<Output = Self> {
        Self::open(backend)
    }
}

/// Inserts an account with `email`, created at `now`, holding `status_idx` (its password
/// hash a placeholder), and returns it.
pub async fn insert_account(
    store: &dyn Store,
    email: &str,
    now: i64,
    status_idx: Option<u64>,
) -> AccountRecord {
    let account = AccountRecord {
        id: AccountId::generate().unwrap(),
        email: Email::parse(email).unwrap(),
        password_hash: "not a hash".into(),
        created_at: now,
        tokens_not_before: now,
        credential_generation: 0,
        status_idx,
    };
    store.insert_account(&account).await.unwrap();
    account
}

/// Runs each listed `async fn(TestStore)` on both backends, on two worker threads.
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        latchkey_testkit::backend_tests!(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)] $($name),*
        );
    };
}
pub(crate) use backend_tests;
