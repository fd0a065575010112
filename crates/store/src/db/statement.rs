//! A statement and its arguments, built once for both backends: `$n` placeholders are
//! numbered as arguments are bound ([`Sql::bind`], [`Sql::push_bind`]); SQLite gets them
//! as anonymous `?`s ([`Sql::for_sqlite`]).

use std::borrow::Cow;
use std::fmt::Write as _;

use sqlx::Database;

use super::binds::Binds;

/// One argument of a statement.
#[derive(Debug, Clone)]
pub(crate) enum Arg<'a> {
    /// An integer (times, counters, flags).
    Int(Option<i64>),
    /// Text (ids, names, scopes).
    Text(Option<Cow<'a, str>>),
    /// Bytes (digests, keys).
    Bytes(&'a [u8]),
    /// An array of integers: one column of a
    /// [`RowsStatement`](super::RowsStatement)'s rows, on PostgreSQL only.
    Ints(Vec<Option<i64>>),
    /// An array of texts, likewise.
    Texts(Vec<Option<Cow<'a, str>>>),
}

impl Arg<'_> {
    /// The same argument, borrowing its text.
    fn borrowed(&self) -> Arg<'_> {
        match self {
            Self::Int(value) => Arg::Int(*value),
            Self::Text(value) => Arg::Text(value.as_deref().map(Cow::Borrowed)),
            Self::Bytes(value) => Arg::Bytes(value),
            Self::Ints(values) => Arg::Ints(values.clone()),
            Self::Texts(values) => Arg::Texts(
                values
                    .iter()
                    .map(|v| v.as_deref().map(Cow::Borrowed))
                    .collect(),
            ),
        }
    }
}

impl From<i64> for Arg<'_> {
    fn from(value: i64) -> Self {
        Self::Int(Some(value))
    }
}

impl From<Option<i64>> for Arg<'_> {
    fn from(value: Option<i64>) -> Self {
        Self::Int(value)
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(value: &'a str) -> Self {
        Self::Text(Some(Cow::Borrowed(value)))
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(value: &'a String) -> Self {
        Self::Text(Some(Cow::Borrowed(value)))
    }
}

impl From<String> for Arg<'_> {
    fn from(value: String) -> Self {
        Self::Text(Some(Cow::Owned(value)))
    }
}

impl From<Option<String>> for Arg<'_> {
    fn from(value: Option<String>) -> Self {
        Self::Text(value.map(Cow::Owned))
    }
}

impl<'a> From<Option<&'a str>> for Arg<'a> {
    fn from(value: Option<&'a str>) -> Self {
        Self::Text(value.map(Cow::Borrowed))
    }
}

impl<'a> From<&'a [u8]> for Arg<'a> {
    fn from(value: &'a [u8]) -> Self {
        Self::Bytes(value)
    }
}

impl<'a> From<&'a Vec<u8>> for Arg<'a> {
    fn from(value: &'a Vec<u8>) -> Self {
        Self::Bytes(value)
    }
}

/// Up to this many arguments, SQLite gets a statement's numbered placeholders as they are
/// (see [`Sql::for_sqlite`]).
const NUMBERED_UP_TO: usize = 16;

/// A statement and its arguments, in placeholder order.
#[derive(Debug, Clone)]
pub(crate) struct Sql<'a> {
    text: Cow<'a, str>,
    args: Vec<Arg<'a>>,
    /// The text holds SQLite's anonymous `?`s, one per argument in order, instead of
    /// `$n`s ([`Sql::anonymous`]'s output, or a text made by it and kept).
    anonymous: bool,
}

impl<'a> Sql<'a> {
    /// A statement whose text already holds its placeholders (`$1`, `$2`, …).
    pub(crate) fn new(text: impl Into<Cow<'a, str>>) -> Self {
        Self {
            text: text.into(),
            args: Vec::new(),
            anonymous: false,
        }
    }

    /// A SQLite statement whose text holds anonymous placeholders (`?`), one for each of
    /// `args` in order: a text [`Sql::anonymous`] made once and kept.
    pub(super) fn with_anonymous(text: impl Into<Cow<'a, str>>, args: Vec<Arg<'a>>) -> Self {
        Self {
            text: text.into(),
            args,
            anonymous: true,
        }
    }

    /// Adds the argument of the next placeholder.
    pub(crate) fn bind(mut self, arg: impl Into<Arg<'a>>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Appends text to the statement (for statements built piece by piece).
    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.text.to_mut().push_str(text);
        self
    }

    /// Appends the next placeholder to the statement, with its argument.
    pub(crate) fn push_bind(&mut self, arg: impl Into<Arg<'a>>) -> &mut Self {
        self.args.push(arg.into());
        let text = self.text.to_mut();
        let _ = write!(text, "${}", self.args.len());
        self
    }

    /// Appends `$n, $n+1, …`: one placeholder per argument, comma-separated (the inside
    /// of an `IN (…)`).
    pub(crate) fn push_list<A: Into<Arg<'a>>>(
        &mut self,
        args: impl IntoIterator<Item = A>,
    ) -> &mut Self {
        for (n, arg) in args.into_iter().enumerate() {
            if n > 0 {
                self.push(", ");
            }
            self.push_bind(arg);
        }
        self
    }

    /// Appends `(a, b, …), (c, d, …)`: one parenthesised group of placeholders per item,
    /// with the arguments `each` gives it.
    pub(crate) fn push_values<T>(
        &mut self,
        items: impl IntoIterator<Item = T>,
        mut each: impl FnMut(T) -> Vec<Arg<'a>>,
    ) -> &mut Self {
        for (n, item) in items.into_iter().enumerate() {
            self.push(if n == 0 { "(" } else { ", (" });
            self.push_list(each(item));
            self.push(")");
        }
        self
    }

    /// SQLite's form of the statement. SQLite finds a numbered parameter by a linear
    /// search of the statement's names, and sqlx asks for every parameter's name when
    /// binding: a group commit's `VALUES` of hundreds of arguments made that quadratic. A
    /// statement with more than [`NUMBERED_UP_TO`] arguments therefore gets anonymous
    /// placeholders ([`Sql::anonymous`]), which have no name to search for; a shorter one
    /// is left as it is, since its search is short and the copy would cost more.
    pub(super) fn for_sqlite(&self) -> Cow<'_, Sql<'_>> {
        if self.anonymous || self.args.len() <= NUMBERED_UP_TO {
            Cow::Borrowed(self)
        } else {
            Cow::Owned(self.anonymous())
        }
    }

    /// The statement with each `$n` turned into an anonymous `?`, its arguments in the
    /// order the placeholders appear (repeated where one is).
    pub(super) fn anonymous(&self) -> Sql<'_> {
        debug_assert!(!self.anonymous, "{} is anonymous already", self.text);
        let mut text = String::with_capacity(self.text.len());
        let mut args = Vec::with_capacity(self.args.len());
        let mut in_literal = false;
        let mut rest = self.text.as_ref();
        while let Some(at) = rest.find(['$', '\'']) {
            let (before, from) = rest.split_at(at);
            text.push_str(before);
            if let Some(after) = from.strip_prefix('\'') {
                in_literal = !in_literal;
                text.push('\'');
                rest = after;
                continue;
            }
            let digits = from[1..].bytes().take_while(u8::is_ascii_digit).count();
            let number = from[1..=digits].parse::<usize>().ok();
            match number.and_then(|n| self.args.get(n.wrapping_sub(1))) {
                Some(arg) if !in_literal => {
                    text.push('?');
                    args.push(arg.borrowed());
                    rest = &from[1 + digits..];
                }
                _ => {
                    text.push('$');
                    rest = &from[1..];
                }
            }
        }
        text.push_str(rest);
        Sql::with_anonymous(text, args)
    }

    /// The statement's text.
    pub(super) fn into_text(self) -> Cow<'a, str> {
        self.text
    }

    /// The sqlx query of this statement for database `DB`.
    pub(super) fn query<DB: Binds>(
        &self,
    ) -> sqlx::query::Query<'_, DB, <DB as Database>::Arguments<'_>> {
        self.args
            .iter()
            .fold(sqlx::query::<DB>(&self.text), DB::bind)
    }
}

/// What tests of statements compare: the text, and each argument as `Debug` shows it.
#[cfg(test)]
impl Sql<'_> {
    pub(super) fn text(&self) -> &str {
        &self.text
    }

    pub(super) fn arg_texts(&self) -> Vec<String> {
        self.args
            .iter()
            .map(|arg| match arg {
                Arg::Int(v) => format!("{v:?}"),
                Arg::Text(v) => format!("{v:?}"),
                Arg::Bytes(v) => format!("{v:?}"),
                Arg::Ints(v) => format!("{v:?}"),
                Arg::Texts(v) => format!("{v:?}"),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_gets_anonymous_placeholders_in_text_order() {
        let sql = Sql::new("UPDATE t SET a = $2, b = '$1', c = $1 WHERE d = $2 AND e <> '$'")
            .bind(7)
            .bind("x");
        let sqlite = sql.anonymous();
        assert_eq!(
            sqlite.text,
            "UPDATE t SET a = ?, b = '$1', c = ? WHERE d = ? AND e <> '$'"
        );
        assert_eq!(
            sqlite.arg_texts(),
            [r#"Some("x")"#, "Some(7)", r#"Some("x")"#]
        );
    }

    #[test]
    fn values_groups_keep_their_order() {
        let mut sql = Sql::new("INSERT INTO t VALUES ");
        sql.push_values([1, 2, 3], |n| vec![n.into(), format!("row{n}").into()]);
        let sqlite = sql.anonymous();
        assert_eq!(sqlite.text, "INSERT INTO t VALUES (?, ?), (?, ?), (?, ?)");
        assert_eq!(sqlite.arg_texts(), sql.arg_texts());
    }

    #[test]
    fn only_long_statements_are_rewritten_for_sqlite() {
        let short = Sql::new("SELECT $1, $2").bind(1).bind(2);
        assert!(matches!(short.for_sqlite(), Cow::Borrowed(_)));
        let mut long = Sql::new("INSERT INTO t VALUES ");
        long.push_values(0..=NUMBERED_UP_TO, |n| {
            vec![i64::try_from(n).unwrap().into()]
        });
        let sqlite = long.for_sqlite();
        assert!(sqlite.text.ends_with("(?), (?)"), "{}", sqlite.text);
        assert_eq!(sqlite.arg_texts(), long.arg_texts());
    }
}
