//! The TOML file (`--config`, see docs/CONFIGURATION.md): its types, and the checks of
//! the values that need more than their type — lifetimes, lockout, signing keys, the
//! password score and the CORS origins. Every value is checked here, once; the
//! resolution in `resolve.rs` only chooses between the flags, the file and defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use axum::http::HeaderValue;
use latchkey_core::keys::MasterKey;
use latchkey_core::network::Networks;
use latchkey_core::{ConsolePolicy, Lifetimes, Lockout, SigningKeys};

use super::ConnectionLimits;
use latchkey_verify::Algorithm;
use serde::Deserialize;

/// The TOML file. Every field is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct FileConfig {
    pub listen: Option<SocketAddr>,
    pub database_url: Option<String>,
    pub issuer: Option<String>,
    pub audience: Option<String>,
    pub scopes: Option<String>,
    pub signup_open: Option<bool>,
    pub console: ConsoleFile,
    pub password_hash_concurrency: Option<usize>,
    pub password_hash_queue: Option<usize>,
    pub password_hash_queue_per_address: Option<usize>,
    pub password_min_score: Option<u8>,
    pub metrics_listen: Option<SocketAddr>,
    pub metrics_on_api_listener: Option<bool>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub cors_allowed_origins: Option<Vec<String>>,
    pub tokens: TokensFile,
    pub refresh_tokens: RefreshTokensFile,
    pub signing_keys: SigningKeysFile,
    pub lockout: LockoutFile,
    pub database: DatabaseFile,
    pub http: HttpFile,
    pub status_list: StatusListFile,
    pub dpop: DpopFile,
}

/// `[status_list]`
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct StatusListFile {
    /// How long verifiers may cache a list, in seconds.
    pub ttl_seconds: Option<u64>,
}

/// `[dpop]`
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct DpopFile {
    pub proof_window_seconds: Option<u32>,
    pub replay_capacity: Option<usize>,
    pub require_nonce: Option<bool>,
}

/// The DPoP proof window: how far a proof's `iat` may be from now (1 s to 10 min).
pub(super) fn dpop_proof_window(file: &DpopFile) -> anyhow::Result<Option<u32>> {
    if let Some(seconds) = file.proof_window_seconds {
        anyhow::ensure!(
            (1..=600).contains(&seconds),
            "dpop.proof_window_seconds must be between 1 and 600"
        );
    }
    Ok(file.proof_window_seconds)
}

/// How many proofs the replay cache remembers (1,000 to 10,000,000; ≈ 100 bytes each).
pub(super) fn dpop_replay_capacity(file: &DpopFile) -> anyhow::Result<Option<usize>> {
    if let Some(capacity) = file.replay_capacity {
        anyhow::ensure!(
            (1_000..=10_000_000).contains(&capacity),
            "dpop.replay_capacity must be between 1000 and 10000000"
        );
    }
    Ok(file.replay_capacity)
}

/// `[console]`
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct ConsoleFile {
    enabled: Option<bool>,
    idle_timeout_seconds: Option<u64>,
    absolute_timeout_seconds: Option<u64>,
}

/// `[console]` over the defaults, checked for consistency.
pub(super) fn console(file: &ConsoleFile) -> anyhow::Result<ConsolePolicy> {
    let d = ConsolePolicy::default();
    let c = ConsolePolicy {
        enabled: file.enabled.unwrap_or(d.enabled),
        idle_timeout: file.idle_timeout_seconds.unwrap_or(d.idle_timeout),
        absolute_timeout: file.absolute_timeout_seconds.unwrap_or(d.absolute_timeout),
    };
    anyhow::ensure!(
        c.idle_timeout >= 1 && c.idle_timeout <= c.absolute_timeout,
        "console.idle_timeout_seconds must be at least 1 and at most \
         console.absolute_timeout_seconds"
    );
    Ok(c)
}

/// `[http]`
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct HttpFile {
    pub header_read_timeout_seconds: Option<u64>,
    pub body_read_timeout_seconds: Option<u64>,
    pub max_connections: Option<usize>,
    pub trusted_proxies: Option<Vec<String>>,
}

/// The trusted proxies (CIDRs or addresses), parsed once.
pub(super) fn trusted_proxies(file: &HttpFile) -> anyhow::Result<Networks> {
    Networks::parse(file.trusted_proxies.as_deref().unwrap_or_default())
        .context("invalid http.trusted_proxies")
}

/// The connection limits, over the defaults.
pub(super) fn limits(file: &HttpFile) -> anyhow::Result<ConnectionLimits> {
    let d = ConnectionLimits::default();
    let limits = ConnectionLimits {
        header_read_timeout: file
            .header_read_timeout_seconds
            .map_or(d.header_read_timeout, Duration::from_secs),
        body_read_timeout: file
            .body_read_timeout_seconds
            .map_or(d.body_read_timeout, Duration::from_secs),
        max_connections: file.max_connections.unwrap_or(d.max_connections),
    };
    anyhow::ensure!(
        !limits.header_read_timeout.is_zero()
            && !limits.body_read_timeout.is_zero()
            && limits.max_connections > 0,
        "http.header_read_timeout_seconds, http.body_read_timeout_seconds and \
         http.max_connections must be at least 1"
    );
    Ok(limits)
}

/// `[refresh_tokens]`
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct RefreshTokensFile {
    pub rotation: Option<bool>,
    pub grace_seconds: Option<u64>,
    pub keep_ended_seconds: Option<u64>,
}

/// `[lockout]`
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct LockoutFile {
    free_attempts: Option<u32>,
    lockout_after: Option<u32>,
    lockout_seconds: Option<u64>,
    window_seconds: Option<u64>,
    address_factor: Option<u32>,
}

/// `[signing_keys]`
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct SigningKeysFile {
    algorithm: Option<String>,
    rotation_days: Option<u64>,
    master_key_file: Option<PathBuf>,
}

/// `[tokens]`
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct TokensFile {
    account_access_seconds: Option<u64>,
    account_access_max_seconds: Option<u64>,
    client_access_seconds: Option<u64>,
    client_access_max_seconds: Option<u64>,
    client_refresh_seconds: Option<u64>,
}

/// `[database]`
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct DatabaseFile {
    pub max_connections: Option<u32>,
    pub acquire_timeout_seconds: Option<u64>,
}

impl FileConfig {
    /// Reads and parses the file at `path`.
    pub(super) fn read(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        toml::from_str(&text)
            .with_context(|| format!("invalid configuration file {}", path.display()))
    }
}

/// The lowest zxcvbn score a new password needs, if the file sets it.
pub(super) fn password_min_score(file: &FileConfig) -> anyhow::Result<Option<u8>> {
    if let Some(score) = file.password_min_score {
        anyhow::ensure!(
            score <= latchkey_core::password_policy::MAX_SCORE,
            "password_min_score must be between 0 and 4"
        );
    }
    Ok(file.password_min_score)
}

/// Checks and converts the configured CORS origins: `scheme://host[:port]`, no path, no
/// `*`. They are parsed here once; the HTTP layer uses the values as they come out.
pub(super) fn parse_origins(origins: &[String]) -> anyhow::Result<Vec<HeaderValue>> {
    origins
        .iter()
        .map(|origin| {
            let trimmed = origin.trim_end_matches('/');
            let rest = trimmed
                .strip_prefix("https://")
                .or_else(|| trimmed.strip_prefix("http://"));
            anyhow::ensure!(
                rest.is_some_and(|host| !host.is_empty() && !host.contains(['/', '*', '?', '#'])),
                "invalid CORS origin {origin:?}: expected scheme://host[:port], such as https://console.example.com"
            );
            HeaderValue::from_str(trimmed).with_context(|| format!("invalid CORS origin {origin:?}"))
        })
        .collect()
}

/// The signing-key settings; the master key comes from the environment variable's
/// value, else from the file named by the flag, else from the one named in the file.
pub(super) fn signing_keys(
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

/// `[lockout]` over the defaults, checked for consistency.
pub(super) fn lockout(file: &LockoutFile) -> anyhow::Result<Lockout> {
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

/// `[tokens]` over the defaults, checked for consistency.
pub(super) fn lifetimes(file: &TokensFile) -> anyhow::Result<Lifetimes> {
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
    fn the_console_section_is_read_and_checked() {
        let file: FileConfig = toml::from_str(
            "[console]\nenabled = false\nidle_timeout_seconds = 60\nabsolute_timeout_seconds = 600",
        )
        .unwrap();
        let policy = console(&file.console).unwrap();
        assert!(!policy.enabled);
        assert_eq!((policy.idle_timeout, policy.absolute_timeout), (60, 600));
        assert!(console(&ConsoleFile::default()).unwrap().enabled);
        let backwards: FileConfig =
            toml::from_str("[console]\nidle_timeout_seconds = 600\nabsolute_timeout_seconds = 60")
                .unwrap();
        assert!(console(&backwards.console).is_err());
    }

    #[test]
    fn the_dpop_section_is_read_and_checked() {
        let file: FileConfig =
            toml::from_str("[dpop]\nproof_window_seconds = 30\nreplay_capacity = 2000000").unwrap();
        assert_eq!(dpop_proof_window(&file.dpop).unwrap(), Some(30));
        assert_eq!(dpop_replay_capacity(&file.dpop).unwrap(), Some(2_000_000));
        for bad in [
            "proof_window_seconds = 0",
            "replay_capacity = 10",
            "replay_capacity = 20000000",
        ] {
            let file: FileConfig = toml::from_str(&format!("[dpop]\n{bad}")).unwrap();
            let checked = dpop_proof_window(&file.dpop).and(dpop_replay_capacity(&file.dpop));
            assert!(checked.is_err(), "{bad}");
        }
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(toml::from_str::<FileConfig>("lisen = \"x\"").is_err());
    }

    #[test]
    fn origins_must_be_bare_scheme_and_host() {
        let ok = parse_origins(&[
            "https://console.example.com/".into(),
            "http://localhost:3000".into(),
        ])
        .unwrap();
        assert_eq!(ok[0], "https://console.example.com");
        assert_eq!(ok[1], "http://localhost:3000");
        for bad in [
            "*",
            "console.example.com",
            "https://",
            "https://a.example/path",
            "https://*.example.com",
        ] {
            assert!(parse_origins(&[bad.into()]).is_err(), "{bad}");
        }
    }
}
