//! Where profiles live: `<config dir>/profiles/<name>.toml`, mode 0600 in a 0700
//! directory that only the user can write to, never through a symlink (see
//! [`crate::private`]), replaced atomically (write a temporary file, sync it, rename it over),
//! so that a crash leaves the old profile or the new one, never half of one.
//!
//! Commands that may refresh tokens hold `<name>.lock` for their whole run: two
//! `latchkey token` at once must not both spend the same (rotating) refresh token.

use std::fs::{self, File};
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

use crate::private;
use crate::profile::Profile;

/// The directory of the CLI's files: `LATCHKEY_CONFIG_DIR`, else the platform's config
/// directory (`$XDG_CONFIG_HOME/latchkey`, `~/.config/latchkey`,
/// `~/Library/Application Support/latchkey`, `%APPDATA%\latchkey`).
///
/// # Errors
///
/// When neither the variable nor a home directory is set.
pub fn config_dir() -> anyhow::Result<PathBuf> {
    let var = |name| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = var("LATCHKEY_CONFIG_DIR") {
        return Ok(dir);
    }
    let base = if cfg!(windows) {
        var("APPDATA")
    } else if cfg!(target_os = "macos") {
        var("HOME").map(|home| home.join("Library/Application Support"))
    } else {
        var("XDG_CONFIG_HOME").or_else(|| var("HOME").map(|home| home.join(".config")))
    };
    match base {
        Some(base) => Ok(base.join("latchkey")),
        None => bail!("no config directory: set LATCHKEY_CONFIG_DIR"),
    }
}

/// One profile's file, held locked.
#[derive(Debug)]
pub struct ProfileFile {
    path: PathBuf,
    _lock: File,
}

impl ProfileFile {
    /// Opens (and locks) the profile `name`, waiting for another `latchkey` that holds it.
    ///
    /// # Errors
    ///
    /// A bad profile name, or a directory that cannot be created.
    pub fn open(name: &str) -> anyhow::Result<Self> {
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            || name.starts_with('.')
        {
            bail!("invalid profile name {name:?}: use letters, digits, '-', '_' and '.'");
        }
        let config = config_dir()?;
        private::create_dir(&config)?;
        let dir = config.join("profiles");
        private::create_dir(&dir)?;
        let lock_path = dir.join(format!("{name}.lock"));
        let lock = private::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(|e| private::open_error(e, &lock_path))?;
        lock.lock()
            .with_context(|| format!("cannot lock {}", lock_path.display()))?;
        Ok(Self {
            path: dir.join(format!("{name}.toml")),
            _lock: lock,
        })
    }

    /// The profile file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The stored profile (empty if there is none yet).
    ///
    /// # Errors
    ///
    /// An unreadable or malformed file.
    pub fn load(&self) -> anyhow::Result<Profile> {
        let mut file = match private::options().read(true).open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Profile::default()),
            Err(e) => return Err(private::open_error(e, &self.path)),
        };
        let mut text = String::new();
        file.read_to_string(&mut text)
            .with_context(|| format!("cannot read {}", self.path.display()))?;
        toml::from_str(&text)
            .with_context(|| format!("{} is not a valid profile", self.path.display()))
    }

    /// Replaces the stored profile atomically.
    ///
    /// # Errors
    ///
    /// A file that cannot be written.
    pub fn save(&self, profile: &Profile) -> anyhow::Result<()> {
        let text = toml::to_string(profile).context("cannot encode the profile")?;
        let temporary = self
            .path
            .with_extension(format!("toml.{}.tmp", std::process::id()));
        let written = (|| {
            let mut file = private::options()
                .write(true)
                .create_new(true)
                .open(&temporary)?;
            file.write_all(text.as_bytes())?;
            file.sync_all()?;
            fs::rename(&temporary, &self.path)?;
            // The rename itself is durable once the directory is synced.
            if let Some(dir) = self.path.parent() {
                File::open(dir).and_then(|d| d.sync_all()).ok();
            }
            Ok::<_, std::io::Error>(())
        })();
        if written.is_err() {
            fs::remove_file(&temporary).ok();
        }
        written.with_context(|| format!("cannot write {}", self.path.display()))
    }

    /// Deletes the stored profile.
    ///
    /// # Errors
    ///
    /// A file that exists but cannot be removed.
    pub fn delete(&self) -> anyhow::Result<()> {
        match fs::remove_file(&self.path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(e).with_context(|| format!("cannot delete {}", self.path.display()))
            }
            _ => Ok(()),
        }
    }
}
