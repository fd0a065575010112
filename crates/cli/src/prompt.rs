//! Questions on the terminal. Without a terminal (scripts, CI) nothing is asked: the
//! caller gets an error naming the flag or variable that would have answered.

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use anyhow::{Context as _, bail, ensure};

/// Whether questions can be asked: standard input is a terminal.
pub fn interactive() -> bool {
    std::io::stdin().is_terminal()
}

/// Asks for a line of text (on standard error, so that `--json` output stays clean).
///
/// # Errors
///
/// No terminal (naming `instead`), or a closed input.
pub fn text(question: &str, instead: &str) -> anyhow::Result<String> {
    ensure!(
        interactive(),
        "no terminal to ask for the {}: use {instead}",
        question.to_lowercase()
    );
    eprint!("? {question}: ");
    std::io::stderr().flush().ok();
    let answer = read_line()?;
    ensure!(!answer.is_empty(), "no {} given", question.to_lowercase());
    Ok(answer)
}

/// Asks for a password without echoing it.
///
/// # Errors
///
/// No terminal (naming `instead`).
pub fn password(question: &str, instead: &str) -> anyhow::Result<String> {
    ensure!(
        interactive(),
        "no terminal to ask for the password: use {instead}"
    );
    let password = rpassword::prompt_password(format!("? {question}: "))
        .context("cannot read the password")?;
    Ok(password)
}

/// Asks a yes/no question; an empty answer takes `default`.
///
/// # Errors
///
/// No terminal (naming `instead`), or a closed input.
pub fn confirm(question: &str, default: bool, instead: &str) -> anyhow::Result<bool> {
    ensure!(
        interactive(),
        "no terminal to ask {question:?}: use {instead}"
    );
    let hint = if default { "(Y/n)" } else { "(y/N)" };
    loop {
        eprint!("? {question} {hint} ");
        std::io::stderr().flush().ok();
        match read_line()?.to_ascii_lowercase().as_str() {
            "" => return Ok(default),
            "y" | "yes" => return Ok(true),
            "n" | "no" => return Ok(false),
            _ => eprintln!("  Please answer yes or no."),
        }
    }
}

/// The first line of standard input, without its line ending (for `--password-stdin`).
///
/// # Errors
///
/// A closed or unreadable input.
pub fn read_line() -> anyhow::Result<String> {
    let mut line = String::new();
    let read = std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read standard input")?;
    if read == 0 {
        bail!("standard input is closed");
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
