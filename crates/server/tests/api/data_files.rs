//! SQLite only: without a master key the database holds the signing keys in clear, so
//! its directory and files are for the service's user alone.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use latchkey_testkit::{TempDir, TestApp};

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

/// Asserts that `data` has mode `dir` and each of its database files 0600.
#[track_caller]
fn assert_modes(data: &Path, dir: &str) {
    assert_eq!(mode(data), dir, "data directory");
    for file in files(data) {
        assert_eq!(mode(&file), "600", "{}", file.display());
    }
}

fn url(data: &Path) -> String {
    format!("sqlite://{}", data.join("latchkey.db").display())
}

/// An app on the database at `data/latchkey.db`, with an account made, so that every
/// file is written.
async fn started(data: &Path) -> TestApp {
    let app = TestApp::start(&url(data), |_| {}).await;
    app.account("ada@example.com").await;
    app
}

#[tokio::test]
async fn a_new_data_directory_is_0700_and_its_database_files_0600() {
    let dir = TempDir::new();
    let data = dir.0.join("latchkey-data");
    let _app = started(&data).await;
    assert_modes(&data, "700");
}

#[tokio::test]
async fn wider_modes_on_existing_data_files_are_tightened_at_start() {
    let dir = TempDir::new();
    let data = dir.0.join("latchkey-data");
    let _first = started(&data).await;
    // As an older latchkeyd left them under umask 022, or an operator's copy did.
    set_mode(&data, 0o755);
    for file in files(&data) {
        set_mode(&file, 0o644);
    }
    let second = TestApp::start(&url(&data), |_| {}).await;
    second.login("ada@example.com").await;
    assert_modes(&data, "700");
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
    let _app = started(&data).await;
    assert_modes(&data, "755");
}
