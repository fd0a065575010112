//! A fresh database per test on either storage backend, and [`backend_tests!`], which runs
//! one test body on both.

use std::future::Future;
use std::path::PathBuf;

use crate::postgres::PgDatabase;
use crate::scratch::TempDir;

/// Which storage backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file in a directory of its own.
    Sqlite,
    /// A database of its own on the test PostgreSQL server.
    Postgres,
}

/// A database no other test uses, removed when dropped: an SQLite file in a [`TempDir`], or
/// a [`PgDatabase`].
#[derive(Debug)]
pub struct TestDatabase {
    url: String,
    /// The SQLite file (its directory goes with it, `-wal` and `-shm` included).
    sqlite: Option<(PathBuf, TempDir)>,
    _postgres: Option<PgDatabase>,
}

impl TestDatabase {
    /// A new, empty database on `backend` (latchkeyd and the stores create the schema).
    ///
    /// # Panics
    ///
    /// If PostgreSQL is asked for and cannot be reached.
    pub async fn create(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = TempDir::new();
                let file = dir.0.join("latchkey.db");
                Self {
                    url: format!("sqlite://{}", file.display()),
                    sqlite: Some((file, dir)),
                    _postgres: None,
                }
            }
            Backend::Postgres => {
                let (database, url) = PgDatabase::create().await;
                Self {
                    url,
                    sqlite: None,
                    _postgres: Some(database),
                }
            }
        }
    }

    /// The connection URL (`sqlite://…` or `postgres://…`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The SQLite database file, on that backend.
    pub fn sqlite_file(&self) -> Option<&std::path::Path> {
        self.sqlite.as_ref().map(|(file, _)| file.as_path())
    }
}

/// What a backend test is handed: something built on a fresh database of a backend
/// (the test kit's `TestApp`, a crate's own store fixture).
pub trait OnBackend: Sized {
    /// Builds it on a fresh database of `backend`.
    fn on(backend: Backend) -> impl Future<Output = Self>;
}

/// Builds the fixture `test` takes on `backend` and runs `test` with it: the body of each
/// test that [`backend_tests!`] writes.
pub async fn run_on<T, F>(backend: Backend, test: impl FnOnce(T) -> F)
where
    T: OnBackend,
    F: Future<Output = ()>,
{
    test(T::on(backend).await).await;
}

/// Runs each listed `async fn(fixture)` once per storage backend: for each name, a module
/// of that name with the tests `sqlite` and `postgres`. The fixture is any [`OnBackend`]
/// type (what the function takes decides it). An optional first `#[test attribute]`
/// replaces `#[tokio::test]`.
///
/// ```ignore
/// latchkey_testkit::backend_tests!(signup_works);
///
/// async fn signup_works(app: TestApp) { /* … */ }
/// ```
#[macro_export]
macro_rules! backend_tests {
    (#[$test:meta] $($name:ident),* $(,)?) => {$(
        mod $name {
            #[$test]
            async fn sqlite() {
                $crate::run_on($crate::Backend::Sqlite, super::$name).await;
            }

            #[$test]
            async fn postgres() {
                $crate::run_on($crate::Backend::Postgres, super::$name).await;
            }
        }
    )*};
    ($($name:ident),* $(,)?) => {
        $crate::backend_tests!(#[tokio::test] $($name),*);
    };
}
