//! The `latchkey-gate` binary refuses a bad rules file before it listens: non-zero exit,
//! and a message naming the file, the line and the reason.

use std::time::Duration;

use latchkey_testkit::TempDir;

const BINARY: &str = env!("CARGO_BIN_EXE_latchkey-gate");

/// Runs the gate on `rules` and returns (exit code, stderr); fails if it keeps running.
async fn run_with(rules: &str) -> (Option<i32>, String, String) {
    let dir = TempDir::new();
    let file = dir.path().join("gate-rules.toml");
    std::fs::write(&file, rules).unwrap();
    let output = tokio::process::Command::new(BINARY)
        .args(["--listen", "127.0.0.1:0", "--issuer", "http://127.0.0.1:9"])
        .arg("--rules")
        .arg(&file)
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(20), output)
        .await
        .expect("the gate should have stopped at once")
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code(), stderr, file.display().to_string())
}

#[tokio::test]
async fn bad_rules_files_stop_the_gate_naming_file_line_and_reason() {
    let route = "[[route]]\nprefix = \"/api\"\n";
    let cases = [
        (
            "unknown key",
            format!("{route}scopes = \"a\"\n"),
            3,
            "unknown field",
        ),
        (
            "missing prefix",
            "[[route]]\nscope = \"a\"\n".to_owned(),
            1,
            "prefix",
        ),
        ("TOML syntax", format!("{route}scope = \n"), 3, ""),
        (
            "public with scope",
            format!("{route}public = true\nscope = \"a\"\n"),
            4,
            "public",
        ),
        (
            "invalid scope",
            format!("{route}scope = \"a\\u0007\"\n"),
            3,
            "scope",
        ),
        (
            "relative prefix",
            "[[route]]\nprefix = \"api\"\n".to_owned(),
            2,
            "prefix",
        ),
        (
            "dot segments",
            "[[route]]\nprefix = \"/a/../b\"\n".to_owned(),
            2,
            "normalised",
        ),
        (
            "encoded slash",
            "[[route]]\nprefix = \"/a%2Fb\"\n".to_owned(),
            2,
            "ambiguous",
        ),
        (
            "bad method",
            format!("{route}methods = [\"GE T\"]\n"),
            3,
            "method",
        ),
        ("no methods", format!("{route}methods = []\n"), 3, "methods"),
        (
            "overlap",
            format!("{route}\n{route}methods = [\"GET\"]\n"),
            4,
            "line 1",
        ),
        ("no route", "# nothing\n".to_owned(), 1, "no [[route]]"),
    ];
    for (what, text, line, reason) in cases {
        let (code, stderr, file) = run_with(&text).await;
        assert_eq!(code, Some(1), "{what}: {stderr}");
        assert!(
            stderr.contains(&format!("{file}:{line}:")),
            "{what}: wanted {file}:{line}: in {stderr}"
        );
        assert!(
            stderr.contains(reason),
            "{what}: wanted {reason:?} in {stderr}"
        );
    }
}

#[tokio::test]
async fn a_missing_rules_file_stops_the_gate_naming_it() {
    let output = tokio::process::Command::new(BINARY)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--rules",
            "/nonexistent/gate.toml",
        ])
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("/nonexistent/gate.toml"), "{stderr}");
}
