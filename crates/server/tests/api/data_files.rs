//! SQLite only: without a master key the database holds the signing keys in clear, so
//! its directory and files are for the service's user alone.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use crate::helpers::{TempDir, TestApp};

/// The permission bits of `path`, in octal.
fn mode(path: &Path) -> String {
    let metadata = std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    format!("{:03o}", metadata.permissions().mode() & 0o777)
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The database, WAL and shared-memory files of the database at `data/latchkey.db`.
fn files(data: &Path) -> [PathBuf; 3] {
    ["latchkey.db", "latchkey.db-wal", "latchkey.db-shm"].map(|name| data.join(name))
}

fn url(data: &Path) -> String {
    format!("sqlite://{}", data.join("latchkey.db").display())
}

#[tokio::test]
async fn a_new_data_directory_is_0700_and_its_database_files_0600() {
    let dir = TempDir::new();
    let data = dir.0.join("latchkey-data");
    let app = TestApp::start(url(&data), dir, |_| {}).await;
    app.account("ada@example.com").await;
    assert_eq!(mode(&data), "700", "data directory");
    for file in files(&data) {
        assert_eq!(mode(&file), "600", "{}", file.display());
    }
}

#[tokio::test]
async fn wider_modes_on_existing_data_files_are_tightened_at_start() {
    let dir = TempDir::new();
    let data = dir.0.join("latchkey-data");
    let first = TestApp::start(url(&data), dir, |_| {}).await;
    first.account("ada@example.com").await;
    // As an older latchkeyd left them under umask 022, or an operator's copy did.
    set_mode(&data, 0o755);
    for file in files(&data) {
        set_mode(&file, 0o644);
    }
    let second = TestApp::start(url(&data), TempDir::new(), |_| {}).await;
    second.login("ada@example.com").await;
    assert_eq!(mode(&data), "700", "data directory");
    for file in files(&data) {
        assert_eq!(mode(&file), "600", "{}", file.display());
    }
}

/// A directory that holds more than the database (here, the working directory of a
/// deployment) may be shared: its mode is left alone, the files are still tightened.
#[tokio::test]
async fn a_directory_holding_other_files_keeps_its_mode_and_the_files_are_tightened() {
    let dir = TempDir::new();
    let data = dir.0.join("srv");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("README"), "not the database's\n").unwrap();
    set_mode(&data, 0o755);
    let app = TestApp::start(url(&data), dir, |_| {}).await;
    app.account("ada@example.com").await;
    assert_eq!(mode(&data), "755", "a shared directory is not changed");
    for file in files(&data) {
        assert_eq!(mode(&file), "600", "{}", file.display());
    }
}
