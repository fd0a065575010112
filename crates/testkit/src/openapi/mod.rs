//! The OpenAPI document as a test oracle: [`OpenApi::check`] finds the operation an answer
//! belongs to (method and path template), then holds the status, the documented response
//! headers and the body against the document. The test kit's proxy runs it on every answer
//! latchkeyd gives a test, so `crates/server/openapi.json` cannot drift from the server.
//!
//! A request no operation documents must get the router's own answer, with the `Error`
//! body: 404 for an unknown path, 405 for a known path and an unknown method. `HEAD` is
//! checked as the `GET` it mirrors, without a body.

mod pattern;
pub mod schema;
#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::OnceLock;

use serde_json::Value;

use schema::{Validator, escape};

/// The schema of the router's own answers (unknown path or method).
const FALLBACK_SCHEMA: &str = "/components/schemas/Error";

/// An OpenAPI 3.1 document.
#[derive(Debug)]
pub struct OpenApi {
    root: Value,
}

/// One answer to check: the request line and what came back.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    /// The request method (`GET`, …).
    pub method: &'a str,
    /// The request path, with or without its query.
    pub path: &'a str,
    /// The response status.
    pub status: u16,
    /// The response headers.
    pub headers: &'a [(String, String)],
    /// The response body.
    pub body: &'a [u8],
}

impl Answer<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// An answer the document does not describe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// `METHOD /path` and the operation id (or why there is none).
    pub operation: String,
    /// The status of the answer.
    pub status: u16,
    /// What disagrees, with a JSON pointer into the body where there is one.
    pub problem: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} answered {}: {}",
            self.operation, self.status, self.problem
        )
    }
}

/// A documented response: method, path template and status key (`"200"`, `"4XX"`, …).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Documented {
    /// The method, upper case.
    pub method: String,
    /// The path template (`/client-keys/{clientId}`).
    pub path: String,
    /// The key of the response in the document.
    pub status: String,
}

impl fmt::Display for Documented {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.method, self.path, self.status)
    }
}

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

impl OpenApi {
    /// latchkeyd's document, `crates/server/openapi.json` (the one it serves), parsed once.
    ///
    /// # Panics
    ///
    /// If the document is not JSON.
    pub fn latchkeyd() -> &'static Self {
        static DOCUMENT: OnceLock<OpenApi> = OnceLock::new();
        DOCUMENT.get_or_init(|| {
            Self::parse(include_str!("../../../server/openapi.json"))
                .expect("crates/server/openapi.json is not JSON")
        })
    }

    /// Parses a document.
    ///
    /// # Errors
    ///
    /// If `text` is not JSON.
    pub fn parse(text: &str) -> Result<Self, serde_json::Error> {
        Ok(Self {
            root: serde_json::from_str(text)?,
        })
    }

    /// Every documented response, in document order.
    pub fn responses(&self) -> Vec<Documented> {
        let mut all = Vec::new();
        for (path, item) in self.root["paths"].as_object().into_iter().flatten() {
            for (method, operation) in item.as_object().into_iter().flatten() {
                if !METHODS.contains(&method.as_str()) {
                    continue;
                }
                for status in operation["responses"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(s, _)| s)
                {
                    all.push(Documented {
                        method: method.to_uppercase(),
                        path: path.clone(),
                        status: status.clone(),
                    });
                }
            }
        }
        all
    }

    /// Holds `answer` against the document; on success, the documented response it is.
    ///
    /// # Errors
    ///
    /// The first disagreement: an undocumented path, method or status, a missing or
    /// ill-formed documented header, an undocumented content type, or a body that does
    /// not match the response schema (named by JSON pointer).
    pub fn check(&self, answer: &Answer<'_>) -> Result<Option<Documented>, Violation> {
        let method = answer.method.to_ascii_uppercase();
        let looked_up = if method == "HEAD" {
            "get".to_owned()
        } else {
            method.to_ascii_lowercase()
        };
        let path = answer.path.split('?').next().unwrap_or_default();
        let fail = |operation: String, problem: String| Violation {
            operation,
            status: answer.status,
            problem,
        };
        let Some((template, item)) = self.path_item(path) else {
            let operation = format!("{method} {path} (no documented path)");
            return self
                .check_fallback(answer, 404, &method)
                .map_err(|p| fail(operation, p))
                .map(|()| None);
        };
        let Some(operation) = item.get(looked_up.as_str()) else {
            let operation = format!("{method} {path} (no {method} on the documented {template})");
            return self
                .check_fallback(answer, 405, &method)
                .map_err(|p| fail(operation, p))
                .map(|()| None);
        };
        let id = operation["operationId"]
            .as_str()
            .unwrap_or("no operationId");
        let name = format!("{method} {path} (operation {id}, {template})");
        let responses = &operation["responses"];
        let status = answer.status.to_string();
        let ranged = format!("{}XX", answer.status / 100);
        let Some((key, response)) = [status.as_str(), ranged.as_str(), "default"]
            .into_iter()
            .find_map(|key| responses.get(key).map(|r| (key, r)))
        else {
            let documented: Vec<_> = responses
                .as_object()
                .into_iter()
                .flatten()
                .map(|(s, _)| s.as_str())
                .collect();
            let problem = format!(
                "the status is not documented (documented: {})",
                documented.join(", ")
            );
            return Err(fail(name, problem));
        };
        let at = format!("/paths/{}/{looked_up}/responses/{key}", escape(template));
        self.check_response(answer, response, &at, &method)
            .map_err(|p| fail(name, p))?;
        Ok(Some(Documented {
            method,
            path: template.to_owned(),
            status: key.to_owned(),
        }))
    }

    /// The path item whose template matches `path`, the one with most literal segments.
    fn path_item(&self, path: &str) -> Option<(&str, &Value)> {
        let segments: Vec<&str> = path.split('/').collect();
        let mut best: Option<(usize, &str, &Value)> = None;
        for (template, item) in self.root["paths"].as_object()? {
            let parts: Vec<&str> = template.split('/').collect();
            if parts.len() != segments.len() {
                continue;
            }
            let mut literal = 0;
            // As the router: a parameter takes any segment, even an empty one, but the last.
            let last = parts.len() - 1;
            let fits = parts
                .iter()
                .zip(&segments)
                .enumerate()
                .all(|(i, (part, segment))| {
                    let parameter = part.starts_with('{') && part.ends_with('}');
                    literal += usize::from(!parameter);
                    (parameter && (i < last || !segment.is_empty())) || part == segment
                });
            if fits && best.is_none_or(|(score, _, _)| literal > score) {
                best = Some((literal, template, item));
            }
        }
        best.map(|(_, template, item)| (template, item))
    }

    fn check_fallback(
        &self,
        answer: &Answer<'_>,
        expected: u16,
        method: &str,
    ) -> Result<(), String> {
        if answer.status != expected {
            return Err(format!(
                "only the router's {expected} is expected here, with an Error body"
            ));
        }
        if method == "HEAD" {
            return Ok(());
        }
        let schema = serde_json::json!({ "$ref": format!("#{FALLBACK_SCHEMA}") });
        self.check_json(answer, &schema, FALLBACK_SCHEMA)
    }

    fn check_response(
        &self,
        answer: &Answer<'_>,
        response: &Value,
        at: &str,
        method: &str,
    ) -> Result<(), String> {
        let validator = Validator::new(&self.root);
        let (response, at) = match response.get("$ref") {
            Some(reference) => validator.resolve(reference, at).map_err(|m| m.problem)?,
            None => (response, at.to_owned()),
        };
        for (name, header) in response["headers"].as_object().into_iter().flatten() {
            let header_at = format!("{at}/headers/{}", escape(name));
            let (header, header_at) = match header.get("$ref") {
                Some(reference) => validator
                    .resolve(reference, &header_at)
                    .map_err(|m| m.problem)?,
                None => (header, header_at),
            };
            check_header(&validator, answer, name, header, &header_at)?;
        }
        if method == "HEAD" {
            return Ok(());
        }
        let Some(content) = response["content"].as_object().filter(|c| !c.is_empty()) else {
            if answer.body.is_empty() {
                return Ok(());
            }
            return Err(format!(
                "a body of {} bytes, where none is documented ({at})",
                answer.body.len()
            ));
        };
        let documented = || content.keys().cloned().collect::<Vec<_>>().join(", ");
        let Some(content_type) = answer.header("content-type") else {
            return Err(format!("no Content-Type (documented: {})", documented()));
        };
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let Some(media) = content.get(&essence) else {
            return Err(format!(
                "the Content-Type {content_type:?} is not documented (documented: {})",
                documented()
            ));
        };
        let json = essence == "application/json" || essence.ends_with("+json");
        match media.get("schema") {
            Some(schema) if json => self.check_json(
                answer,
                schema,
                &format!("{at}/content/{}/schema", escape(&essence)),
            ),
            _ => Ok(()),
        }
    }

    fn check_json(&self, answer: &Answer<'_>, schema: &Value, at: &str) -> Result<(), String> {
        let body: Value = serde_json::from_slice(answer.body).map_err(|e| {
            format!(
                "the body is not JSON ({e}): {:?}",
                String::from_utf8_lossy(answer.body)
            )
        })?;
        Validator::new(&self.root)
            .check(schema, at, &body, "")
            .map_err(|m| {
                format!(
                    "body at {:?}: {} (schema #{})",
                    m.pointer, m.problem, m.schema
                )
            })
    }
}

fn check_header(
    validator: &Validator<'_>,
    answer: &Answer<'_>,
    name: &str,
    header: &Value,
    at: &str,
) -> Result<(), String> {
    if name.eq_ignore_ascii_case("content-type") {
        return Ok(()); // OpenAPI ignores it here: the content map decides.
    }
    let Some(value) = answer.header(name) else {
        if header["required"] == Value::Bool(true) {
            return Err(format!("the documented header {name} is missing ({at})"));
        }
        return Ok(());
    };
    let Some(schema) = header.get("schema") else {
        return Ok(());
    };
    let numeric = matches!(schema["type"].as_str(), Some("integer" | "number"));
    let parsed = if numeric {
        serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned()))
    } else {
        Value::String(value.to_owned())
    };
    validator
        .check(schema, &format!("{at}/schema"), &parsed, "")
        .map_err(|m| {
            format!(
                "the header {name}: {value:?}: {} (schema #{})",
                m.problem, m.schema
            )
        })
}
