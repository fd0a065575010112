//! What every command works with: the parsed global options, the locked profile file and
//! an SDK client for the chosen service.

use anyhow::Context as _;
use latchkey_client::Client;
use serde::Serialize;

use crate::args::Global;
use crate::profile::Profile;
use crate::store::ProfileFile;

/// The service used when neither `--server`, `LATCHKEY_SERVER` nor the profile names one.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8400";

/// One command's surroundings.
#[derive(Debug)]
pub struct Context {
    /// The global options.
    pub global: Global,
    /// The profile file, locked for the command's run.
    pub file: ProfileFile,
    /// The profile as loaded; commands change it and call [`Context::save`].
    pub profile: Profile,
}

impl Context {
    /// Opens and locks the profile named by `global`.
    ///
    /// # Errors
    ///
    /// As [`ProfileFile::open`] and [`ProfileFile::load`].
    pub fn open(global: Global) -> anyhow::Result<Self> {
        let file = ProfileFile::open(&global.profile)?;
        let profile = file.load()?;
        Ok(Self {
            global,
            file,
            profile,
        })
    }

    /// The service's URL: `--server`/`LATCHKEY_SERVER`, else the profile's, else the default.
    pub fn server(&self) -> &str {
        self.global
            .server
            .as_deref()
            .or(self.profile.server.as_deref())
            .unwrap_or(DEFAULT_SERVER)
    }

    /// An SDK client of [`Context::server`].
    ///
    /// # Errors
    ///
    /// A malformed URL.
    pub fn client(&self) -> anyhow::Result<Client> {
        Client::new(self.server()).map_err(|e| {
            anyhow::anyhow!("{e}: check --server, LATCHKEY_SERVER or the profile's server")
        })
    }

    /// Remembers an explicitly given server in the profile, so that later commands use it.
    pub fn remember_server(&mut self) {
        if let Some(server) = &self.global.server {
            self.profile.server = Some(server.trim_end_matches('/').to_owned());
        }
    }

    /// Writes the profile back.
    ///
    /// # Errors
    ///
    /// As [`ProfileFile::save`].
    pub fn save(&self) -> anyhow::Result<()> {
        self.file.save(&self.profile)
    }

    /// Prints `value` as JSON if `--json` was given, else runs `human`.
    ///
    /// # Errors
    ///
    /// A value that cannot be encoded.
    pub fn print<T: Serialize>(&self, value: &T, human: impl FnOnce()) -> anyhow::Result<()> {
        if self.global.json {
            println!("{}", serde_json::to_string_pretty(value)?);
        } else {
            human();
        }
        Ok(())
    }

    /// The stored account access token.
    ///
    /// # Errors
    ///
    /// When there is none: the user is told to log in.
    pub fn account_token(&self) -> anyhow::Result<&str> {
        self.profile.access_token.as_deref().with_context(|| {
            format!(
                "not logged in (profile {:?}): run `latchkey login`",
                self.global.profile
            )
        })
    }
}
