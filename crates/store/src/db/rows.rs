//! A statement over many rows (`… FROM <rows> AS v WHERE …`, a group commit's), its row
//! source as each backend takes it best: a `VALUES` list on SQLite, `UNNEST` of one array
//! per column on PostgreSQL. Its text depends only on the backend and, on SQLite, on the
//! number of rows, rounded up to a power of two: [`RowsStatement`] makes each once and
//! keeps it.

use std::sync::OnceLock;

use super::Db;
use super::statement::{Arg, Sql};

/// The largest number of rows whose SQLite text [`RowsStatement`] keeps: a group
/// commit's largest batch (`crate::batch`), a power of two. Larger ones are made for
/// each run.
const KEPT_UP_TO: usize = crate::batch::MAX_BATCH;
/// SQLite texts kept per statement: one for each power of two up to [`KEPT_UP_TO`].
const KEPT: usize = KEPT_UP_TO.ilog2() as usize + 1;

/// A statement whose rows come from a row source `v` of many rows: `head`, the rows,
/// then `tail`. Its text is made once per backend and, on SQLite, per power of two.
///
/// On SQLite every text is a different prepared statement, kept by each connection that
/// runs it (sqlx's statement cache), and a session insert takes 15 to 82 KB there: one
/// text per batch size left the writer holding 81 statements in 3.28 MB after a few
/// seconds of grants (docs/PERFORMANCE.md, "Round 2, eleventh stop"). So SQLite's rows
/// are padded to the next power of two (at most nine texts; 25 statements in 0.32 MB
/// after the same grants), with rows of NULLs that the row source leaves out: **a row's
/// first column is never NULL**.
pub(crate) struct RowsStatement {
    /// The text before the row source, without placeholders.
    head: &'static str,
    /// The names and types of the row source's columns; the first is never NULL.
    columns: &'static [(&'static str, Column)],
    /// The text after the row source, for a backend, without placeholders.
    tail: fn(&Db) -> String,
    /// SQLite's texts, for 2^i rows at `i`.
    sqlite: [OnceLock<Box<str>>; KEPT],
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
            sqlite: [const { OnceLock::new() }; KEPT],
            postgres: OnceLock::new(),
        }
    }

    /// The statement over `rows` (each a value per column, in `columns`' order) for `db`.
    pub(crate) fn sql<'a>(&'static self, db: &Db, rows: Vec<Vec<Arg<'a>>>) -> Sql<'a> {
        match db {
            Db::Sqlite(_) if rows.len() > KEPT_UP_TO => {
                let text = self.text(db, rows.len()).into_string();
                Sql::with_anonymous(text, rows.into_iter().flatten().collect())
            }
            Db::Sqlite(_) => {
                let count = rows.len().next_power_of_two();
                let kept = &self.sqlite[count.trailing_zeros() as usize];
                let text = kept.get_or_init(|| self.text(db, count));
                let mut args: Vec<Arg<'a>> = rows.into_iter().flatten().collect();
                args.resize(count * self.columns.len(), Arg::Int(None));
                Sql::with_anonymous(&**text, args)
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
    /// placeholders per row, its columns renamed, without the rows whose first column is
    /// NULL (padding).
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
        self.push(") WHERE column1 IS NOT NULL) AS v")
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
    use std::borrow::Cow;

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
            "SELECT v.id FROM (SELECT column1 AS id, column2 AS n FROM (VALUES ($1, $2), ($3, $4)) \
             WHERE column1 IS NOT NULL) AS v"
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
    async fn a_statements_text_is_made_once_per_backend_and_power_of_two() {
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
             FROM (VALUES (?, ?), (?, ?)) WHERE column1 IS NOT NULL) AS v WHERE v.n > 0"
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
        // Three rows are four, the last of NULLs: one text for both.
        let three = STATEMENT.sql(&sqlite, rows(3));
        assert!(three.text().ends_with(
            "(VALUES (?, ?), (?, ?), (?, ?), (?, ?)) WHERE column1 IS NOT NULL) AS v WHERE v.n > 0"
        ));
        assert_eq!(
            &three.arg_texts()[4..],
            [r#"Some("id2")"#, "Some(2)", "None", "None"]
        );
        assert!(std::ptr::eq(
            three.text(),
            STATEMENT.sql(&sqlite, rows(4)).text()
        ));
        assert_eq!(STATEMENT.sql(&sqlite, rows(1)).arg_texts().len(), 2);
        assert_eq!(STATEMENT.sql(&sqlite, rows(5)).arg_texts().len(), 16);
        assert_eq!(
            STATEMENT
                .sql(&sqlite, rows(i64::try_from(KEPT_UP_TO).unwrap()))
                .arg_texts()
                .len(),
            2 * KEPT_UP_TO
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

    #[tokio::test]
    async fn sqlites_padding_rows_are_left_out() {
        static COLUMNS: &[(&str, Column)] = &[("id", Column::Text), ("n", Column::Int)];
        static INSERT: RowsStatement = RowsStatement::new(
            "INSERT INTO t (id, n) SELECT v.id, v.n FROM ",
            COLUMNS,
            |_| String::new(),
        );
        static UPDATE: RowsStatement =
            RowsStatement::new("UPDATE t SET n = t.n + v.n FROM ", COLUMNS, |_| {
                " WHERE t.id = v.id".to_owned()
            });
        let db = Db::sqlite(
            sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(1)
                .connect("sqlite::memory:")
                .await
                .unwrap(),
        );
        db.execute(Sql::new("CREATE TABLE t (id TEXT, n INTEGER)"))
            .await
            .unwrap();
        let rows = |names: &[&'static str]| -> Vec<Vec<Arg<'static>>> {
            names
                .iter()
                .map(|id| vec![Arg::from(*id), Arg::from(1)])
                .collect()
        };
        // Three rows, padded to four (the insert has no WHERE of its own): three
        // inserted, and counted.
        let inserted = db
            .execute(INSERT.sql(&db, rows(&["a", "b", "c"])))
            .await
            .unwrap();
        assert_eq!(inserted, 3);
        let updated = db
            .execute(UPDATE.sql(&db, rows(&["a", "c", "x"])))
            .await
            .unwrap();
        assert_eq!(updated, 2);
        let all = db
            .fetch_all(Sql::new("SELECT id, n FROM t ORDER BY id"))
            .await
            .unwrap();
        let all: Vec<(String, i64)> = all
            .iter()
            .map(|row| (row.text("id").unwrap(), row.int("n").unwrap()))
            .collect();
        assert_eq!(
            all,
            [
                ("a".to_owned(), 2),
                ("b".to_owned(), 1),
                ("c".to_owned(), 2)
            ]
        );
    }
}
