//! Who is asking: the signed-in caller of a page ([`SignedIn`]), and forms whose CSRF
//! token is checked before anything else is done with them ([`SignedInForm`],
//! [`VisitorForm`]). A form without a valid token is refused 403 and changes nothing.
//!
//! The token of a signed-in form is derived from the session's secret; the token of the
//! log-in and sign-up forms from the visitor cookie's. Both cookies are `HttpOnly` and
//! `SameSite=Strict`, so another site can neither read them nor make a browser send
//! them, and cannot compute a token.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::Response;
use latchkey_core::Principal;
use latchkey_core::service::ConsoleSecret;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::cookies::{self, SESSION, VISITOR};
use super::reply;
use crate::extract::SourceAddr;
use crate::state::AppState;

/// What a CSRF token is derived for.
pub const CSRF: &str = "csrf";

/// The signed-in caller of a console page, and the secret of their session.
pub struct SignedIn {
    /// The caller, as every account operation takes them.
    pub who: Principal,
    /// The session's secret (its CSRF token, its log-out).
    pub secret: ConsoleSecret,
}

impl SignedIn {
    /// The CSRF token of this session's forms.
    pub fn csrf(&self) -> String {
        self.secret.derive(CSRF)
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Some(secret) = cookies::read(&parts.headers, SESSION).and_then(ConsoleSecret::parse)
        else {
            return Err(reply::signed_out(state, false));
        };
        let Ok(SourceAddr(source)) = SourceAddr::from_request_parts(parts, state).await;
        Self::resolve(state, secret, source).await
    }
}

impl SignedIn {
    /// The live session `secret` names, or the way back to the log-in page.
    async fn resolve(
        state: &AppState,
        secret: ConsoleSecret,
        source: Option<std::net::IpAddr>,
    ) -> Result<Self, Response> {
        match state.latchkey.console_session(&secret, source).await {
            Ok(who) => Ok(Self { who, secret }),
            Err(err) => Err(reply::failure(state, err, "/console/login")),
        }
    }
}

/// The visitor's secret, from their cookie; `None` before they have one.
pub fn visitor(parts: &Parts) -> Option<ConsoleSecret> {
    cookies::read(&parts.headers, VISITOR).and_then(ConsoleSecret::parse)
}

#[derive(Deserialize)]
struct Token {
    #[serde(default)]
    csrf: String,
}

/// Reads a form body: its CSRF token, and the form.
async fn read_form<T: DeserializeOwned>(
    req: Request,
    state: &AppState,
) -> Result<(String, Option<T>), Response> {
    let body = Bytes::from_request(req, state)
        .await
        .map_err(|_| reply::bad_form())?;
    let token: Token = serde_urlencoded::from_bytes(&body).map_err(|_| reply::forbidden())?;
    Ok((token.csrf, serde_urlencoded::from_bytes(&body).ok()))
}

/// A form posted by the signed-in caller, its CSRF token checked first.
pub struct SignedInForm<T> {
    /// The caller.
    pub signed_in: SignedIn,
    /// The form.
    pub form: T,
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for SignedInForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let secret = cookies::read(&parts.headers, SESSION).and_then(ConsoleSecret::parse);
        let Ok(SourceAddr(source)) = SourceAddr::from_request_parts(&mut parts, state).await;
        let (token, form) = read_form(Request::from_parts(parts, body), state).await?;
        let secret = match secret {
            None => return Err(reply::signed_out(state, false)),
            Some(secret) if !secret.verify_derived(CSRF, &token) => {
                return Err(reply::forbidden());
            }
            Some(secret) => secret,
        };
        let signed_in = SignedIn::resolve(state, secret, source).await?;
        let form = form.ok_or_else(reply::bad_form)?;
        Ok(Self { signed_in, form })
    }
}

/// A form posted before signing in (log in, sign up), its CSRF token checked first.
pub struct VisitorForm<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for VisitorForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (parts, body) = req.into_parts();
        let secret = visitor(&parts);
        let (token, form) = read_form(Request::from_parts(parts, body), state).await?;
        match secret {
            Some(secret) if secret.verify_derived(CSRF, &token) => {
                form.map(Self).ok_or_else(reply::bad_form)
            }
            _ => Err(reply::forbidden()),
        }
    }
}
