//! Request extractors: JSON bodies (lenient about trailing commas, strict about
//! everything else), HTTP Basic credentials, bearer tokens, and form-encoded OAuth 2
//! requests with their client authentication.

mod auth;
mod form;
mod json;
mod source;

pub use auth::{Authenticated, BasicAuth};
pub use form::{OAuthRequest, Params};
pub(crate) use json::strip_trailing_commas;
pub use json::{Json, OptionalJson};
pub use source::SourceAddr;
