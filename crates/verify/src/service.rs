//! [`ServiceConfig`] (feature `remote`): what every resource service built on this crate
//! is told at start — where to listen, which issuer to trust, which audience to expect —
//! and the [`Verifier`] that follows from it. `latchkey-nodes` and `latchkey-gate` both
//! use it, so the audience default is decided here once.

use crate::{BuildError, Verifier};

/// Where a resource service listens and whose tokens it accepts.
///
/// ```
/// let config = latchkey_verify::ServiceConfig::new("127.0.0.1:0", "http://127.0.0.1:8400");
/// assert_eq!(config.audience, None);
/// ```
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// The address to listen on, e.g. `127.0.0.1:8401`.
    pub listen: String,
    /// The Latchkey issuer URL; keys come from `<issuer>/.well-known/jwks.json`.
    pub issuer: String,
    /// The audience tokens must be for; `None` means the issuer (latchkeyd's default).
    pub audience: Option<String>,
}

impl ServiceConfig {
    /// A configuration with the audience defaulting to the issuer.
    ///
    /// ```
    /// let config = latchkey_verify::ServiceConfig::new("127.0.0.1:8401", "https://auth.example.com");
    /// assert_eq!(config.issuer, "https://auth.example.com");
    /// ```
    #[must_use]
    pub fn new(listen: impl Into<String>, issuer: impl Into<String>) -> Self {
        Self {
            listen: listen.into(),
            issuer: issuer.into(),
            audience: None,
        }
    }

    /// The verifier for this configuration: account and client access tokens from the
    /// issuer, for the audience. Must be called inside a Tokio runtime.
    ///
    /// # Errors
    ///
    /// An invalid issuer or audience URL, or no Tokio runtime.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let config = latchkey_verify::ServiceConfig::new("127.0.0.1:0", "http://127.0.0.1:8400");
    /// assert!(config.verifier().is_ok());
    /// # }
    /// ```
    pub fn verifier(&self) -> Result<Verifier, BuildError> {
        let mut builder = Verifier::builder(self.issuer.clone());
        if let Some(audience) = &self.audience {
            builder = builder.audience(audience.clone());
        }
        builder.build()
    }
}
