//! The stores driven directly, on SQLite and on PostgreSQL (a database of its own from
//! `latchkey_testkit`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod guards;
mod rotation;
mod sqlite;

use std::path::PathBuf;
use std::sync::Arc;

use latchkey_core::Store;
use latchkey_store::StoreOptions;
use latchkey_testkit::{PgDatabase, unique_name};

/// A store on a fresh database, removed when this is dropped.
pub struct TestStore {
    /// The store under test.
    pub store: Arc<dyn Store>,
    /// The SQLite file, removed on drop.
    file: Option<PathBuf>,
    /// The PostgreSQL database, dropped after the store (fields drop in order).
    _database: Option<PgDatabase>,
}

impl TestStore {
    /// A store on a new SQLite file in the temporary directory.
    pub async fn sqlite() -> Self {
        let path = std::env::temp_dir().join(format!("{}.db", unique_name("latchkey_store_test")));
        let url = format!("sqlite://{}", path.display());
        let store = latchkey_store::open(&url, &StoreOptions::default())
            .await
            .unwrap();
        Self {
            store,
            file: Some(path),
            _database: None,
        }
    }

    /// A store on a new PostgreSQL database.
    pub async fn postgres() -> Self {
        let (database, url) = PgDatabase::create().await;
        let store = latchkey_store::open(&url, &StoreOptions::default())
            .await
            .unwrap();
        Self {
            store,
            file: None,
            _database: Some(database),
        }
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        if let Some(path) = &self.file {
            for suffix in ["", "-wal", "-shm"] {
                let mut file = path.clone().into_os_string();
                file.push(suffix);
                let _ = std::fs::remove_file(file);
            }
        }
    }
}

/// Runs each listed `async fn(TestStore)` on both backends.
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::TestStore::sqlite().await).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::TestStore::postgres().await).await;
            }
        }
    )*};
}
pub(crate) use backend_tests;
