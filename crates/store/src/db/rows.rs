//! A statement over many rows (`… FROM <rows> AS v WHERE …`, a group commit's), its row
//! source as each backend takes it best: a `VALUES` list on SQLite, `UNNEST` of one array
//! per column on PostgreSQL. Its text depends only on the backend and, on SQLite, on the
//! number of rows: [`RowsStatement`] makes each once and keeps it.

use std::borrow::Cow;
use std::sync::OnceLock;

use super::Db;
use super::statement::{Arg, Sql};

/// The largest number of rows whose SQLite text [`RowsStatement`] keeps: a group
/// commit's largest batch (`crate::batch`). Larger ones are made for each run.
const KEPT_UP_TO: usize = crate::batch::MAX_BATCH;

/// A statement whose rows come from a row source `v` of many rows: `head`, the rows,
/// then `tail`. Its text was made for every batch (on SQLite a group of numbered
/// placeholders per row, then their renaming to `?`: half the reallocations of a
/// client-credentials grant); it is now made once per backend and number of rows, the
/// first time that number comes, and kept.
pub(crate) struct RowsStatement {
    /// The text before the row source, without placeholders.
    head: &'static str,
    /// The names and types of the row source's columns.
    columns: &'static [(&'static str, Column)],
    /// The text after the row source, for a backend, without placeholders.
    tail: fn(&Db) -> String,
    /// SQLite's texts, by number of rows less one.
    sqlite: [OnceLock<Box<str>>; KEPT_UP_TO],
    /// PostgreSQL's one text.
    postgres: OnceLock<Box<str>>,
}

impl RowsStatement {
    /// The statement `head` rows `tail`, the rows named and typed by `columns`.
    pub(crate) const fn new(
        head: &'static str,
        columns: &'static [(&'static str, Column)],
        tail: fn(&Db) -> String,
    ) -> Self {
        Self {
            head,
            columns,
            tail,
            sqlite: [const { OnceLock::new() }; KEPT_UP_TO],
            postgres: OnceLock::new(),
        }
    }

    /// The statement over `rows` (each a value per column, in `columns`' order) for `db`.
    pub(crate) fn sql<'a>(&'static self, db: &Db, rows: Vec<Vec<Arg<'a>>>) -> Sql<'a> {
        match db {
            Db::Sqlite(_) => {
                let text = match self.sqlite.get(rows.len().wrapping_sub(1)) {
                    Some(kept) => Cow::Borrowed(&**kept.get_or_init(|| self.text(db, rows.len()))),
                    None => Cow::Owned(self.text(db, rows.len()).into_string()),
                };
                Sql::with_anonymous(text, rows.into_iter().flatten().collect())
            }
            Db::Postgres(_) => {
                let text = self.postgres.get_or_init(|| self.text(db, 0));
                let mut sql = Sql::new(&**text);
                for array in arrays(self.columns, rows) {
                    sql = sql.bind(array);
                }
                sql
            }
        }
    }

    /// The text of the statement over `count` rows for `db` (any count on PostgreSQL).
    fn text(&self, db: &Db, count: usize) -> Box<str> {
        debug_assert!(!self.head.contains('$'), "placeholders in {}", self.head);
        let mut sql = Sql::new(self.head);
        let nulls = vec![vec![Arg::Int(None); self.columns.len()]; count];
        match db {
            Db::Sqlite(_) => sql.push_values_rows(self.columns, nulls),
            Db::Postgres(_) => sql.push_unnest_rows(self.columns, nulls),
        };
        let tail = (self.tail)(db);
        debug_assert!(!tail.contains('$'), "placeholders in {tail}");
        sql.push(&tail);
        match db {
            Db::Sqlite(_) => sql.anonymous().into_text().into(),
            Db::Postgres(_) => sql.into_text().into(),
        }
    }
}

/// The type of a column of a [`RowsStatement`]'s rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Column {
    /// Integers.
    Int,
    /// Text.
    Text,
}

impl Column {
    /// PostgreSQL's array type of this column.
    fn array_type(self) -> &'static str {
        match self {
            Self::Int => "bigint[]",
            Self::Text => "text[]",
        }
    }

    /// An empty array of this column, to push its rows' values into.
    fn empty_array<'a>(self, capacity: usize) -> Arg<'a> {
        match self {
            Self::Int => Arg::Ints(Vec::with_capacity(capacity)),
            Self::Text => Arg::Texts(Vec::with_capacity(capacity)),
        }
    }
}

impl<'a> Arg<'a> {
    /// Appends `value` to this array. A value of another type than the array's is a bug
    /// of the caller's; it becomes NULL, so that the row's other values stay in their row.
    fn push_element(&mut self, value: Arg<'a>) {
        debug_assert!(
            matches!(
                (&*self, &value),
                (Self::Ints(_), Self::Int(_)) | (Self::Texts(_), Self::Text(_))
            ),
            "{value:?} in a column of {self:?}"
        );
        match (self, value) {
            (Self::Ints(values), Self::Int(value)) => values.push(value),
            (Self::Texts(values), Self::Text(value)) => values.push(value),
            (Self::Ints(values), _) => values.push(None),
            (Self::Texts(values), _) => values.push(None),
            _ => {}
        }
    }
}

/// `rows` as one array per column, for `UNNEST`.
fn arrays<'a>(columns: &[(&str, Column)], rows: Vec<Vec<Arg<'a>>>) -> Vec<Arg<'a>> {
    let mut arrays: Vec<Arg<'a>> = columns
        .iter()
        .map(|(_, column)| column.empty_array(rows.len()))
        .collect();
    for row in rows {
        for (array, value) in arrays.iter_mut().zip(row) {
            array.push_element(value);
        }
    }
    arrays
}

impl<'a> Sql<'a> {
    /// Appends `rows` as the row source `v` whose columns are named and typed by
    /// `columns` (`FROM … AS v`), in SQLite's way: a `VALUES` list, one group of
    /// placeholders per row, its columns renamed.
    fn push_values_rows(
        &mut self,
        columns: &[(&str, Column)],
        rows: Vec<Vec<Arg<'a>>>,
    ) -> &mut Self {
        self.push("(SELECT ");
        for (n, (name, _)) in columns.iter().enumerate() {
            let comma = if n == 0 { "" } else { ", " };
            self.push(&format!("{comma}column{} AS {name}", n + 1));
        }
        self.push(" FROM (VALUES ");
        self.push_values(rows, |row| row);
        self.push(")) AS v")
    }

    /// Appends `rows` as the row source `v` in PostgreSQL's way: `UNNEST` of one array
    /// per column. Its text does not change with the number of rows, so a connection
    /// parses it once and, after its first few runs, plans it once too; a `VALUES` list
    /// is a new statement for every batch size, planned afresh for its first runs on
    /// every connection.
    fn push_unnest_rows(
        &mut self,
        columns: &[(&str, Column)],
        rows: Vec<Vec<Arg<'a>>>,
    ) -> &mut Self {
        self.push("UNNEST(");
        for (n, (array, (_, column))) in arrays(columns, rows).into_iter().zip(columns).enumerate()
        {
            if n > 0 {
                self.push(", ");
            }
            self.push_bind(array).push("::").push(column.array_type());
        }
        self.push(") AS v(");
        let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
        self.push(&names.join(", ")).push(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_rows_are_a_values_list_on_sqlite_and_arrays_on_postgres() {
        let columns = [("id", Column::Text), ("n", Column::Int)];
        let rows = || {
            vec![
                vec![Arg::from("a"), Arg::from(1)],
                vec![Arg::from(None::<&str>), Arg::from(None::<i64>)],
            ]
        };
        let mut sqlite = Sql::new("SELECT v.id FROM ");
        sqlite.push_values_rows(&columns, rows());
        assert_eq!(
            sqlite.text(),
            "SELECT v.id FROM (SELECT column1 AS id, column2 AS n FROM (VALUES ($1, $2), ($3, $4))) AS v"
        );
        assert_eq!(
            sqlite.arg_texts(),
            [r#"Some("a")"#, "Some(1)", "None", "None"]
        );

        let mut postgres = Sql::new("SELECT v.id FROM ");
        postgres.push_unnest_rows(&columns, rows());
        assert_eq!(
            postgres.text(),
            "SELECT v.id FROM UNNEST($1::text[], $2::bigint[]) AS v(id, n)"
        );
        assert_eq!(
            postgres.arg_texts(),
            [r#"[Some("a"), None]"#, "[Some(1), None]"]
        );
    }

    #[tokio::test]
    async fn a_statements_text_is_made_once_per_backend_and_number_of_rows() {
        static COLUMNS: &[(&str, Column)] = &[("id", Column::Text), ("n", Column::Int)];
        static STATEMENT: RowsStatement = RowsStatement::new(
            "INSERT INTO t (id, n) SELECT v.id, v.n FROM ",
            COLUMNS,
            |db| format!(" WHERE v.n > 0{}", db.share_lock()),
        );
        let rows = |count: i64| -> Vec<Vec<Arg<'static>>> {
            (0..count)
                .map(|n| vec![Arg::from(format!("id{n}")), Arg::from(n)])
                .collect()
        };
        let sqlite = Db::sqlite(
            sqlx::sqlite::SqlitePoolOptions::new()
                .connect_lazy("sqlite::memory:")
                .unwrap(),
        );
        let two = STATEMENT.sql(&sqlite, rows(2));
        assert_eq!(
            two.text(),
            "INSERT INTO t (id, n) SELECT v.id, v.n FROM (SELECT column1 AS id, column2 AS n \
             FROM (VALUES (?, ?), (?, ?))) AS v WHERE v.n > 0"
        );
        assert_eq!(
            two.arg_texts(),
            [r#"Some("id0")"#, "Some(0)", r#"Some("id1")"#, "Some(1)"]
        );
        assert!(matches!(two.for_sqlite(), Cow::Borrowed(_)));
        let again = STATEMENT.sql(&sqlite, rows(2));
        assert!(
            std::ptr::eq(two.text(), again.text()),
            "kept, not made again"
        );
        assert!(
            STATEMENT
                .sql(&sqlite, rows(3))
                .text()
                .ends_with("(?, ?), (?, ?), (?, ?))) AS v WHERE v.n > 0")
        );
        // Beyond the kept sizes, made for the run.
        let many = rows(i64::try_from(KEPT_UP_TO).unwrap() + 1);
        assert_eq!(
            STATEMENT.sql(&sqlite, many).arg_texts().len(),
            2 * (KEPT_UP_TO + 1)
        );

        let postgres = Db::postgres(
            sqlx::postgres::PgPoolOptions::new()
                .connect_lazy("postgres://nobody@127.0.0.1:1/none")
                .unwrap(),
            std::time::Duration::from_secs(1),
        );
        for count in [1, 3] {
            let sql = STATEMENT.sql(&postgres, rows(count));
            assert_eq!(
                sql.text(),
                "INSERT INTO t (id, n) SELECT v.id, v.n FROM UNNEST($1::text[], $2::bigint[]) \
                 AS v(id, n) WHERE v.n > 0 FOR SHARE"
            );
            assert_eq!(sql.arg_texts().len(), 2);
        }
        assert_eq!(
            STATEMENT.sql(&postgres, rows(2)).arg_texts(),
            [r#"[Some("id0"), Some("id1")]"#, "[Some(0), Some(1)]"]
        );
    }
}
