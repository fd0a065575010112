//! Configuration, in three rooms: the command line (`cli.rs`: flags and their
//! environment variables), the TOML file (`file.rs`: its types and the checks of its
//! values) and the resolution of both over the defaults into one [`Config`]
//! (`resolve.rs`). Flags win over the environment, which wins over the file, which wins
//! over the defaults.
//!
//! What cannot be known before the listener is bound — the default issuer, when the
//! configuration asks for port 0 — is decided by [`Config::settings`], through
//! [`issuer_for`], for the server and the operator commands alike.

mod cli;
mod file;
mod resolve;

use std::net::SocketAddr;

use axum::http::HeaderValue;
use latchkey_core::{Policies, Settings};
use latchkey_store::StoreOptions;

pub use self::cli::{
    AddUser, AuditArgs, Cli, Command, KeysCommand, MASTER_KEY_ENV, Options, UserCommand,
};
pub use crate::serve::ConnectionLimits;
pub use crate::tls::TlsFiles;

/// Default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8400";
/// Default database: an SQLite file under `./latchkey-data/`, created on first run.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://latchkey-data/latchkey.db";

/// The resolved configuration of one `latchkeyd`.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Database URL.
    pub database_url: String,
    /// Connection pool settings.
    pub store: StoreOptions,
    /// The issuer; `None` means [`issuer_for`] the bound address.
    pub issuer: Option<String>,
    /// The access-token audience; `None` means the issuer.
    pub audience: Option<String>,
    /// Lifetimes, scopes and the other domain policies.
    pub policies: Policies,
    /// Where `/metrics` is served, on a listener of its own (e.g. loopback).
    pub metrics_listen: Option<SocketAddr>,
    /// Whether `/metrics` is also served on the API listener when it has no listener of
    /// its own (off: the API's listener is usually public).
    pub metrics_on_api_listener: bool,
    /// Read timeouts and the cap on open connections of the API listener.
    pub limits: ConnectionLimits,
    /// TLS certificate and key; `None` means plain HTTP.
    pub tls: Option<TlsFiles>,
    /// Origins allowed by CORS (none by default), parsed and checked once by
    /// [`Config::load`].
    pub cors_allowed_origins: Vec<HeaderValue>,
    /// Proxies whose `X-Forwarded-For` names the client (none by default).
    pub trusted_proxies: latchkey_core::network::Networks,
}

impl Config {
    /// Defaults for a service on `listen` with the database at `database_url`.
    #[must_use]
    pub fn new(listen: SocketAddr, database_url: impl Into<String>) -> Self {
        Self {
            listen,
            database_url: database_url.into(),
            store: StoreOptions::default(),
            issuer: None,
            audience: None,
            policies: Policies::default(),
            metrics_listen: None,
            metrics_on_api_listener: false,
            limits: ConnectionLimits::default(),
            tls: None,
            cors_allowed_origins: Vec::new(),
            trusted_proxies: latchkey_core::network::Networks::default(),
        }
    }

    /// The domain settings of a service whose listener is bound to `bound`: the
    /// configured issuer, or [`issuer_for`] `bound`; the configured audience, or the
    /// issuer; and the policies. The server passes the address it actually bound (port
    /// 0 picks one), the operator commands the configured one.
    #[must_use]
    pub fn settings(&self, bound: SocketAddr) -> Settings {
        let issuer = self
            .issuer
            .clone()
            .unwrap_or_else(|| issuer_for(bound, self.tls.is_some()));
        Settings {
            audience: self.audience.clone().unwrap_or_else(|| issuer.clone()),
            issuer,
            policies: self.policies.clone(),
        }
    }
}

/// The default issuer of a service listening on `listen`: `http://` or, with TLS,
/// `https://`, then the address. Deployments behind a proxy or on a name set `issuer`.
///
/// ```
/// let at = "127.0.0.1:8400".parse().unwrap();
/// assert_eq!(latchkeyd::config::issuer_for(at, false), "http://127.0.0.1:8400");
/// assert_eq!(latchkeyd::config::issuer_for(at, true), "https://127.0.0.1:8400");
/// ```
#[must_use]
pub fn issuer_for(listen: SocketAddr, tls: bool) -> String {
    let scheme = if tls { "https" } else { "http" };
    format!("{scheme}://{listen}")
}
