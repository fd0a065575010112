//! JSON bodies.
//!
//! The seeds' refresh sample sends `{"grantType": …, "refreshToken": …,}`: a trailing
//! comma that strict JSON refuses. Latchkey accepts a comma before a closing brace or
//! bracket (outside strings) and nothing else beyond RFC 8259.

use std::borrow::Cow;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A required JSON body.
pub struct Json<T>(pub T);

/// An optional JSON body: an empty body is `T::default()`.
pub struct OptionalJson<T>(pub T);

/// Removes a comma that follows a value and directly precedes (modulo whitespace) a `}`
/// or `]`, outside strings. `{,}` and `[1,,]` stay invalid.
pub(crate) fn strip_trailing_commas(body: &[u8]) -> Cow<'_, [u8]> {
    if !body.contains(&b',') {
        return Cow::Borrowed(body);
    }
    let mut out = Vec::with_capacity(body.len());
    let (mut in_string, mut escaped) = (false, false);
    let mut previous = b' ';
    for (i, &b) in body.iter().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else if b == b'"' {
            in_string = true;
        } else if b == b',' {
            let next = body[i + 1..].iter().find(|c| !c.is_ascii_whitespace());
            if matches!(next, Some(b'}' | b']')) && !matches!(previous, b'{' | b'[' | b',') {
                continue;
            }
        }
        if !in_string && !b.is_ascii_whitespace() {
            previous = b;
        }
        out.push(b);
    }
    Cow::Owned(out)
}

/// Whether the request declares a JSON body. Bodies are parsed as JSON whatever the
/// declared type (`curl -d` sends `application/x-www-form-urlencoded` unless told
/// otherwise, and the API authenticates with headers, never cookies, so there is no
/// cross-site form to fear); the declared type only improves the error message.
fn declares_json(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|value| {
            let media = value
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            media == "application/json" || media.ends_with("+json")
        })
}

async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<(Bytes, bool), ApiError> {
    let json = declares_json(&req);
    let bytes = Bytes::from_request(req, state)
        .await
        .map_err(|rejection| match rejection {
            BytesRejection::FailedToBufferBody(e)
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                ApiError::PayloadTooLarge
            }
            other => ApiError::invalid_request(format!("cannot read the request body: {other}")),
        })?;
    Ok((bytes, json))
}

fn parse<T: DeserializeOwned>((bytes, declared_json): &(Bytes, bool)) -> Result<T, ApiError> {
    serde_json::from_slice(&strip_trailing_commas(bytes)).map_err(|e| {
        let what = if e.is_data() {
            "invalid field"
        } else {
            "malformed JSON"
        };
        let hint = if *declared_json {
            ""
        } else {
            " (the body must be JSON; send Content-Type: application/json)"
        };
        ApiError::invalid_request(format!("{what}: {e}{hint}"))
    })
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let body = read_body(req, state).await?;
        if body.0.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::invalid_request("a JSON request body is required"));
        }
        parse(&body).map(Self)
    }
}

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let body = read_body(req, state).await?;
        if body.0.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(T::default()));
        }
        parse(&body).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::strip_trailing_commas;

    fn strip(s: &str) -> String {
        String::from_utf8(strip_trailing_commas(s.as_bytes()).into_owned()).unwrap()
    }

    #[test]
    fn the_seed_refresh_sample_parses() {
        let seed = "{\n  \"grantType\": \"refreshToken\",\n  \"refreshToken\": \"xxxxxx.xxxxxxxxxx.xxxxxx\",\n}";
        let value: serde_json::Value = serde_json::from_str(&strip(seed)).unwrap();
        assert_eq!(value["grantType"], "refreshToken");
    }

    #[test]
    fn commas_inside_strings_are_kept() {
        assert_eq!(
            strip(r#"{"a": "x,}", "b": "\",]",}"#),
            r#"{"a": "x,}", "b": "\",]"}"#
        );
        assert_eq!(strip("[1, 2 , ]"), "[1, 2  ]");
    }

    #[test]
    fn other_invalid_json_stays_invalid() {
        assert!(serde_json::from_str::<serde_json::Value>(&strip("{,}")).is_err());
        assert!(serde_json::from_str::<serde_json::Value>(&strip(r#"{"a":1,,}"#)).is_err());
    }
}
