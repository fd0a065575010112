//! The console's cookies: reading them from a request, and writing them with the flags
//! the contract fixes — `HttpOnly`, `SameSite=Strict`, `Path=/console`, and `Secure`
//! when the service is reached over TLS (its own listener, or an `https://` issuer in
//! front of it), never on plain http where a browser would drop it.

use axum::http::{HeaderMap, HeaderValue, header};

use crate::state::AppState;

/// The session cookie: a [`latchkey_core::service::ConsoleSecret`].
pub const SESSION: &str = "latchkey_console";
/// The visitor cookie: the secret the CSRF token of the log-in and sign-up forms is
/// derived from, before there is a session.
pub const VISITOR: &str = "latchkey_console_visitor";
/// A message (and once, a new client secret) for the page after a redirect.
pub const FLASH: &str = "latchkey_console_flash";

/// The value of the cookie `name`, if the request has it.
pub fn read<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// How the console's cookies are written on this deployment.
#[derive(Debug, Clone, Copy)]
pub struct Jar {
    secure: bool,
}

impl Jar {
    /// The jar of `state`'s deployment.
    pub fn of(state: &AppState) -> Self {
        let https = state.latchkey.settings().issuer.starts_with("https://");
        Self {
            secure: state.http.tls || https,
        }
    }

    /// `Set-Cookie` for `name=value`, living `max_age` seconds.
    pub fn set(self, name: &str, value: &str, max_age: u64) -> Option<HeaderValue> {
        let secure = if self.secure { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{name}={value}; Path=/console; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"
        ))
        .ok()
    }

    /// `Set-Cookie` that removes `name`.
    pub fn clear(self, name: &str) -> Option<HeaderValue> {
        self.set(name, "", 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("a=1; b=2"));
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("latchkey_console=xyz"),
        );
        assert_eq!(read(&headers, "b"), Some("2"));
        assert_eq!(read(&headers, SESSION), Some("xyz"));
        assert_eq!(read(&headers, "c"), None);
    }

    #[test]
    fn cookies_carry_every_flag_and_secure_only_under_tls() {
        let plain = Jar { secure: false }.set(SESSION, "v", 60).unwrap();
        assert_eq!(
            plain,
            "latchkey_console=v; Path=/console; Max-Age=60; HttpOnly; SameSite=Strict"
        );
        let tls = Jar { secure: true }.set(SESSION, "v", 60).unwrap();
        assert!(tls.to_str().unwrap().ends_with("; Secure"));
    }
}
