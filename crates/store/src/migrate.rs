//! Each backend's migrations, embedded in the binary so that an installed `latchkeyd`
//! needs no files beside it.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

/// An ordered list of `(version, description, sql)`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Embedded(pub &'static [(i64, &'static str, &'static str)]);

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 's>> {
        Box::pin(async move {
            Ok(self
                .0
                .iter()
                .map(|(version, description, sql)| {
                    Migration::new(
                        *version,
                        Cow::Borrowed(description),
                        MigrationType::Simple,
                        Cow::Borrowed(sql),
                        false,
                    )
                })
                .collect())
        })
    }
}

pub(crate) const SQLITE: Embedded = Embedded(&[
    (
        1,
        "init",
        include_str!("../migrations/sqlite/0001_init.sql"),
    ),
    (
        2,
        "rotation",
        include_str!("../migrations/sqlite/0002_rotation.sql"),
    ),
    (
        4,
        "upkeep",
        include_str!("../migrations/sqlite/0004_upkeep.sql"),
    ),
    (
        5,
        "attempts",
        include_str!("../migrations/sqlite/0005_attempts.sql"),
    ),
    (
        6,
        "audit",
        include_str!("../migrations/sqlite/0006_audit.sql"),
    ),
    (
        7,
        "credentials",
        include_str!("../migrations/sqlite/0007_credentials.sql"),
    ),
    (
        8,
        "checking",
        include_str!("../migrations/sqlite/0008_checking.sql"),
    ),
    (
        9,
        "key_revocation",
        include_str!("../migrations/sqlite/0009_key_revocation.sql"),
    ),
    (
        10,
        "status_list",
        include_str!("../migrations/sqlite/0010_status_list.sql"),
    ),
    (
        11,
        "console_sessions",
        include_str!("../migrations/sqlite/0011_console_sessions.sql"),
    ),
    (
        12,
        "client_key_lifecycle",
        include_str!("../migrations/sqlite/0012_client_key_lifecycle.sql"),
    ),
]);

pub(crate) const POSTGRES: Embedded = Embedded(&[
    (
        1,
        "init",
        include_str!("../migrations/postgres/0001_init.sql"),
    ),
    (
        2,
        "rotation",
        include_str!("../migrations/postgres/0002_rotation.sql"),
    ),
    (
        4,
        "upkeep",
        include_str!("../migrations/postgres/0004_upkeep.sql"),
    ),
    (
        5,
        "attempts",
        include_str!("../migrations/postgres/0005_attempts.sql"),
    ),
    (
        6,
        "audit",
        include_str!("../migrations/postgres/0006_audit.sql"),
    ),
    (
        7,
        "credentials",
        include_str!("../migrations/postgres/0007_credentials.sql"),
    ),
    (
        8,
        "checking",
        include_str!("../migrations/postgres/0008_checking.sql"),
    ),
    (
        9,
        "key_revocation",
        include_str!("../migrations/postgres/0009_key_revocation.sql"),
    ),
    (
        10,
        "status_list",
        include_str!("../migrations/postgres/0010_status_list.sql"),
    ),
    (
        11,
        "console_sessions",
        include_str!("../migrations/postgres/0011_console_sessions.sql"),
    ),
    (
        12,
        "client_key_lifecycle",
        include_str!("../migrations/postgres/0012_client_key_lifecycle.sql"),
    ),
]);

/// The migrator for an embedded list.
pub(crate) async fn migrator(source: Embedded) -> anyhow::Result<Migrator> {
    Ok(Migrator::new(source).await?)
}
