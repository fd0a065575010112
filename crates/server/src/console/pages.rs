//! The pages: one askama template each (`templates/console/`), checked at compile time,
//! HTML-escaped, all inside `layout.html`. The structs hold text ready to show.

use askama::Template;

use super::flash::{Flash, NewKey, Tone};
use super::key_form::Create;

/// What every page shows around its content.
pub struct Chrome {
    /// The page's title and heading.
    pub title: &'static str,
    /// The navigation entry of this page ("" when signed out).
    pub current: &'static str,
    /// Whether the navigation (and its log-out form) is shown.
    pub signed_in: bool,
    /// The CSRF token of this page's forms.
    pub csrf: String,
    /// A notice to show once.
    pub notice: Option<String>,
    /// An error to show once.
    pub error: Option<String>,
}

impl Chrome {
    /// The chrome of a page, with the flash's message if there is one.
    pub fn new(
        title: &'static str,
        current: &'static str,
        csrf: String,
        flash: Option<&Flash>,
    ) -> Self {
        let message = flash.and_then(|f| f.message.clone());
        let (notice, error) = match message {
            Some((Tone::Notice, text)) => (Some(text), None),
            Some((Tone::Error, text)) => (None, Some(text)),
            None => (None, None),
        };
        Self {
            title,
            current,
            signed_in: !current.is_empty(),
            csrf,
            notice,
            error,
        }
    }
}

/// `GET /console/login`
#[derive(Template)]
#[template(path = "console/login.html")]
pub struct Login {
    pub chrome: Chrome,
    pub email: String,
    pub signup_open: bool,
}

/// `GET /console/signup`
#[derive(Template)]
#[template(path = "console/signup.html")]
pub struct Signup {
    pub chrome: Chrome,
    pub email: String,
    pub open: bool,
}

/// One client key, as listed.
pub struct KeyRow {
    pub id: String,
    pub name: String,
    pub scope: String,
    pub created: String,
    /// When it stops working, or "never".
    pub expires: String,
    /// Whether that time has passed.
    pub expired: bool,
    /// The networks it may be used from; empty: anywhere.
    pub networks: Vec<String>,
    pub last_used: String,
    /// The address of its last use, if known.
    pub last_used_from: Option<String>,
    pub dpop_bound: bool,
    /// Until when the secret it had before a rotation still works, if it does.
    pub previous_secret_until: Option<String>,
}

/// `GET /console/keys`, and the same page refusing a create form (its values kept).
#[derive(Template)]
#[template(path = "console/keys.html")]
pub struct Keys {
    pub chrome: Chrome,
    pub new_key: Option<NewKey>,
    pub keys: Vec<KeyRow>,
    pub scopes: String,
    /// The create form's values.
    pub form: Create,
    /// The most networks a key may have.
    pub max_networks: usize,
}

/// `GET /console/keys/{id}/rotate`, and the same page refusing its form.
#[derive(Template)]
#[template(path = "console/rotate_key.html")]
pub struct RotateKey {
    pub chrome: Chrome,
    pub key: KeyRow,
    /// The overlap field's value, in days.
    pub overlap_days: String,
    /// The longest overlap, in days.
    pub max_days: u64,
}

/// `GET /console/keys/{id}/delete`
#[derive(Template)]
#[template(path = "console/delete_key.html")]
pub struct DeleteKey {
    pub chrome: Chrome,
    pub key: KeyRow,
}

/// One refresh session, as listed.
pub struct SessionRow {
    pub id: String,
    pub client: String,
    pub kind: String,
    pub created: String,
    pub last_used: String,
}

/// `GET /console/sessions`
#[derive(Template)]
#[template(path = "console/sessions.html")]
pub struct Sessions {
    pub chrome: Chrome,
    pub sessions: Vec<SessionRow>,
}

/// One audit event, as listed.
pub struct EventRow {
    pub at: String,
    pub kind: String,
    pub client: String,
    pub source: String,
    pub detail: String,
}

/// `GET /console/events`
#[derive(Template)]
#[template(path = "console/events.html")]
pub struct Events {
    pub chrome: Chrome,
    pub events: Vec<EventRow>,
    /// The `before` of the next page, if there are older events.
    pub older: Option<i64>,
    /// Whether this is a later page (a link back to the newest).
    pub paged: bool,
}

/// `GET /console/password`
#[derive(Template)]
#[template(path = "console/password.html")]
pub struct Password {
    pub chrome: Chrome,
}

/// A page that only says what went wrong.
#[derive(Template)]
#[template(path = "console/problem.html")]
pub struct Problem<'a> {
    pub title: &'a str,
    pub text: &'a str,
}
