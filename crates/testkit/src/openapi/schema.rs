//! A validator for the JSON-Schema subset the OpenAPI document uses: `$ref` (local),
//! `type` (one or a list, `integer` included, OpenAPI 3.0's `nullable`), `properties`,
//! `required`, `additionalProperties`, `items`, `enum`, `const`, `oneOf`/`anyOf`/`allOf`,
//! the length and range bounds, and `pattern` (the subset of [`super::pattern`]).
//! Annotations (`description`, `example`, `format`, …) are not checked. Any other keyword
//! is refused, so the document cannot promise what no test holds it to.

use serde_json::{Map, Value};

use super::pattern;

/// Where and how a value disagrees with its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// JSON pointer to the value (`""` for the whole body).
    pub pointer: String,
    /// JSON pointer into the document to the schema that refused it.
    pub schema: String,
    /// What is wrong.
    pub problem: String,
    /// Whether the schema, not the value, is at fault: it uses what is not supported.
    pub unsupported: bool,
}

/// Why one keyword refused a value, before it is placed in the body and the document.
enum Refusal {
    Value(String),
    Unsupported(String),
}

impl Refusal {
    fn at(self, pointer: &str, schema: &str) -> Mismatch {
        let (problem, unsupported) = match self {
            Self::Value(problem) => (problem, false),
            Self::Unsupported(what) => (
                format!(
                    "the document uses {what}, which the test kit's validator does not support"
                ),
                true,
            ),
        };
        Mismatch {
            pointer: pointer.into(),
            schema: schema.into(),
            problem,
            unsupported,
        }
    }
}

/// Keywords that describe and do not constrain.
const ANNOTATIONS: &[&str] = &[
    "description",
    "example",
    "examples",
    "format",
    "title",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "$comment",
];

const TYPES: &[&str] = &[
    "null", "boolean", "string", "number", "integer", "array", "object",
];

/// Escapes one JSON-pointer token (RFC 6901).
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// A schema checker over one document (for `$ref`).
pub struct Validator<'a> {
    root: &'a Value,
}

impl<'a> Validator<'a> {
    /// A checker resolving `$ref`s in `root`.
    pub fn new(root: &'a Value) -> Self {
        Self { root }
    }

    /// Resolves a local `$ref` (`#/…`) found at `at` to the target and its pointer.
    ///
    /// # Errors
    ///
    /// If the reference is not local or points at nothing.
    pub fn resolve(&self, reference: &Value, at: &str) -> Result<(&'a Value, String), Mismatch> {
        let pointer = reference
            .as_str()
            .and_then(|r| r.strip_prefix('#'))
            .ok_or_else(|| Refusal::Unsupported(format!("$ref {reference}")).at("", at))?;
        let target = self.root.pointer(pointer).ok_or_else(|| {
            Refusal::Unsupported(format!("$ref {reference}, which points at nothing")).at("", at)
        })?;
        Ok((target, pointer.to_owned()))
    }

    /// Checks `value` (at `pointer` in the body) against `schema` (at `at` in the document).
    ///
    /// # Errors
    ///
    /// The first disagreement found.
    pub fn check(
        &self,
        schema: &Value,
        at: &str,
        value: &Value,
        pointer: &str,
    ) -> Result<(), Mismatch> {
        let object = match schema {
            Value::Object(object) => object,
            Value::Bool(true) => return Ok(()),
            Value::Bool(false) => {
                return Err(Refusal::Value("no value is allowed here".into()).at(pointer, at));
            }
            _ => {
                return Err(
                    Refusal::Unsupported("a schema that is not an object".into()).at(pointer, at),
                );
            }
        };
        for (keyword, argument) in object {
            let here = format!("{at}/{}", escape(keyword));
            match keyword.as_str() {
                "$ref" => {
                    let (target, target_at) = self.resolve(argument, &here)?;
                    self.check(target, &target_at, value, pointer)?;
                }
                "properties" | "required" | "additionalProperties" => {
                    if let Value::Object(fields) = value {
                        self.check_fields(keyword, object, &here, fields, pointer)?;
                    }
                }
                "items" => {
                    for (i, item) in value.as_array().into_iter().flatten().enumerate() {
                        self.check(argument, &here, item, &format!("{pointer}/{i}"))?;
                    }
                }
                "oneOf" | "anyOf" | "allOf" => {
                    self.check_choice(keyword, argument, &here, value, pointer)?
                }
                _ => leaf(keyword, argument, object, value).map_err(|r| r.at(pointer, &here))?,
            }
        }
        Ok(())
    }

    fn check_fields(
        &self,
        keyword: &str,
        schema: &Map<String, Value>,
        at: &str,
        fields: &Map<String, Value>,
        pointer: &str,
    ) -> Result<(), Mismatch> {
        let properties = schema.get("properties").and_then(Value::as_object);
        let field_at = |name: &str| format!("{pointer}/{}", escape(name));
        match keyword {
            "properties" => {
                for (name, property) in properties.into_iter().flatten() {
                    if let Some(field) = fields.get(name) {
                        self.check(
                            property,
                            &format!("{at}/{}", escape(name)),
                            field,
                            &field_at(name),
                        )?;
                    }
                }
            }
            "required" => {
                let names = schema["required"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str);
                if let Some(missing) = names.into_iter().find(|name| !fields.contains_key(*name)) {
                    let problem = format!("the required field {missing:?} is missing");
                    return Err(Refusal::Value(problem).at(pointer, at));
                }
            }
            _ => {
                let extra = fields
                    .iter()
                    .filter(|(name, _)| !properties.is_some_and(|p| p.contains_key(*name)));
                for (name, field) in extra {
                    match &schema["additionalProperties"] {
                        Value::Bool(false) => {
                            let problem = format!("the field {name:?} is not documented");
                            return Err(Refusal::Value(problem).at(&field_at(name), at));
                        }
                        allowed => self.check(allowed, at, field, &field_at(name))?,
                    }
                }
            }
        }
        Ok(())
    }

    fn check_choice(
        &self,
        keyword: &str,
        argument: &Value,
        at: &str,
        value: &Value,
        pointer: &str,
    ) -> Result<(), Mismatch> {
        let choices = argument.as_array().ok_or_else(|| {
            Refusal::Unsupported(format!("a {keyword} that is not a list")).at(pointer, at)
        })?;
        let mut failures = Vec::new();
        for (i, choice) in choices.iter().enumerate() {
            if let Err(failure) = self.check(choice, &format!("{at}/{i}"), value, pointer) {
                if failure.unsupported || keyword == "allOf" {
                    return Err(failure);
                }
                failures.push(format!("{} at {:?}", failure.problem, failure.pointer));
            }
        }
        let matched = choices.len() - failures.len();
        let enough = match keyword {
            "oneOf" => matched == 1,
            "anyOf" => matched >= 1,
            _ => true,
        };
        if enough {
            return Ok(());
        }
        let problem = format!(
            "matches {matched} of the {} choices of {keyword} ({})",
            choices.len(),
            failures.join("; ")
        );
        Err(Refusal::Value(problem).at(pointer, at))
    }
}

/// The keywords that look at the value alone.
fn leaf(
    keyword: &str,
    argument: &Value,
    schema: &Map<String, Value>,
    value: &Value,
) -> Result<(), Refusal> {
    match keyword {
        "type" => check_type(argument, schema, value),
        "enum" => match argument.as_array() {
            Some(allowed) if allowed.contains(value) => Ok(()),
            Some(_) => Err(Refusal::Value(format!("{value} is not one of {argument}"))),
            None => Err(Refusal::Unsupported("an enum that is not a list".into())),
        },
        "const" if argument == value => Ok(()),
        "const" => Err(Refusal::Value(format!("{value} is not {argument}"))),
        "minimum" | "maximum" | "minLength" | "maxLength" | "minItems" | "maxItems" => {
            check_bound(keyword, argument, value)
        }
        "pattern" => {
            let (Some(pattern), Some(text)) = (argument.as_str(), value.as_str()) else {
                return Ok(());
            };
            match pattern::matches(pattern, text) {
                Ok(true) => Ok(()),
                Ok(false) => Err(Refusal::Value(format!(
                    "{value} does not match {pattern:?}"
                ))),
                Err(why) => Err(Refusal::Unsupported(format!(
                    "the pattern {pattern:?} ({why})"
                ))),
            }
        }
        "nullable" => Ok(()),
        annotation if ANNOTATIONS.contains(&annotation) => Ok(()),
        other => Err(Refusal::Unsupported(format!("the keyword {other:?}"))),
    }
}

fn check_type(argument: &Value, schema: &Map<String, Value>, value: &Value) -> Result<(), Refusal> {
    let names: Vec<&str> = match argument {
        Value::String(name) => vec![name.as_str()],
        Value::Array(names) => names.iter().filter_map(Value::as_str).collect(),
        _ => return Err(Refusal::Unsupported(format!("the type {argument}"))),
    };
    if let Some(unknown) = names.iter().find(|name| !TYPES.contains(name)) {
        return Err(Refusal::Unsupported(format!("the type {unknown:?}")));
    }
    let nullable = schema.get("nullable") == Some(&Value::Bool(true));
    let fits = |name: &&str| match *name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => {
            value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        "array" => value.is_array(),
        _ => value.is_object(),
    };
    if names.iter().any(fits) || (nullable && value.is_null()) {
        return Ok(());
    }
    Err(Refusal::Value(format!(
        "expected {}, found {}",
        names.join(" or "),
        kind_of(value)
    )))
}

fn check_bound(keyword: &str, argument: &Value, value: &Value) -> Result<(), Refusal> {
    let limit = argument
        .as_f64()
        .ok_or_else(|| Refusal::Unsupported(format!("a {keyword} that is not a number")))?;
    #[allow(clippy::cast_precision_loss)]
    let (measured, what) = match (keyword, value) {
        ("minimum" | "maximum", Value::Number(n)) => (n.as_f64().unwrap_or(f64::NAN), "the value"),
        ("minLength" | "maxLength", Value::String(s)) => (s.chars().count() as f64, "the length"),
        ("minItems" | "maxItems", Value::Array(a)) => (a.len() as f64, "the number of items"),
        _ => return Ok(()),
    };
    let within = if keyword.starts_with("min") {
        measured >= limit
    } else {
        measured <= limit
    };
    if within {
        return Ok(());
    }
    Err(Refusal::Value(format!(
        "{what} {measured} is out of the {keyword} {limit}"
    )))
}

fn kind_of(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) => format!("string {s:?}"),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}
