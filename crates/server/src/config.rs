//! Configuration: flags, then environment variables, then the TOML file, then defaults.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use latchkey_core::keys::MasterKey;
use latchkey_core::{Lifetimes, Lockout, Scope, Settings, SigningKeys};
use latchkey_store::StoreOptions;
use latchkey_verify::Algorithm;
use serde::Deserialize;

pub use crate::tls::TlsFiles;

/// Default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8400";
/// Default database: an SQLite file under `./latchkey-data/`, created on first run.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://latchkey-data/latchkey.db";

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
    /// Public URL of the service, the `iss` of its tokens [default: http:// + the listen address].
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
    /// List the signing keys and where each is in its life (next, current, retired, kept).
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

/// The TOML file. Every field is optional; see docs/CONFIGURATION.md.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    database_url: Option<String>,
    issuer: Option<String>,
    audience: Option<String>,
    scopes: Option<String>,
    signup_open: Option<bool>,
    password_hash_concurrency: Option<usize>,
    password_hash_queue: Option<usize>,
    password_hash_queue_per_address: Option<usize>,
    password_min_score: Option<u8>,
    metrics_listen: Option<SocketAddr>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    cors_allowed_origins: Option<Vec<String>>,
    tokens: TokensFile,
    refresh_tokens: RefreshTokensFile,
    signing_keys: SigningKeysFile,
    lockout: LockoutFile,
    database: DatabaseFile,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RefreshTokensFile {
    rotation: Option<bool>,
    grace_seconds: Option<u64>,
    keep_ended_seconds: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct LockoutFile {
    free_attempts: Option<u32>,
    lockout_after: Option<u32>,
    lockout_seconds: Option<u64>,
    window_seconds: Option<u64>,
    address_factor: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct SigningKeysFile {
    algorithm: Option<String>,
    rotation_days: Option<u64>,
    master_key_file: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct TokensFile {
    account_access_seconds: Option<u64>,
    account_access_max_seconds: Option<u64>,
    client_access_seconds: Option<u64>,
    client_access_max_seconds: Option<u64>,
    client_refresh_seconds: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct DatabaseFile {
    max_connections: Option<u32>,
    acquire_timeout_seconds: Option<u64>,
}

/// The resolved configuration of one `latchkeyd`.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Database URL.
    pub database_url: String,
    /// Connection pool settings.
    pub store: StoreOptions,
    /// The issuer; `None` means `http://` + the bound address.
    pub issuer: Option<String>,
    /// The access-token audience; `None` means the issuer.
    pub audience: Option<String>,
    /// Domain settings (issuer and audience are filled in at start).
    pub settings: Settings,
    /// Where `/metrics` is served; `None` means on the main listener.
    pub metrics_listen: Option<SocketAddr>,
    /// TLS certificate and key; `None` means plain HTTP.
    pub tls: Option<TlsFiles>,
    /// Origins allowed by CORS (none by default).
    pub cors_allowed_origins: Vec<String>,
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
            settings: Settings::new(String::new()),
            metrics_listen: None,
            tls: None,
            cors_allowed_origins: Vec::new(),
        }
    }

    /// Resolves flags and environment (already merged by clap), the TOML file and defaults.
    ///
    /// # Errors
    ///
    /// If the file cannot be read or parsed, or a value is invalid.
    pub fn load(options: &Options) -> anyhow::Result<Self> {
        let file = match &options.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                toml::from_str::<FileConfig>(&text)
                    .with_context(|| format!("invalid configuration file {}", path.display()))?
            }
            None => FileConfig::default(),
        };
        let listen = match options.listen.or(file.listen) {
            Some(listen) => listen,
            None => DEFAULT_LISTEN.parse().context("default listen address")?,
        };
        let database_url = options
            .database_url
            .clone()
            .or(file.database_url)
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.into());
        let mut config = Self::new(listen, database_url);
        config.issuer = options
            .issuer
            .clone()
            .or(file.issuer)
            .map(|i| i.trim_end_matches('/').to_owned());
        config.audience = file.audience;
        config.metrics_listen = options.metrics_listen.or(file.metrics_listen);
        config.tls = match (
            options.tls_cert.clone().or(file.tls_cert),
            options.tls_key.clone().or(file.tls_key),
        ) {
            (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
            (None, None) => None,
            _ => anyhow::bail!("TLS needs both a certificate (--tls-cert) and a key (--tls-key)"),
        };
        config.cors_allowed_origins = file.cors_allowed_origins.unwrap_or_default();
        crate::middleware::parse_origins(&config.cors_allowed_origins)?;
        if let Some(score) = file.password_min_score {
            anyhow::ensure!(
                score <= latchkey_core::password_policy::MAX_SCORE,
                "password_min_score must be between 0 and 4"
            );
            config.settings.password_min_score = score;
        }
        let settings = &mut config.settings;
        if let Some(scopes) = file.scopes {
            settings.scopes = Scope::parse(&scopes).context("invalid `scopes`")?;
        }
        settings.signup_open = file.signup_open.unwrap_or(settings.signup_open);
        settings.hash_concurrency = file
            .password_hash_concurrency
            .unwrap_or(settings.hash_concurrency);
        settings.hash_queue = file.password_hash_queue.or(settings.hash_queue);
        settings.hash_queue_per_address = file
            .password_hash_queue_per_address
            .or(settings.hash_queue_per_address);
        anyhow::ensure!(
            settings.hash_queue != Some(0) && settings.hash_queue_per_address != Some(0),
            "password_hash_queue and password_hash_queue_per_address must be at least 1"
        );
        settings.lifetimes = lifetimes(&file.tokens)?;
        if let Some(rotation) = file.refresh_tokens.rotation {
            settings.rotation.enabled = rotation;
        }
        if let Some(grace) = file.refresh_tokens.grace_seconds {
            settings.rotation.grace_seconds = grace;
        }
        if let Some(keep) = file.refresh_tokens.keep_ended_seconds {
            settings.ended_session_retention = keep;
        }
        settings.signing_keys = signing_keys(
            file.signing_keys,
            options.master_key_file.clone(),
            std::env::var(MASTER_KEY_ENV).ok(),
        )?;
        settings.lockout = lockout(&file.lockout)?;
        if let Some(n) = file.database.max_connections {
            config.store.max_connections = n;
        }
        if let Some(s) = file.database.acquire_timeout_seconds {
            config.store.acquire_timeout = Duration::from_secs(s);
        }
        Ok(config)
    }
}

/// The signing-key settings; the master key comes from the environment variable's
/// value, else from the file named by the flag, else from the one named in the file.
fn signing_keys(
    file: SigningKeysFile,
    master_key_file: Option<PathBuf>,
    master_key_env: Option<String>,
) -> anyhow::Result<SigningKeys> {
    let mut keys = SigningKeys::default();
    if let Some(name) = file.algorithm {
        keys.algorithm = match name.as_str() {
            "EdDSA" => Algorithm::EdDSA,
            "ES256" => Algorithm::ES256,
            other => anyhow::bail!("unknown signing_keys.algorithm {other:?}: use EdDSA or ES256"),
        };
    }
    if let Some(days) = file.rotation_days {
        keys.rotation_period = days.saturating_mul(86_400);
    }
    let text = match (master_key_env, master_key_file.or(file.master_key_file)) {
        (Some(text), _) => Some(text),
        (None, Some(path)) => Some(
            std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read the master key file {}", path.display()))?,
        ),
        (None, None) => None,
    };
    keys.master_key = text
        .map(|t| MasterKey::from_base64(&t))
        .transpose()
        .context("invalid master key")?;
    Ok(keys)
}

fn lockout(file: &LockoutFile) -> anyhow::Result<Lockout> {
    let d = Lockout::default();
    let l = Lockout {
        free_attempts: file.free_attempts.unwrap_or(d.free_attempts),
        lockout_after: file.lockout_after.unwrap_or(d.lockout_after),
        lockout_seconds: file.lockout_seconds.unwrap_or(d.lockout_seconds),
        window_seconds: file.window_seconds.unwrap_or(d.window_seconds),
        address_factor: file.address_factor.unwrap_or(d.address_factor),
    };
    anyhow::ensure!(
        l.lockout_after == 0 || l.free_attempts < l.lockout_after,
        "lockout.free_attempts must be below lockout.lockout_after (0 turns the lockout off)"
    );
    anyhow::ensure!(
        l.address_factor >= 1 && l.lockout_seconds >= 1,
        "lockout.address_factor and lockout.lockout_seconds must be at least 1"
    );
    Ok(l)
}

fn lifetimes(file: &TokensFile) -> anyhow::Result<Lifetimes> {
    let d = Lifetimes::default();
    let account_access = file.account_access_seconds.unwrap_or(d.account_access);
    let client_access = file.client_access_seconds.unwrap_or(d.client_access);
    let l = Lifetimes {
        account_access,
        account_access_max: file
            .account_access_max_seconds
            .unwrap_or(account_access.max(d.account_access_max)),
        client_access,
        client_access_max: file
            .client_access_max_seconds
            .unwrap_or(client_access.max(d.client_access_max)),
        client_refresh: file.client_refresh_seconds.unwrap_or(d.client_refresh),
    };
    anyhow::ensure!(
        l.account_access > 0 && l.client_access > 0 && l.client_refresh > 0,
        "token lifetimes must be positive"
    );
    anyhow::ensure!(
        l.account_access <= l.account_access_max,
        "account_access_seconds exceeds account_access_max_seconds"
    );
    anyhow::ensure!(
        l.client_access <= l.client_access_max,
        "client_access_seconds exceeds client_access_max_seconds"
    );
    Ok(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_contract() {
        let config = Config::load(&Options::default()).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8400");
        assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(config.settings.lifetimes, Lifetimes::default());
    }

    #[test]
    fn the_file_sets_lifetimes_and_flags_win_over_it() {
        let dir = std::env::temp_dir().join(format!("latchkeyd-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("latchkey.toml");
        std::fs::write(&path, "listen = \"127.0.0.1:9000\"\nsignup_open = false\n[tokens]\nclient_access_seconds = 60\n").unwrap();
        let options = Options {
            config: Some(path),
            listen: Some("127.0.0.1:9100".parse().unwrap()),
            ..Options::default()
        };
        let config = Config::load(&options).unwrap();
        assert_eq!(config.listen.port(), 9100);
        assert!(!config.settings.signup_open);
        assert_eq!(config.settings.lifetimes.client_access, 60);
        assert_eq!(config.settings.lifetimes.client_access_max, 3600);
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(toml::from_str::<FileConfig>("lisen = \"x\"").is_err());
    }
}
