//! The oracle itself: a small document, answers that match it and answers that do not.

use serde_json::{Value, json};

use super::schema::Validator;
use super::{Answer, OpenApi, pattern};

fn document() -> OpenApi {
    let doc = json!({
        "openapi": "3.1.0",
        "paths": {
            "/things/{id}": {
                "get": {
                    "operationId": "getThing",
                    "responses": {
                        "200": {
                            "description": "The thing.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}
                        },
                        "401": {"$ref": "#/components/responses/Unauthorized"},
                        "204": {"description": "Nothing."}
                    }
                }
            },
            "/things/mine": {"get": {"operationId": "mine", "responses": {"200": {"description": "Mine."}}}}
        },
        "components": {
            "responses": {
                "Unauthorized": {
                    "description": "No token.",
                    "headers": {
                        "WWW-Authenticate": {"required": true, "schema": {"type": "string", "enum": ["Bearer"]}},
                        "Retry-After": {"schema": {"type": "integer", "minimum": 1}}
                    },
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                }
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error", "message"],
                    "properties": {"error": {"type": "string"}, "message": {"type": "string"}}
                },
                "Thing": {
                    "type": "object",
                    "required": ["id", "tags"],
                    "additionalProperties": false,
                    "properties": {
                        "id": {"type": "string", "pattern": "^[0-9a-f]{4}$"},
                        "size": {"type": ["integer", "null"], "minimum": 0},
                        "kind": {"type": "string", "enum": ["big", "small"]},
                        "tags": {"type": "array", "items": {"type": "string"}},
                        "owner": {"oneOf": [{"type": "string"}, {"type": "object", "required": ["name"]}]}
                    }
                }
            }
        }
    });
    OpenApi::parse(&doc.to_string()).unwrap()
}

fn json_headers() -> Vec<(String, String)> {
    vec![("content-type".into(), "application/json".into())]
}

/// Asserts that `result` is a violation whose message contains `needle`.
#[track_caller]
fn refused(result: Result<(), String>, needle: &str) {
    let err = result.unwrap_err();
    assert!(err.contains(needle), "{err}");
}

fn check(
    method: &str,
    path: &str,
    status: u16,
    headers: &[(String, String)],
    body: &Value,
) -> Result<(), String> {
    let body = if body.is_null() {
        Vec::new()
    } else {
        body.to_string().into_bytes()
    };
    let answer = Answer {
        method,
        path,
        status,
        headers,
        body: &body,
    };
    document()
        .check(&answer)
        .map(|_| ())
        .map_err(|v| v.to_string())
}

#[test]
fn a_matching_body_passes_and_names_its_documented_response() {
    let body =
        json!({"id": "0a1b", "size": null, "kind": "big", "tags": ["x"], "owner": {"name": "ada"}});
    assert_eq!(
        check("GET", "/things/0a1b?full=1", 200, &json_headers(), &body),
        Ok(())
    );
    let answer = Answer {
        method: "GET",
        path: "/things/x",
        status: 204,
        headers: &[],
        body: b"",
    };
    let documented = document().check(&answer).unwrap().unwrap();
    assert_eq!(documented.to_string(), "GET /things/{id} 204");
}

#[test]
fn a_missing_required_field_is_named_with_its_pointer() {
    let body = json!({"id": "0a1b"});
    refused(
        check("GET", "/things/0a1b", 200, &json_headers(), &body),
        r#"GET /things/0a1b (operation getThing, /things/{id}) answered 200: body at "": the required field "tags" is missing"#,
    );
}

#[test]
fn a_wrong_type_is_named_with_its_pointer_and_schema() {
    let body = json!({"id": "0a1b", "tags": ["x", 7]});
    refused(
        check("GET", "/things/0a1b", 200, &json_headers(), &body),
        r#"body at "/tags/1": expected string, found number 7 (schema #/components/schemas/Thing/properties/tags/items/type)"#,
    );
    for (body, wrong) in [
        (json!({"id": "0a1b", "tags": [], "size": 1.5}), "/size"),
        (json!({"id": "0a1b", "tags": [], "size": -1}), "/size"),
        (json!({"id": "0a1b", "tags": [], "kind": "huge"}), "/kind"),
        (json!({"id": "0A1B", "tags": []}), "/id"),
        (json!({"id": "0a1b", "tags": [], "extra": 1}), "/extra"),
        (json!({"id": "0a1b", "tags": [], "owner": 1}), "/owner"),
    ] {
        let err = check("GET", "/things/0a1b", 200, &json_headers(), &body).unwrap_err();
        assert!(err.contains(&format!("body at {wrong:?}")), "{body}: {err}");
    }
}

#[test]
fn an_undocumented_status_fails_and_lists_the_documented_ones() {
    refused(
        check("GET", "/things/0a1b", 500, &json_headers(), &json!({})),
        "answered 500: the status is not documented (documented: 200, 204, 401)",
    );
}

#[test]
fn documented_headers_are_required_and_checked() {
    let error = json!({"error": "invalid_token", "message": "no"});
    refused(
        check("GET", "/things/0a1b", 401, &json_headers(), &error),
        "the documented header WWW-Authenticate is missing",
    );
    let mut headers = json_headers();
    headers.push(("www-authenticate".into(), "Bearer".into()));
    assert_eq!(check("GET", "/things/0a1b", 401, &headers, &error), Ok(()));
    headers.push(("retry-after".into(), "0".into()));
    refused(
        check("GET", "/things/0a1b", 401, &headers, &error),
        r#"the header Retry-After: "0""#,
    );
}

#[test]
fn bodies_and_content_types_must_be_documented() {
    // The literal path wins over the template.
    refused(
        check("GET", "/things/mine", 200, &json_headers(), &json!({})),
        "(operation mine, /things/mine) answered 200: a body of 2 bytes, where none is documented",
    );
    let text = vec![("content-type".into(), "text/plain".into())];
    refused(
        check("GET", "/things/0a1b", 200, &text, &json!({})),
        r#"the Content-Type "text/plain" is not documented"#,
    );
}

#[test]
fn undocumented_paths_and_methods_must_get_the_routers_answers() {
    let not_found = json!({"error": "not_found", "message": "no such endpoint"});
    assert_eq!(
        check("GET", "/nope", 404, &json_headers(), &not_found),
        Ok(())
    );
    assert_eq!(
        check("POST", "/things/1", 405, &json_headers(), &not_found),
        Ok(())
    );
    refused(
        check("GET", "/nope", 200, &json_headers(), &not_found),
        "GET /nope (no documented path) answered 200",
    );
    refused(
        check("GET", "/nope", 404, &json_headers(), &json!({"error": 1})),
        "body at \"/error\"",
    );
}

#[test]
fn patterns_of_the_subset_match_as_json_schema_says() {
    let cases = [
        ("^[0-9a-f]{40}$", "ab".repeat(20), true),
        ("^[0-9a-f]{40}$", "ab".repeat(21), false),
        ("^Bearer( |$)", "Bearer".into(), false), // groups are refused, see below
    ];
    for (pattern, text, expected) in &cases[..2] {
        assert_eq!(
            pattern::matches(pattern, text),
            Ok(*expected),
            "{pattern} {text}"
        );
    }
    assert!(pattern::matches(cases[2].0, &cases[2].1).is_err());
    assert_eq!(pattern::matches("b+c", "aabbbcz"), Ok(true));
    assert_eq!(pattern::matches("^a.?[^x-z]\\.$", "ab."), Ok(true));
    assert_eq!(pattern::matches("^[a-]{2,}$", "a-a"), Ok(true));
    assert_eq!(pattern::matches("^[a-]{2,3}$", "a-a-"), Ok(false));
}

#[test]
fn keywords_outside_the_subset_are_refused_not_ignored() {
    let root = json!({});
    let validator = Validator::new(&root);
    let err = validator
        .check(&json!({"if": {}}), "#", &json!(1), "")
        .unwrap_err();
    assert!(
        err.problem.contains("the keyword \"if\""),
        "{}",
        err.problem
    );
}

/// Every example in latchkeyd's document (captured from real answers) fits its schema,
/// and every schema uses only what the validator checks.
#[test]
fn latchkeyds_examples_match_their_own_schemas() {
    let doc = OpenApi::latchkeyd();
    let validator = Validator::new(&doc.root);
    let mut checked = 0;
    for (path, item) in doc.root["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for (status, response) in operation["responses"].as_object().unwrap() {
                let (response, _) = match response.get("$ref") {
                    Some(r) => validator.resolve(r, "#").unwrap(),
                    None => (response, String::new()),
                };
                for (media, content) in response["content"].as_object().into_iter().flatten() {
                    let Some(schema) = content.get("schema") else {
                        continue;
                    };
                    let named = content["examples"]
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(_, e)| &e["value"]);
                    for example in content.get("example").into_iter().chain(named) {
                        let at = format!("{method} {path} {status} {media}");
                        validator
                            .check(schema, &at, example, "")
                            .unwrap_or_else(|m| panic!("{at}: {m:?}"));
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 20, "only {checked} examples");
}
