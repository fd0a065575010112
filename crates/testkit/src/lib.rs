//! What several crates' tests share: unique names, a PostgreSQL database created for
//! one test and dropped when the test ends, on the server at `LATCHKEY_TEST_POSTGRES_URL` (else
//! `postgres://postgres@127.0.0.1:5432/postgres`, which `scripts/ensure-postgres.sh`
//! provides), and [`OpenApi`], which holds an answer against `crates/server/openapi.json`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::Connection as _;

pub mod openapi;

pub use openapi::OpenApi;

/// `prefix` followed by this process's id, a counter and the time in nanoseconds: a name
/// no other test, in this process or another, uses (for a database, a file, a directory).
pub fn unique_name(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    )
}

/// A database created for one test and dropped when this is dropped, even if the test
/// failed.
#[derive(Debug)]
pub struct PgDatabase {
    admin: String,
    name: String,
}

impl PgDatabase {
    /// Creates a database whose name no other test (in this process or another) uses, and
    /// returns it with its connection URL.
    ///
    /// # Panics
    ///
    /// If the PostgreSQL server cannot be reached or refuses the database.
    pub async fn create() -> (Self, String) {
        let admin = std::env::var("LATCHKEY_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let name = unique_name("latchkey_test");
        let mut connection = sqlx::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "PostgreSQL is not reachable at {admin} ({e}); run scripts/ensure-postgres.sh"
                )
            });
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut connection)
            .await
            .unwrap();
        let (base, _) = admin.rsplit_once('/').unwrap();
        let url = format!("{base}/{name}");
        (Self { admin, name }, url)
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        // Its own runtime: the test's may be shutting down.
        let dropped = std::thread::spawn(move || {
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
        if !matches!(dropped, Ok(Ok(_))) {
            eprintln!("could not drop test database {}", self.name);
        }
    }
}
