//! The rules file: which original requests need which token.
//!
//! ```toml
//! [[route]]
//! prefix = "/api"            # matches /api, /api/ and /api/…, never /apifoo
//! methods = ["GET", "HEAD"]  # optional: every method when absent
//! scope = "api:read"         # optional: scopes the token must carry (space-separated)
//!
//! [[route]]
//! prefix = "/public"
//! public = true              # no token needed, no identity headers sent
//! ```
//!
//! A request is judged by the rule with the longest prefix that matches its normalised
//! path (on segment boundaries) and whose `methods` include its method; no such rule
//! means 403. Rules are checked when the file is read: an unknown key, a prefix that is
//! not a normalised absolute path, an invalid scope or method, `public` together with
//! `scope`, or two rules that would both apply to one request stop the gate, with the
//! file, the line and the reason. They are kept sorted longest prefix first, so a lookup
//! is one pass that stops at the first match, with no allocation.

mod file;

use std::fmt;
use std::path::{Path, PathBuf};

use latchkey_verify::Scope;

/// Why a rules file was refused.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// The file could not be read.
    #[error("cannot read the rules file {}: {source}", file.display())]
    Read {
        /// The file.
        file: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// The file was read but is not a valid rules file.
    #[error("{}{line}: {reason}", file.as_ref().map(|f| format!("{}:", f.display())).unwrap_or_default())]
    Invalid {
        /// The file, when the rules came from one.
        file: Option<PathBuf>,
        /// The line (from 1) the problem is on.
        line: usize,
        /// What is wrong.
        reason: String,
    },
}

/// What a matching rule asks of the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// Anyone may pass; no token is read.
    Public,
    /// A valid access token carrying every scope of this set (possibly none).
    Token(Scope),
}

/// One rule, checked and normalised.
#[derive(Debug, Clone)]
pub struct Route {
    /// The path prefix, without a trailing `/` (except the root, `/`).
    pub prefix: String,
    /// The methods it applies to (upper case); `None` for every method.
    pub methods: Option<Vec<String>>,
    /// What it asks of the request.
    pub access: Access,
    /// The line of its `[[route]]` header in the file.
    pub line: usize,
}

impl Route {
    /// Whether this rule applies to `method` on the normalised `path`.
    #[must_use]
    pub fn applies(&self, method: &str, path: &str) -> bool {
        let on_boundary = self.prefix == "/"
            || path
                .strip_prefix(self.prefix.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
        on_boundary
            && self
                .methods
                .as_ref()
                .is_none_or(|methods| methods.iter().any(|m| m == method))
    }

    fn overlaps(&self, other: &Self) -> bool {
        self.prefix == other.prefix
            && match (&self.methods, &other.methods) {
                (Some(a), Some(b)) => a.iter().any(|m| b.contains(m)),
                _ => true,
            }
    }
}

/// The rules, longest prefix first.
///
/// ```
/// use latchkey_gate::rules::{Access, Rules};
/// let rules = Rules::parse(r#"
/// [[route]]
/// prefix = "/api"
/// scope = "api:read"
/// [[route]]
/// prefix = "/api/health"
/// methods = ["GET"]
/// public = true
/// "#).unwrap();
/// assert_eq!(rules.find("GET", "/api/health").unwrap().access, Access::Public);
/// assert!(matches!(rules.find("POST", "/api/health").unwrap().access, Access::Token(_)));
/// assert!(rules.find("GET", "/apifoo").is_none());
/// ```
#[derive(Debug, Clone)]
pub struct Rules {
    routes: Vec<Route>,
}

impl Rules {
    /// Without a rules file: every request needs a valid access token, whatever its
    /// scopes (one rule, prefix `/`).
    #[must_use]
    pub fn token_everywhere() -> Self {
        Self {
            routes: vec![Route {
                prefix: "/".into(),
                methods: None,
                access: Access::Token(Scope::default()),
                line: 0,
            }],
        }
    }

    /// Reads and checks the rules file at `file`.
    ///
    /// # Errors
    ///
    /// [`RulesError::Read`] if it cannot be read, [`RulesError::Invalid`] naming the file
    /// and line otherwise.
    pub fn load(file: &Path) -> Result<Self, RulesError> {
        let text = std::fs::read_to_string(file).map_err(|source| RulesError::Read {
            file: file.to_owned(),
            source,
        })?;
        Self::parse(&text).map_err(|err| match err {
            RulesError::Invalid { line, reason, .. } => RulesError::Invalid {
                file: Some(file.to_owned()),
                line,
                reason,
            },
            read @ RulesError::Read { .. } => read,
        })
    }

    /// Parses and checks rules from TOML text.
    ///
    /// # Errors
    ///
    /// [`RulesError::Invalid`] with the line and the reason.
    pub fn parse(text: &str) -> Result<Self, RulesError> {
        let mut routes = file::routes(text)?;
        // Longest prefix first; the sort is stable, so rules of one prefix keep their
        // order (they never overlap: `file::routes` refuses that).
        routes.sort_by_key(|route| std::cmp::Reverse(route.prefix.len()));
        Ok(Self { routes })
    }

    /// The rule that judges `method` on the normalised `path`, if any.
    #[must_use]
    pub fn find(&self, method: &str, path: &str) -> Option<&Route> {
        self.routes.iter().find(|r| r.applies(method, path))
    }

    /// The rules, longest prefix first.
    #[must_use]
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.prefix)?;
        if let Some(methods) = &self.methods {
            write!(f, " [{}]", methods.join(","))?;
        }
        match &self.access {
            Access::Public => write!(f, " public"),
            Access::Token(scope) => write!(f, " token({scope})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &str = r#"
[[route]]
prefix = "/"

[[route]]
prefix = "/api/"
methods = ["get"]
scope = "api:read"

[[route]]
prefix = "/api/public"
public = true
"#;

    fn decided_by(rules: &Rules, method: &str, path: &str) -> Option<String> {
        rules.find(method, path).map(|r| r.prefix.clone())
    }

    #[test]
    fn the_longest_prefix_on_a_segment_boundary_with_the_method_decides() {
        let rules = Rules::parse(RULES).unwrap();
        let cases = [
            ("GET", "/api", "/api"),
            ("GET", "/api/", "/api"),
            ("GET", "/api/items", "/api"),
            ("GET", "/apifoo", "/"),
            ("POST", "/api/items", "/"),
            ("GET", "/api/public", "/api/public"),
            ("POST", "/api/public/x", "/api/public"),
            ("GET", "/api/publicity", "/api"),
            ("GET", "/", "/"),
        ];
        for (method, path, prefix) in cases {
            assert_eq!(
                decided_by(&rules, method, path).as_deref(),
                Some(prefix),
                "{method} {path}"
            );
        }
    }

    #[test]
    fn without_a_root_rule_unmatched_paths_find_nothing() {
        let rules = Rules::parse("[[route]]\nprefix = \"/api\"\nmethods = [\"GET\"]\n").unwrap();
        assert!(rules.find("GET", "/").is_none());
        assert!(rules.find("GET", "/ap").is_none());
        assert!(rules.find("DELETE", "/api").is_none());
    }

    #[test]
    fn errors_name_the_line() {
        let err = Rules::parse("\n\n[[route]]\nprefix = \"/a\"\npublic = true\nscope = \"x\"\n")
            .unwrap_err();
        assert_eq!(err.to_string(), "6: a public route cannot require a scope");
    }
}
