//! Without a terminal nothing is asked: a missing value names its flag.

use crate::harness::Env;

#[test]
fn without_a_terminal_missing_values_name_their_flag() {
    let env = Env::start(3600);
    let error = env.fails(&["login"], &[]);
    assert!(error.contains("--email or LATCHKEY_EMAIL"), "{error}");
    let error = env.fails(&["login", "--email", "a@example.com"], &[]);
    assert!(error.contains("--password-stdin"), "{error}");
    let error = env.fails(&["client-token"], &[]);
    assert!(
        error.contains("--client-id or set LATCHKEY_CLIENT_ID"),
        "{error}"
    );
    let error = env.fails(&["client-token", "--client-id", "x"], &[]);
    assert!(error.contains("LATCHKEY_CLIENT_SECRET"), "{error}");
    let keys = [("LATCHKEY_CLIENT_ID", "x"), ("LATCHKEY_CLIENT_SECRET", "y")];
    let error = env.fails(&["client-token"], &keys);
    assert!(error.contains("--store or --no-store"), "{error}");
    let error = env.fails(&["token"], &[]);
    assert!(error.contains("latchkey client-token"), "{error}");
    let error = env.fails(&["client-keys", "list"], &[]);
    assert!(error.contains("run `latchkey login`"), "{error}");
}

#[test]
fn every_command_has_help_with_an_example() {
    let env = Env::start(3600);
    let commands: &[&[&str]] = &[
        &[],
        &["signup"],
        &["login"],
        &["logout"],
        &["whoami"],
        &["client-keys"],
        &["client-keys", "create"],
        &["client-keys", "list"],
        &["client-keys", "delete"],
        &["client-token"],
        &["conf"],
        &["conf", "get"],
        &["conf", "set"],
        &["conf", "unset"],
        &["conf", "list"],
        &["conf", "path"],
        &["token"],
        &["request"],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.push("--help");
        let help = env.ok(&args);
        assert!(
            help.contains("Example"),
            "latchkey {command:?} --help has no example:\n{help}"
        );
    }
}

#[test]
fn bad_input_is_refused_with_one_line() {
    let env = Env::start(3600);
    let error = env.fails(&["conf", "set", "acessToken", "x"], &[]);
    assert!(error.contains("unknown key \"acessToken\""), "{error}");
    let error = env.fails(&["whoami", "--profile", "../etc"], &[]);
    assert!(error.contains("invalid profile name"), "{error}");
    let error = env.fails(
        &["request", "-H", "Authorization: Bearer x", "/users/me"],
        &[],
    );
    assert!(error.contains("set by latchkey"), "{error}");
    let error = env.fails(&["request", "-H", "no colon", "/users/me"], &[]);
    assert!(error.contains("is not `Name: value`"), "{error}");
    let error = env.fails(&["request", "nodes/v1/status"], &[]);
    assert!(error.contains("neither a URL nor a path"), "{error}");
    env.signed_up("ada@example.com");
    let error = env.fails(&["whoami", "--server", "ftp://x"], &[]);
    assert!(
        error.contains("invalid service URL \"ftp://x\": check --server"),
        "{error}"
    );
}
