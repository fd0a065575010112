//! The database's files on disk, for the service's user alone.
//!
//! Without a master key the database holds the signing keys' private halves in clear, so
//! no other local user may read it: its directory is 0700 and the database, WAL and
//! shared-memory files 0600, whatever the umask. SQLite creates a database file with
//! 0644 (less the umask), and gives its WAL and shared-memory files the database file's
//! mode; so the database file is created here, 0600, before SQLite opens it. Files and a
//! directory that exist with wider modes (left by an older version, or copied by an
//! operator) are tightened, and the change is logged; if that fails, the store refuses
//! to open, saying what to do.
//!
//! The directory is tightened only if it holds nothing but the database's own files: a
//! directory holding other files too (a home directory, `/var/lib`) may be shared on
//! purpose, so its mode is left alone (and a warning says so) while the files themselves
//! are still made private. A directory named by the URL that does not exist is created
//! 0700, missing parents too; the working directory (a URL without a directory) is never
//! changed.

use std::fs;
use std::path::Path;

use anyhow::Context as _;

/// The database file's name followed by each of these is one of its files.
const SUFFIXES: [&str; 4] = ["", "-wal", "-shm", "-journal"];

/// Whether the URL names an in-memory database, which has no files.
pub(super) fn in_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

/// Before SQLite opens `database`: its directory created or tightened to 0700, the
/// database file created 0600 if missing, and its existing files tightened to 0600.
///
/// # Errors
///
/// If the directory or file cannot be created, or a mode that is too wide cannot be
/// tightened.
pub(super) fn prepare(database: &Path) -> anyhow::Result<()> {
    if let Some(dir) = database.parent().filter(|d| !d.as_os_str().is_empty()) {
        private_dir(dir, database)?;
    }
    create_file(database)?;
    tighten_files(database)
}

#[cfg(unix)]
fn private_dir(dir: &Path, database: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
    let mode = match fs::metadata(dir) {
        Ok(metadata) => metadata.permissions().mode(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .with_context(|| format!("cannot create the data directory {}", dir.display()));
        }
        Err(e) => {
            return Err(e)
                .with_context(|| format!("cannot read the data directory {}", dir.display()));
        }
    };
    if mode & 0o077 == 0 {
        return Ok(());
    }
    if !holds_only(dir, database)? {
        tracing::warn!(
            directory = %dir.display(),
            mode = format!("{:03o}", mode & 0o777),
            "the database's directory holds other files too, so its mode is left as it is; \
             the database's own files are kept 0600"
        );
        return Ok(());
    }
    tighten(dir, mode, "data directory")
}

#[cfg(not(unix))]
fn private_dir(dir: &Path, _: &Path) -> anyhow::Result<()> {
    fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the data directory {}", dir.display()))
}

/// Whether every entry of `dir` is one of `database`'s files.
fn holds_only(dir: &Path, database: &Path) -> anyhow::Result<bool> {
    let Some(name) = database.file_name().and_then(|n| n.to_str()) else {
        return Ok(false);
    };
    let entries = fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
        let entry = entry.file_name();
        let ours = entry
            .to_str()
            .and_then(|e| e.strip_prefix(name))
            .is_some_and(|suffix| SUFFIXES.contains(&suffix));
        if !ours {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Creates the database file 0600 if it does not exist (another instance may create it
/// at the same time: that is fine).
fn create_file(database: &Path) -> anyhow::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(database) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e)
            .with_context(|| format!("cannot create the SQLite database {}", database.display())),
    }
}

/// Tightens the database, WAL, shared-memory and journal files of `database` that exist
/// to 0600 (the owner's bits kept, every other bit removed).
///
/// # Errors
///
/// If a file's mode is too wide and cannot be changed.
pub(super) fn tighten_files(database: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    for suffix in SUFFIXES {
        use std::os::unix::fs::PermissionsExt as _;
        let mut path = database.as_os_str().to_owned();
        path.push(suffix);
        let path = Path::new(&path);
        let mode = match fs::metadata(path) {
            Ok(metadata) => metadata.permissions().mode(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(e).with_context(|| format!("cannot read {}", path.display()));
            }
        };
        if mode & 0o077 != 0 {
            tighten(path, mode, "database file")?;
        }
    }
    Ok(())
}

/// Removes every bit but the owner's from `path`'s `mode`, and logs it.
#[cfg(unix)]
fn tighten(path: &Path, mode: u32, what: &str) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let (from, to) = (mode & 0o7777, mode & 0o700);
    fs::set_permissions(path, fs::Permissions::from_mode(to)).with_context(|| {
        format!(
            "the {what} {} is open to other users (mode {from:03o}) and its mode cannot be \
             changed to {to:03o}; run `chmod {to:03o} {}` as its owner, or run latchkeyd as \
             its owner",
            path.display(),
            path.display()
        )
    })?;
    tracing::warn!(
        path = %path.display(),
        from = format!("{from:03o}"),
        to = format!("{to:03o}"),
        "tightened the mode of the {what}: other local users could read it"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::in_memory;

    #[cfg(unix)]
    #[test]
    fn a_mode_that_cannot_be_tightened_is_refused_with_what_to_do() {
        let path = std::path::Path::new("/nonexistent-latchkey-dir/latchkey.db");
        let error = super::tighten(path, 0o100_644, "database file").unwrap_err();
        let message = format!("{error:#}");
        assert!(
            message.contains("mode 644") && message.contains("chmod 600 /nonexistent"),
            "{message}"
        );
    }

    #[test]
    fn in_memory_urls_have_no_files() {
        assert!(in_memory("sqlite::memory:"));
        assert!(in_memory("sqlite://db?mode=memory"));
        assert!(!in_memory("sqlite://latchkey-data/latchkey.db"));
    }
}
