//! The stores driven directly, on SQLite and on PostgreSQL (at
//! `LATCHKEY_TEST_POSTGRES_URL`, else `postgres://postgres@127.0.0.1:5432/postgres`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod rotation;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use latchkey_core::Store;
use latchkey_store::StoreOptions;
use sqlx::Connection as _;

/// A store on a fresh database, removed when this is dropped.
pub struct TestStore {
    /// The store under test.
    pub store: Arc<dyn Store>,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    Database { admin: String, name: String },
}

fn unique_name() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "latchkey_store_test_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    )
}

impl TestStore {
    /// A store on a new SQLite file in the temporary directory.
    pub async fn sqlite() -> Self {
        let path = std::env::temp_dir().join(format!("{}.db", unique_name()));
        let url = format!("sqlite://{}", path.display());
        let store = latchkey_store::open(&url, &StoreOptions::default())
            .await
            .unwrap();
        Self {
            store,
            cleanup: Cleanup::File(path),
        }
    }

    /// A store on a new PostgreSQL database.
    pub async fn postgres() -> Self {
        let admin = std::env::var("LATCHKEY_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let name = unique_name();
        let mut connection = sqlx::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL is not reachable at {admin} ({e})"));
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut connection)
            .await
            .unwrap();
        let (base, _) = admin.rsplit_once('/').unwrap();
        let store = latchkey_store::open(&format!("{base}/{name}"), &StoreOptions::default())
            .await
            .unwrap();
        Self {
            store,
            cleanup: Cleanup::Database { admin, name },
        }
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut file = path.clone().into_os_string();
                    file.push(suffix);
                    let _ = std::fs::remove_file(file);
                }
            }
            Cleanup::Database { admin, name } => {
                let (admin, name) = (admin.clone(), name.clone());
                // Its own runtime: the test's may be shutting down.
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    runtime.block_on(async {
                        let mut connection = sqlx::PgConnection::connect(&admin).await?;
                        sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                            .execute(&mut connection)
                            .await
                    })
                })
                .join();
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
