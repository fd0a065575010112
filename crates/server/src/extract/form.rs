//! Form-encoded OAuth 2 requests (RFC 6749 §3.2, RFC 7009 §2.1, RFC 7662 §2.1), with the
//! client's authentication: HTTP Basic (`client_secret_basic`) or form fields
//! (`client_secret_post`), never both.
//!
//! RFC 6749's rules for parameters apply: one that is sent without a value is treated as
//! omitted (§3.1), and one that is sent twice is an `invalid_request` (§3.2).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts as _, Request};

use super::SourceAddr;
use axum::http::{HeaderMap, StatusCode, header};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use latchkey_core::Error;
use latchkey_core::secret::ClientSecret;
use latchkey_core::service::ClientCredentials;

use crate::oauth_error::OAuthError;

/// How the client authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// `Authorization: Basic` (`client_secret_basic`).
    Basic,
    /// `client_id` and `client_secret` in the body (`client_secret_post`).
    Post,
}

/// An authenticating OAuth 2 client, not yet checked against the stored keys.
#[derive(Debug)]
pub struct OAuthClient {
    /// The presented client ID and secret.
    pub credentials: ClientCredentials,
    /// How they were presented.
    pub method: AuthMethod,
}

impl OAuthClient {
    /// Turns a domain error into this client's OAuth error: a failed `client_secret_basic`
    /// authentication gets the Basic challenge (RFC 6749 §5.2), a failed
    /// `client_secret_post` one does not.
    pub fn error(&self, error: Error) -> OAuthError {
        OAuthError::Domain {
            error,
            challenge: self.method == AuthMethod::Basic,
        }
    }
}

/// The parameters of a form body, other than the client's credentials.
#[derive(Debug, Default)]
pub struct Params(HashMap<String, String>);

impl Params {
    /// Parses a form body.
    fn parse(body: &[u8]) -> Result<Self, OAuthError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
            .map_err(|_| OAuthError::invalid_request("the body is not form-encoded"))?;
        let mut params = HashMap::with_capacity(pairs.len());
        for (name, value) in pairs {
            if params.insert(name.clone(), value).is_some() {
                return Err(OAuthError::invalid_request(format!(
                    "parameter {:?} is repeated",
                    name.chars().take(64).collect::<String>()
                )));
            }
        }
        params.retain(|_, value: &mut String| !value.is_empty());
        Ok(Self(params))
    }

    /// Takes an optional parameter.
    pub fn take(&mut self, name: &str) -> Option<String> {
        self.0.remove(name)
    }

    /// Takes a required parameter.
    pub fn require(&mut self, name: &str) -> Result<String, OAuthError> {
        self.take(name)
            .ok_or_else(|| OAuthError::invalid_request(format!("{name} is required")))
    }
}

/// A form-encoded OAuth 2 request: the authenticating client and the other parameters.
#[derive(Debug)]
pub struct OAuthRequest {
    /// The client.
    pub client: OAuthClient,
    /// The parameters, without `client_id` and `client_secret`.
    pub params: Params,
}

impl<S: Send + Sync> FromRequest<S> for OAuthRequest {
    type Rejection = OAuthError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        check_content_type(req.headers())?;
        let headers = req.headers().clone();
        let (mut parts, body) = req.into_parts();
        let Ok(SourceAddr(source)) = SourceAddr::from_request_parts(&mut parts, state).await;
        let req = Request::from_parts(parts, body);
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|rejection| match rejection {
                BytesRejection::FailedToBufferBody(e)
                    if e.status() == StatusCode::PAYLOAD_TOO_LARGE =>
                {
                    OAuthError::PayloadTooLarge
                }
                _ => OAuthError::invalid_request("cannot read the request body"),
            })?;
        let mut params = Params::parse(&body)?;
        let mut client = client(&headers, &mut params)?;
        client.credentials.source = source;
        Ok(Self { client, params })
    }
}

/// RFC 6749 requires `application/x-www-form-urlencoded`; a body without a type is read
/// as a form too (`curl -d` is what people try first).
fn check_content_type(headers: &HeaderMap) -> Result<(), OAuthError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let media = value
        .to_str()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if media == "application/x-www-form-urlencoded" {
        Ok(())
    } else {
        Err(OAuthError::invalid_request(
            "the body must be application/x-www-form-urlencoded (RFC 6749)",
        ))
    }
}

/// The client's credentials, from the Authorization header or the form.
fn client(headers: &HeaderMap, params: &mut Params) -> Result<OAuthClient, OAuthError> {
    let form_id = params.take("client_id");
    let form_secret = params.take("client_secret");
    let Some(authorization) = headers.get(header::AUTHORIZATION) else {
        return match (form_id, form_secret) {
            (Some(client_id), Some(secret)) => Ok(OAuthClient {
                credentials: ClientCredentials {
                    client_id,
                    client_secret: ClientSecret::new(secret),
                    source: None,
                },
                method: AuthMethod::Post,
            }),
            // No secret: a public client, which Latchkey does not have.
            _ => Err(Error::InvalidClient.into()),
        };
    };
    // The client tried the header: any failure from here on is a 401 with a challenge.
    let (client_id, client_secret) = authorization
        .to_str()
        .ok()
        .and_then(basic_credentials)
        .ok_or(Error::InvalidClient)?;
    if form_secret.is_some() {
        return Err(OAuthError::invalid_request(
            "use one client authentication method: Basic or client_secret in the body, not both",
        ));
    }
    if form_id.is_some_and(|id| id != client_id) {
        return Err(OAuthError::invalid_request(
            "client_id in the body differs from the Basic credentials",
        ));
    }
    Ok(OAuthClient {
        credentials: ClientCredentials {
            client_id,
            client_secret,
            source: None,
        },
        method: AuthMethod::Basic,
    })
}

/// Decodes `Basic base64(urlencode(id) ":" urlencode(secret))` (RFC 6749 §2.3.1).
fn basic_credentials(value: &str) -> Option<(String, ClientSecret)> {
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((form_decode(id)?, ClientSecret::new(form_decode(secret)?)))
}

/// `application/x-www-form-urlencoded` decoding of one value: `+` is a space, `%XX` a byte.
fn form_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(raw: &str) -> String {
        format!("Basic {}", STANDARD.encode(raw))
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        assert_eq!(
            basic_credentials(&basic("my%20client:s%3Ac+r%25t")),
            Some(("my client".into(), "s:c r%t".into()))
        );
        assert_eq!(
            basic_credentials(&basic("abc:def")),
            Some(("abc".into(), "def".into()))
        );
    }

    #[test]
    fn malformed_basic_credentials_are_refused() {
        assert_eq!(basic_credentials("Bearer abc"), None);
        assert_eq!(basic_credentials("Basic !!!"), None);
        assert_eq!(basic_credentials(&basic("no-colon")), None);
        assert_eq!(basic_credentials(&basic("id:bad%zz")), None);
        assert_eq!(basic_credentials(&basic("id:cut%4")), None);
    }

    #[test]
    fn empty_parameters_are_omitted_and_repeated_ones_refused() {
        let mut params = Params::parse(b"grant_type=client_credentials&scope=").unwrap();
        assert_eq!(params.take("scope"), None);
        assert_eq!(
            params.take("grant_type").as_deref(),
            Some("client_credentials")
        );
        assert!(Params::parse(b"scope=a&scope=b").is_err());
    }
}
