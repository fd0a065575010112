//! The interactive prompts, through a pseudo-terminal. (The pseudo-terminal reader
//! decodes bytes one by one, so assertions avoid the "✔".)

use rexpect::session::{PtySession, spawn_command};

use crate::harness::{Env, PASSWORD};

fn spawn(env: &Env, args: &[&str], envs: &[(&str, &str)]) -> PtySession {
    let mut command = env.command(args);
    command.envs(envs.iter().copied());
    spawn_command(command, Some(30_000)).unwrap()
}

/// Everything the session printed until it ended.
fn rest(session: &mut PtySession) -> String {
    session.exp_eof().unwrap()
}

#[test]
fn signup_and_login_prompt_for_email_and_a_hidden_password() {
    let env = Env::start(3600);
    let mut signup = spawn(&env, &["signup"], &[]);
    signup.exp_string("? Email: ").unwrap();
    signup.send_line("ada@example.com").unwrap();
    signup.exp_string("? Password: ").unwrap();
    signup.send_line(PASSWORD).unwrap();
    signup.exp_string("? Password (again): ").unwrap();
    signup.send_line(PASSWORD).unwrap();
    let out = rest(&mut signup);
    assert!(
        out.contains("Signed up and logged in as ada@example.com"),
        "{out}"
    );
    assert!(!out.contains(PASSWORD), "the password was echoed: {out}");

    env.ok(&["logout"]);
    let mut login = spawn(&env, &["login"], &[]);
    login.exp_string("? Email: ").unwrap();
    login.send_line("ada@example.com").unwrap();
    login.exp_string("? Password: ").unwrap();
    login.send_line(PASSWORD).unwrap();
    let out = rest(&mut login);
    assert!(out.contains("Logged in as ada@example.com."), "{out}");
    assert!(!out.contains(PASSWORD), "the password was echoed: {out}");
    assert!(env.conf("accessToken").is_some());
}

#[test]
fn a_wrong_password_at_the_prompt_is_one_clear_line() {
    let env = Env::start(3600);
    env.signed_up("ada@example.com");
    let mut login = spawn(&env, &["login", "--email", "ada@example.com"], &[]);
    login.exp_string("? Password: ").unwrap();
    login.send_line("not the password").unwrap();
    let out = rest(&mut login);
    assert!(out.contains("error: cannot log in:"), "{out}");
    assert!(out.contains("invalid_credentials"), "{out}");
}

#[test]
fn the_store_question_answered_yes_stores_the_tokens() {
    let env = Env::start(3600);
    let key = env.account_with_key("ada@example.com");
    let keys = key.env();
    let mut session = spawn(&env, &["client-token"], &keys);
    session
        .exp_string("? Do you want latchkey to store your tokens locally for future usage? (Y/n)")
        .unwrap();
    session.send_line("Yes").unwrap();
    let out = rest(&mut session);
    assert!(out.contains("Generated new tokens:"), "{out}");
    assert!(
        out.contains("WARN  Be sure to copy and save these keys"),
        "{out}"
    );
    let stored = env.conf("clientAccessToken").expect("stored");
    assert!(
        out.contains(&format!("* clientAccessToken: {stored}")),
        "{out}"
    );
}

#[test]
fn the_store_question_answered_no_stores_nothing() {
    let env = Env::start(3600);
    let key = env.account_with_key("ada@example.com");
    let keys = key.env();
    let mut session = spawn(&env, &["client-token"], &keys);
    session.exp_string("for future usage? (Y/n)").unwrap();
    session.send_line("maybe").unwrap();
    session.exp_string("Please answer yes or no.").unwrap();
    session.send_line("n").unwrap();
    let out = rest(&mut session);
    assert!(out.contains("* refreshToken: ey"), "{out}");
    assert_eq!(env.conf("clientAccessToken"), None);
    assert_eq!(env.conf("refreshToken"), None);
}
