//! Latchkey's domain: accounts, client keys, refresh sessions and token issuance.
//!
//! This crate knows nothing of HTTP or SQL. The server calls [`Latchkey`]'s operations;
//! storage is reached through the [`Store`] trait, which `latchkey-store` implements for
//! SQLite and PostgreSQL.
//!
//! # Layout
//!
//! - [`audit`]: the audit vocabulary ([`audit::EventKind`], [`audit::AuditFilter`]), below
//!   both the key ring and the service.
//! - [`service`]: [`Latchkey`], one file per resource (accounts, client keys, grants,
//!   sessions, bearer authentication).
//! - [`store`]: the [`Store`] trait and the records it reads and writes.
//! - [`keys`]: signing keys, the key ring, and token minting.
//! - [`password`]: argon2id hashing off the async runtime, bounded to the core count.
//! - [`ids`], [`email`], [`secret`], [`network`]: validated newtypes, parsed once at the edge.
//! - [`settings`]: lifetimes, scopes and policies.
//! - [`password_policy`]: what a new password must be (zxcvbn strength, not the email).
//! - [`telemetry`]: event counters the server exports as metrics.
//! - [`error`]: the domain [`Error`], one variant per answer a caller acts on.

pub mod audit;
pub mod clock;
pub mod email;
pub mod error;
pub mod ids;
pub mod keys;
pub mod network;
pub mod password;
pub mod password_policy;
pub mod secret;
pub mod service;
pub mod settings;
pub mod store;
pub mod telemetry;

pub use clock::{Clock, SystemClock};
pub use error::{Error, Result};
pub use latchkey_proto::{Claims, Kind, Scope};
pub use service::{IssuedTokens, Latchkey, Principal};
pub use settings::{ConsolePolicy, Lifetimes, Lockout, Policies, Rotation, Settings, SigningKeys};
pub use store::{Store, StoreError};
pub use telemetry::Telemetry;
