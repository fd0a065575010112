//! A PostgreSQL database created for one test and dropped when the test ends, on the
//! server at `LATCHKEY_TEST_POSTGRES_URL` (else `postgres://postgres@127.0.0.1:5432/postgres`,
//! which `scripts/ensure-postgres.sh` provides).

use sqlx::Connection as _;

use crate::scratch::unique_name;

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
