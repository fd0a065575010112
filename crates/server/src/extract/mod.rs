//! Request extractors: JSON bodies (lenient about trailing commas, strict about
//! everything else), HTTP Basic credentials, bearer tokens, form-encoded OAuth 2
//! requests with their client authentication, and path parameters. Each rejects with
//! the API's JSON error.

mod auth;
mod dpop;
mod form;
mod json;
mod path;
mod source;

pub use auth::{Authenticated, BasicAuth};
pub use dpop::DpopProofs;
pub use form::{OAuthRequest, Params};
pub(crate) use json::strip_trailing_commas;
pub use json::{Json, OptionalJson};
pub use path::Path;
pub use source::{SourceAddr, resolve_source};
