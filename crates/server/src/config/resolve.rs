//! Resolution: flags and environment (already merged by clap) over the TOML file over
//! the defaults, into one [`Config`]. Values are checked by `file.rs`; this module only
//! chooses which source wins.

use std::time::Duration;

use anyhow::Context as _;
use latchkey_core::Scope;

use super::cli::{MASTER_KEY_ENV, Options};
use super::file::{self, FileConfig};
use super::{Config, DEFAULT_DATABASE_URL, DEFAULT_LISTEN, TlsFiles};

impl Config {
    /// Resolves flags and environment (already merged by clap), the TOML file and defaults.
    ///
    /// # Errors
    ///
    /// If the file cannot be read or parsed, or a value is invalid.
    pub fn load(options: &Options) -> anyhow::Result<Self> {
        let file = match &options.config {
            Some(path) => FileConfig::read(path)?,
            None => FileConfig::default(),
        };
        let listen = match options.listen.or(file.listen) {
            Some(listen) => listen,
            None => DEFAULT_LISTEN.parse().context("default listen address")?,
        };
        let database_url = options
            .database_url
            .clone()
            .or(file.database_url.clone())
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.into());
        let mut config = Self::new(listen, database_url);
        config.issuer = options
            .issuer
            .clone()
            .or(file.issuer.clone())
            .map(|i| i.trim_end_matches('/').to_owned());
        config.audience = file.audience.clone();
        config.metrics_listen = options.metrics_listen.or(file.metrics_listen);
        config.metrics_on_api_listener = file.metrics_on_api_listener.unwrap_or(false);
        config.limits = file::limits(&file.http)?;
        config.trusted_proxies = file::trusted_proxies(&file.http)?;
        config.tls = match (
            options.tls_cert.clone().or(file.tls_cert.clone()),
            options.tls_key.clone().or(file.tls_key.clone()),
        ) {
            (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
            (None, None) => None,
            _ => anyhow::bail!("TLS needs both a certificate (--tls-cert) and a key (--tls-key)"),
        };
        config.cors_allowed_origins =
            file::parse_origins(file.cors_allowed_origins.as_deref().unwrap_or_default())?;
        if let Some(n) = file.database.max_connections {
            config.store.max_connections = n;
        }
        if let Some(s) = file.database.acquire_timeout_seconds {
            config.store.acquire_timeout = Duration::from_secs(s);
        }
        config.policies_from(file, options)?;
        Ok(config)
    }

    /// The domain policies the file sets, over the defaults.
    fn policies_from(&mut self, file: FileConfig, options: &Options) -> anyhow::Result<()> {
        let policies = &mut self.policies;
        if let Some(score) = file::password_min_score(&file)? {
            policies.password_min_score = score;
        }
        if let Some(scopes) = &file.scopes {
            policies.scopes = Scope::parse(scopes).context("invalid `scopes`")?;
        }
        policies.signup_open = file.signup_open.unwrap_or(policies.signup_open);
        policies.console = file::console(&file.console)?;
        policies.hash_concurrency = file
            .password_hash_concurrency
            .unwrap_or(policies.hash_concurrency);
        policies.hash_queue = file.password_hash_queue.or(policies.hash_queue);
        policies.hash_queue_per_address = file
            .password_hash_queue_per_address
            .or(policies.hash_queue_per_address);
        anyhow::ensure!(
            policies.hash_queue != Some(0) && policies.hash_queue_per_address != Some(0),
            "password_hash_queue and password_hash_queue_per_address must be at least 1"
        );
        policies.lifetimes = file::lifetimes(&file.tokens)?;
        if let Some(rotation) = file.refresh_tokens.rotation {
            policies.rotation.enabled = rotation;
        }
        if let Some(grace) = file.refresh_tokens.grace_seconds {
            policies.rotation.grace_seconds = grace;
        }
        if let Some(ttl) = file.status_list.ttl_seconds {
            anyhow::ensure!(
                (1..=86_400).contains(&ttl),
                "status_list.ttl_seconds must be between 1 and 86400"
            );
            policies.status_list_ttl = ttl;
        }
        if let Some(keep) = file.refresh_tokens.keep_ended_seconds {
            policies.ended_session_retention = keep;
        }
        policies.signing_keys = file::signing_keys(
            file.signing_keys,
            options.master_key_file.clone(),
            std::env::var(MASTER_KEY_ENV).ok(),
        )?;
        policies.lockout = file::lockout(&file.lockout)?;
        if let Some(window) = file::dpop_proof_window(&file.dpop)? {
            policies.dpop_proof_window = window;
        }
        if let Some(capacity) = file::dpop_replay_capacity(&file.dpop)? {
            policies.dpop_replay_capacity = capacity;
        }
        if let Some(required) = file.dpop.require_nonce {
            policies.dpop_require_nonce = required;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use latchkey_core::Lifetimes;

    use super::*;

    #[test]
    fn defaults_match_the_contract() {
        let config = Config::load(&Options::default()).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8400");
        assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(config.policies.lifetimes, Lifetimes::default());
        assert!(!config.policies.dpop_require_nonce);
    }

    #[test]
    fn the_file_sets_lifetimes_and_flags_win_over_it() {
        let dir = std::env::temp_dir().join(format!("latchkeyd-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("latchkey.toml");
        std::fs::write(&path, "listen = \"127.0.0.1:9000\"\nsignup_open = false\n[tokens]\nclient_access_seconds = 60\n[dpop]\nproof_window_seconds = 30\nrequire_nonce = true\n").unwrap();
        let options = Options {
            config: Some(path),
            listen: Some("127.0.0.1:9100".parse().unwrap()),
            ..Options::default()
        };
        let config = Config::load(&options).unwrap();
        assert_eq!(config.listen.port(), 9100);
        assert!(!config.policies.signup_open);
        assert_eq!(config.policies.lifetimes.client_access, 60);
        assert_eq!(config.policies.lifetimes.client_access_max, 3600);
        assert_eq!(config.policies.dpop_proof_window, 30);
        assert!(config.policies.dpop_require_nonce);
    }
}
