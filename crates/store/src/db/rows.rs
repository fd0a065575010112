//! A row source of many rows (`… FROM <rows> AS v WHERE …`), as each backend takes it
//! best: a `VALUES` list on SQLite, `UNNEST` of one array per column on PostgreSQL
//! ([`Db::push_rows`](super::Db::push_rows) picks).

use super::statement::{Arg, Sql};

/// The type of a column of [`Db::push_rows`](super::Db::push_rows)'s rows.
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

impl<'a> Sql<'a> {
    /// Appends `rows` as the row source `v` whose columns are named and typed by
    /// `columns` (`FROM … AS v`), in SQLite's way: a `VALUES` list, one group of
    /// placeholders per row, its columns renamed.
    pub(super) fn push_values_rows(
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
    pub(super) fn push_unnest_rows(
        &mut self,
        columns: &[(&str, Column)],
        rows: Vec<Vec<Arg<'a>>>,
    ) -> &mut Self {
        let mut arrays: Vec<Arg<'a>> = columns
            .iter()
            .map(|(_, column)| column.empty_array(rows.len()))
            .collect();
        for row in rows {
            for (array, value) in arrays.iter_mut().zip(row) {
                array.push_element(value);
            }
        }
        self.push("UNNEST(");
        for (n, (array, (_, column))) in arrays.into_iter().zip(columns).enumerate() {
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
}
