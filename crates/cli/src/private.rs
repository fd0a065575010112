//! The config directory and its files, which hold account tokens, refresh tokens and
//! (when asked) client secrets: reachable by the user alone.
//!
//! Directories are created mode 0700, and one that exists already must be the user's and
//! writable by nobody else (another local user who can write in it could swap a profile
//! or plant a symlink). Files are created mode 0600 and opened with `O_NOFOLLOW`, so a
//! symlink in the directory is an error, never a way to make `latchkey` read or create a
//! file somewhere else.

use std::fs::{self, OpenOptions};
use std::path::Path;

use anyhow::Context as _;

/// Creates `dir` (and missing parents) mode 0700 if needed, then checks that only the
/// user can change what is in it.
///
/// # Errors
///
/// A directory that cannot be created, or one owned by someone else or writable by its
/// group or by others (a clear message says which, and how to fix it).
pub fn create_dir(dir: &Path) -> anyhow::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .with_context(|| format!("cannot create {}", dir.display()))?;
    #[cfg(unix)]
    check_dir(dir)?;
    Ok(())
}

#[cfg(unix)]
fn check_dir(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::MetadataExt as _;
    let metadata = fs::metadata(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    let me = rustix::process::geteuid().as_raw();
    if metadata.uid() != me {
        anyhow::bail!(
            "refusing to use {}: it is owned by uid {}, not by you (uid {me}); \
             set LATCHKEY_CONFIG_DIR to a directory of your own",
            dir.display(),
            metadata.uid()
        );
    }
    let mode = metadata.mode() & 0o777;
    let who = match (mode & 0o020 != 0, mode & 0o002 != 0) {
        (true, true) => "its group and others",
        (true, false) => "its group",
        (false, true) => "others",
        (false, false) => return Ok(()),
    };
    anyhow::bail!(
        "refusing to use {}: it is writable by {who} (mode {mode:03o}), who could replace \
         your tokens; run `chmod 700 {}`",
        dir.display(),
        dir.display()
    )
}

/// Options for a file in the config directory: created mode 0600, and never opened
/// through a symlink (`O_NOFOLLOW`).
pub fn options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options
            .mode(0o600)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits().cast_signed());
    }
    options
}

/// `error` from opening `path` with [`options`], with a clear message when `path` is a
/// symlink.
pub fn open_error(error: std::io::Error, path: &Path) -> anyhow::Error {
    #[cfg(unix)]
    if error.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
        return anyhow::anyhow!(
            "refusing to open {}: it is a symbolic link, and latchkey does not follow links \
             in its config directory; remove it",
            path.display()
        );
    }
    anyhow::Error::new(error).context(format!("cannot open {}", path.display()))
}
