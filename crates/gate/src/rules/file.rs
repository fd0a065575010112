//! Reading a rules file: the TOML tables (with the byte spans of their values), each
//! `[[route]]` checked into a [`Route`], problems turned into the line they are on.

use std::ops::Range;

use latchkey_verify::Scope;
use serde::Deserialize;
use toml::Spanned;

use super::{Access, Route, RulesError};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    route: Vec<Spanned<RawRoute>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoute {
    prefix: Spanned<String>,
    methods: Option<Spanned<Vec<String>>>,
    scope: Option<Spanned<String>>,
    #[serde(default)]
    public: bool,
}

/// A problem at a byte range of the text, before it is turned into a line.
struct Problem(Range<usize>, String);

/// The checked routes of `text`, in file order.
pub(super) fn routes(text: &str) -> Result<Vec<Route>, RulesError> {
    let invalid = |Problem(span, reason): Problem| RulesError::Invalid {
        file: None,
        line: line_of(text, span.start),
        reason,
    };
    let file: File = toml::from_str(text).map_err(|err| {
        let span = err.span().unwrap_or(0..0);
        invalid(Problem(span, err.message().trim().to_owned()))
    })?;
    let mut routes: Vec<Route> = Vec::with_capacity(file.route.len());
    for raw in file.route {
        let start = raw.span().start;
        let route = check(raw.into_inner(), line_of(text, start)).map_err(invalid)?;
        if let Some(earlier) = routes.iter().find(|r| r.overlaps(&route)) {
            return Err(invalid(Problem(
                start..start,
                format!(
                    "this rule and the one at line {} both apply to the same requests \
                         (prefix {:?}); give them distinct methods or merge them",
                    earlier.line, route.prefix
                ),
            )));
        }
        routes.push(route);
    }
    if routes.is_empty() {
        return Err(invalid(Problem(
            0..0,
            "no [[route]]: every request would be refused".into(),
        )));
    }
    Ok(routes)
}

/// Checks one `[[route]]` table.
fn check(raw: RawRoute, line: usize) -> Result<Route, Problem> {
    let prefix_span = raw.prefix.span();
    let prefix = raw.prefix.into_inner();
    match crate::path::normalise(&prefix) {
        Ok(normal) if normal == prefix || normal == prefix.trim_end_matches('/') => {}
        Ok(normal) => {
            return Err(Problem(
                prefix_span,
                format!("prefix {prefix:?} is not normalised (it means {normal:?})"),
            ));
        }
        Err(err) => return Err(Problem(prefix_span, format!("prefix {prefix:?}: {err}"))),
    }
    if prefix.contains(['?', '#']) {
        return Err(Problem(
            prefix_span,
            format!("prefix {prefix:?}: a path only"),
        ));
    }
    let prefix = match prefix.trim_end_matches('/') {
        "" => "/".to_owned(),
        trimmed => trimmed.to_owned(),
    };
    let methods = match raw.methods {
        None => None,
        Some(methods) => {
            let span = methods.span();
            let methods = methods.into_inner();
            if methods.is_empty() {
                return Err(Problem(
                    span,
                    "methods is empty: leave it out for every method".into(),
                ));
            }
            let mut upper = Vec::with_capacity(methods.len());
            for method in methods {
                let valid = !method.is_empty() && method.bytes().all(|b| b.is_ascii_alphabetic());
                if !valid {
                    return Err(Problem(span, format!("invalid method {method:?}")));
                }
                upper.push(method.to_ascii_uppercase());
            }
            Some(upper)
        }
    };
    let access = match (raw.public, raw.scope) {
        (true, Some(scope)) => {
            return Err(Problem(
                scope.span(),
                "a public route cannot require a scope".into(),
            ));
        }
        (true, None) => Access::Public,
        (false, None) => Access::Token(Scope::default()),
        (false, Some(scope)) => {
            let span = scope.span();
            Access::Token(
                Scope::parse(scope.get_ref())
                    .map_err(|err| Problem(span, format!("invalid scope: {err}")))?,
            )
        }
    };
    Ok(Route {
        prefix,
        methods,
        access,
        line,
    })
}

/// The line (from 1) of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).map_or(1, |before| {
        before.bytes().filter(|&b| b == b'\n').count() + 1
    })
}
