//! Request extractors: JSON bodies (lenient about trailing commas, strict about
//! everything else), HTTP Basic credentials, and bearer tokens.

mod auth;
mod json;

pub use auth::{Authenticated, BasicAuth};
pub use json::{Json, OptionalJson};
