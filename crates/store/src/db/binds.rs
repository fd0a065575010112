//! How each backend binds a statement's arguments ([`Arg`]): the scalar kinds alike,
//! arrays on PostgreSQL only.

use sqlx::query::Query;
use sqlx::{Database, Encode, Postgres, Sqlite, Type};

use super::statement::Arg;

/// How a backend binds each kind of [`Arg`].
pub(super) trait Binds: Database {
    /// `query` with `arg` bound to its next placeholder.
    fn bind<'q>(
        query: Query<'q, Self, Self::Arguments<'q>>,
        arg: &'q Arg<'_>,
    ) -> Query<'q, Self, Self::Arguments<'q>>;
}

impl Binds for Sqlite {
    fn bind<'q>(
        query: Query<'q, Self, Self::Arguments<'q>>,
        arg: &'q Arg<'_>,
    ) -> Query<'q, Self, Self::Arguments<'q>> {
        match arg {
            // Only `RowsStatement` makes arrays, and only for PostgreSQL.
            Arg::Ints(_) | Arg::Texts(_) => unreachable!("array arguments are PostgreSQL's only"),
            scalar => bind_scalar(query, scalar),
        }
    }
}

impl Binds for Postgres {
    fn bind<'q>(
        query: Query<'q, Self, Self::Arguments<'q>>,
        arg: &'q Arg<'_>,
    ) -> Query<'q, Self, Self::Arguments<'q>> {
        match arg {
            Arg::Ints(values) => query.bind(values.as_slice()),
            Arg::Texts(values) => query.bind(
                values
                    .iter()
                    .map(|v| v.as_deref())
                    .collect::<Vec<Option<&str>>>(),
            ),
            scalar => bind_scalar(query, scalar),
        }
    }
}

/// `query` with a scalar `arg` (an integer, a text or bytes) bound; an array binds NULL
/// (the backends' [`Binds`] take arrays before they get here).
fn bind_scalar<'q, DB>(
    query: Query<'q, DB, DB::Arguments<'q>>,
    arg: &'q Arg<'_>,
) -> Query<'q, DB, DB::Arguments<'q>>
where
    DB: Database,
    Option<i64>: Encode<'q, DB> + Type<DB>,
    Option<&'q str>: Encode<'q, DB> + Type<DB>,
    &'q [u8]: Encode<'q, DB> + Type<DB>,
{
    match arg {
        Arg::Int(value) => query.bind(*value),
        Arg::Text(value) => query.bind(value.as_deref()),
        Arg::Bytes(value) => query.bind(*value),
        Arg::Ints(_) | Arg::Texts(_) => query.bind(None::<i64>),
    }
}
