//! Entry points for the fuzz targets in `fuzz/` (not an API: hidden from the docs).
//!
//! Each runs one parser of untrusted input exactly as a request would: the real
//! extractors, fed a synthetic request and polled once (they never wait on anything but
//! an in-memory body, so one poll finishes them).

use std::pin::pin;
use std::task::{Context, Poll, Waker};

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use latchkey_core::service::{GrantRequest, LoginOptions};
use latchkey_proto::api::{
    ChangePasswordRequest, CreateClientKeyRequest, LoginRequest, SignupRequest, TokenRequest,
};

use crate::extract::{BasicAuth, Json, OAuthRequest, OptionalJson};

/// Polls a future that is expected to be ready at once; `None` if it is not.
fn once<F: Future>(future: F) -> Option<F::Output> {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    }
}

fn request(content_type: Option<&[u8]>, authorization: Option<&[u8]>, body: &[u8]) -> Request {
    let mut request = Request::new(Body::from(body.to_vec()));
    let headers = request.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, content_type),
        (header::AUTHORIZATION, authorization),
    ] {
        if let Some(value) = value.and_then(|v| header::HeaderValue::from_bytes(v).ok()) {
            headers.insert(name, value);
        }
    }
    request
}

/// The lenient JSON pre-pass (trailing commas) alone.
#[must_use]
pub fn strip_trailing_commas(body: &[u8]) -> Vec<u8> {
    crate::extract::strip_trailing_commas(body).into_owned()
}

/// Runs a JSON body through every JSON extractor of the native API and the domain
/// conversions behind them. Returns how many of them accepted it.
#[must_use]
pub fn json_bodies(content_type: Option<&[u8]>, body: &[u8]) -> usize {
    let mut accepted = 0;
    let req = || request(content_type, None, body);
    if let Some(Ok(Json(token))) = once(Json::<TokenRequest>::from_request(req(), &())) {
        accepted += 1 + usize::from(GrantRequest::try_from(token).is_ok());
    }
    if let Some(Ok(OptionalJson(login))) =
        once(OptionalJson::<LoginRequest>::from_request(req(), &()))
    {
        accepted += 1 + usize::from(LoginOptions::try_from(login).is_ok());
    }
    accepted += usize::from(matches!(
        once(Json::<SignupRequest>::from_request(req(), &())),
        Some(Ok(_))
    ));
    accepted += usize::from(matches!(
        once(Json::<ChangePasswordRequest>::from_request(req(), &())),
        Some(Ok(_))
    ));
    accepted += usize::from(matches!(
        once(OptionalJson::<CreateClientKeyRequest>::from_request(
            req(),
            &()
        )),
        Some(Ok(_))
    ));
    accepted
}

/// Decodes an `Authorization` header as the login endpoint does. Returns the username
/// and password if it is well-formed Basic credentials.
#[must_use]
pub fn basic_auth(authorization: &[u8]) -> Option<(String, String)> {
    let (mut parts, _) = request(None, Some(authorization), b"").into_parts();
    match once(BasicAuth::from_request_parts(&mut parts, &()))? {
        Ok(basic) => Some((basic.username, basic.password)),
        Err(_) => None,
    }
}

/// Parses a form-encoded OAuth 2 request (body and client authentication). Returns the
/// client ID if the request is well-formed.
#[must_use]
pub fn oauth_form(
    content_type: Option<&[u8]>,
    authorization: Option<&[u8]>,
    body: &[u8],
) -> Option<String> {
    let req = request(content_type, authorization, body);
    match once(OAuthRequest::from_request(req, &()))? {
        Ok(oauth) => Some(oauth.client.credentials.client_id),
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    use super::*;

    #[test]
    fn the_hooks_run_the_real_parsers_to_completion() {
        let seed = b"{\"grantType\": \"refreshToken\", \"refreshToken\": \"x.y.z\",}";
        assert!(json_bodies(Some(b"application/json"), seed) >= 2);
        assert_eq!(json_bodies(None, b"{"), 0);
        let basic = format!(
            "Basic {}",
            STANDARD.encode("ada@example.com:pw:with:colons")
        );
        assert_eq!(
            basic_auth(basic.as_bytes()),
            Some(("ada@example.com".into(), "pw:with:colons".into()))
        );
        assert_eq!(basic_auth(b"Basic !!"), None);
        let form = b"grant_type=client_credentials&client_id=abc&client_secret=def";
        assert_eq!(
            oauth_form(Some(b"application/x-www-form-urlencoded"), None, form),
            Some("abc".into())
        );
        assert_eq!(oauth_form(Some(b"application/json"), None, form), None);
    }
}
