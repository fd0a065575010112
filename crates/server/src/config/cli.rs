//! The command line: `latchkeyd [serve]`, `user add`, `keys …`, `audit`, and the options
//! every command shares. Each option may also come from its `LATCHKEY_*` environment
//! variable (clap merges the two); [`super::Config::load`] resolves them with the file.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// `latchkeyd`: the Latchkey token service.
#[derive(Debug, Parser)]
#[command(
    version,
    about,
    after_help = "Example:\n  latchkeyd --listen 0.0.0.0:8400 --issuer https://auth.example.com"
)]
pub struct Cli {
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options shared by every command.
    #[command(flatten)]
    pub options: Options,
}

/// Options shared by every command.
#[derive(Debug, Clone, Default, Args)]
pub struct Options {
    /// Address to listen on [default: 127.0.0.1:8400].
    #[arg(long, env = "LATCHKEY_LISTEN", global = true)]
    pub listen: Option<SocketAddr>,
    /// Database URL: sqlite://PATH or postgres://… [default: sqlite://latchkey-data/latchkey.db].
    #[arg(long = "database", env = "LATCHKEY_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Public URL of the service, the `iss` of its tokens [default: http:// (https:// with
    /// TLS) + the listen address].
    #[arg(long, env = "LATCHKEY_ISSUER", global = true)]
    pub issuer: Option<String>,
    /// TOML file with the other settings (see docs/CONFIGURATION.md).
    #[arg(long, env = "LATCHKEY_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Serve /metrics on this address instead of on the main listener.
    #[arg(long, env = "LATCHKEY_METRICS_LISTEN", global = true)]
    pub metrics_listen: Option<SocketAddr>,
    /// PEM certificate chain: serve HTTPS (needs --tls-key too).
    #[arg(long, env = "LATCHKEY_TLS_CERT", global = true)]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of the TLS certificate.
    #[arg(long, env = "LATCHKEY_TLS_KEY", global = true)]
    pub tls_key: Option<PathBuf>,
    /// File holding the master key that encrypts signing keys at rest (base64 of 32
    /// bytes; make one with `latchkeyd keys generate-master-key`). LATCHKEY_MASTER_KEY
    /// may hold the key itself instead.
    #[arg(long, env = "LATCHKEY_MASTER_KEY_FILE", global = true)]
    pub master_key_file: Option<PathBuf>,
}

/// The environment variable that may hold the master key itself.
pub const MASTER_KEY_ENV: &str = "LATCHKEY_MASTER_KEY";

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default).
    Serve,
    /// Manage accounts.
    User {
        /// The user command.
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Read the audit trail of every account (newest first).
    #[command(
        after_help = "Examples:\n  latchkeyd audit --limit 20\n  latchkeyd audit --account ada@example.com --kind login_failed --since 2026-11-01T00:00:00Z --json"
    )]
    Audit(AuditArgs),
    /// Manage signing keys.
    Keys {
        /// The keys command.
        #[command(subcommand)]
        command: KeysCommand,
    },
}

/// `latchkeyd audit`
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only this account's events (an email or an account id).
    #[arg(long)]
    pub account: Option<String>,
    /// Only events of this kind, e.g. login_failed (see docs/SECURITY.md).
    #[arg(long)]
    pub kind: Option<String>,
    /// Only events at or after this time (RFC 3339, e.g. 2026-11-01T00:00:00Z).
    #[arg(long)]
    pub since: Option<String>,
    /// At most this many events [default: 100, at most 1000].
    #[arg(long)]
    pub limit: Option<u32>,
    /// Print JSON lines instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `latchkeyd keys …`
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List the signing keys and where each is in its life (next, current, retired, kept, revoked).
    #[command(after_help = "Example:\n  latchkeyd keys list --json")]
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Publish a new signing key now; it starts signing one access-token lifetime later
    /// (so every resource service has fetched it), or at once with --now.
    #[command(
        after_help = "Examples:\n  latchkeyd keys rotate\n  latchkeyd keys rotate --now   # after a suspected key compromise"
    )]
    Rotate {
        /// Sign with the new key at once (brings a scheduled key forward).
        #[arg(long)]
        now: bool,
    },
    /// Revoke a signing key at once (suspected compromise): it leaves the JWKS and is no
    /// longer trusted; if it was signing, a new key takes over. Running instances follow
    /// at their next key reload (within a minute).
    #[command(
        after_help = "Example:\n  latchkeyd keys revoke kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    )]
    Revoke {
        /// The key id (`kid`), as `latchkeyd keys list` shows it (base64url: it may
        /// start with `-`).
        #[arg(allow_hyphen_values = true)]
        kid: String,
    },
    /// Print a new random master key (base64) for LATCHKEY_MASTER_KEY or --master-key-file.
    #[command(
        after_help = "Example:\n  umask 077; latchkeyd keys generate-master-key > /etc/latchkey/master.key"
    )]
    GenerateMasterKey,
}

/// `latchkeyd user …`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account, even when sign-up is closed.
    #[command(
        after_help = "Examples:\n  latchkeyd user add --email ada@example.com\n  echo \"$PASSWORD\" | latchkeyd user add --email ada@example.com --password-stdin"
    )]
    Add(AddUser),
}

/// `latchkeyd user add`
#[derive(Debug, Args)]
pub struct AddUser {
    /// The account's email.
    #[arg(long)]
    pub email: String,
    /// Read the password from the first line of standard input instead of a prompt.
    #[arg(long)]
    pub password_stdin: bool,
}
