//! Operator commands that run against the database directly.

pub mod audit;
pub mod keys;

use std::io::{BufRead as _, IsTerminal as _};
use std::sync::Arc;

use anyhow::Context as _;
use latchkey_core::{Latchkey, SystemClock};

use crate::config::{AddUser, Config, Options};

/// `latchkeyd user add --email E [--password-stdin]`.
///
/// # Errors
///
/// If the password cannot be read, the database cannot be opened, or the account
/// cannot be created (invalid email or password, email taken).
pub async fn add_user(options: &Options, args: &AddUser) -> anyhow::Result<()> {
    let password = read_password(args.password_stdin)?;
    let latchkey = open(options).await?;
    let account = latchkey.create_account(&args.email, password).await?;
    println!("created account {} ({})", account.id, account.email);
    Ok(())
}

/// The service on the configured database, as `latchkeyd serve` would build it.
async fn open(options: &Options) -> anyhow::Result<Latchkey> {
    let config = Config::load(options)?;
    let settings = config.settings(config.listen);
    let store = latchkey_store::open(&config.database_url, &config.store).await?;
    Ok(Latchkey::new(store, settings, Arc::new(SystemClock)).await?)
}

fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    anyhow::ensure!(
        std::io::stdin().is_terminal(),
        "no terminal to prompt for a password: use --password-stdin"
    );
    let password = rpassword::prompt_password("Password: ")?;
    let again = rpassword::prompt_password("Password (again): ")?;
    anyhow::ensure!(password == again, "the passwords do not match");
    Ok(password)
}
