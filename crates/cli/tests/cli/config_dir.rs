//! The config directory holds tokens and secrets: `latchkey` creates it private, refuses
//! one that someone else could write to, and never follows a symlink planted in it.

#![cfg(unix)]

use std::os::unix::fs::{PermissionsExt as _, symlink};
use std::path::Path;
use std::process::{Command, Output};

use latchkey_testkit::TempDir;

/// `latchkey conf list` (it opens, locks and reads the profile, and needs no service)
/// with `dir` as `LATCHKEY_CONFIG_DIR`.
fn conf_list(dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_latchkey"))
        .args(["conf", "list"])
        .env("LATCHKEY_CONFIG_DIR", dir)
        .env_remove("LATCHKEY_PROFILE")
        .output()
        .unwrap()
}

fn fails(dir: &Path) -> String {
    let output = conf_list(dir);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "should fail: {stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    stderr
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn the_config_dir_is_created_private() {
    let scratch = TempDir::new();
    let dir = scratch.0.join("a/new/config");
    let output = conf_list(&dir);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("profiles")), 0o700);
}

#[test]
fn a_config_dir_writable_by_group_or_others_is_refused() {
    for (which, wide) in [("config", 0o777), ("config", 0o770), ("profiles", 0o722)] {
        let scratch = TempDir::new();
        let dir = scratch.0.join("config");
        assert!(conf_list(&dir).status.success());
        let widened = if which == "config" {
            dir.clone()
        } else {
            dir.join("profiles")
        };
        set_mode(&widened, wide);
        let error = fails(&dir);
        assert!(
            error.contains(&widened.display().to_string())
                && error.contains("writable by")
                && error.contains("chmod 700"),
            "{which} {wide:o}: {error}"
        );
        assert_eq!(mode(&widened), wide, "left as it was");
    }
}

#[test]
fn a_config_dir_owned_by_someone_else_is_refused() {
    let scratch = TempDir::new();
    let dir = scratch.0.join("config");
    assert!(conf_list(&dir).status.success());
    // Only root can give a directory away; elsewhere this part cannot be set up.
    if std::os::unix::fs::chown(&dir, Some(65_534), None).is_err() {
        eprintln!("not root: the ownership check is not exercised");
        return;
    }
    let error = fails(&dir);
    assert!(
        error.contains(&dir.display().to_string()) && error.contains("owned by uid 65534"),
        "{error}"
    );
}

#[test]
fn symlinks_in_the_profiles_dir_are_not_followed() {
    for planted in ["default.lock", "default.toml"] {
        let scratch = TempDir::new();
        let dir = scratch.0.join("config");
        assert!(conf_list(&dir).status.success());
        let profiles = dir.join("profiles");
        std::fs::remove_file(profiles.join("default.lock")).ok();
        // Where the link points: a file the user may write, and one that does not exist.
        let victim = scratch.0.join("victim");
        let missing = scratch.0.join("missing");
        std::fs::write(&victim, "server = \"http://attacker.example\"\n").unwrap();
        for target in [&victim, &missing] {
            std::fs::remove_file(profiles.join(planted)).ok();
            symlink(target, profiles.join(planted)).unwrap();
            let error = fails(&dir);
            assert!(error.contains(planted), "{planted}: {error}");
            assert!(
                !missing.exists(),
                "{planted}: the link's target was created"
            );
        }
        assert_eq!(
            std::fs::read_to_string(&victim).unwrap(),
            "server = \"http://attacker.example\"\n"
        );
    }
}
