//! The commands, one module per group; each takes the [`Context`] and its arguments.

mod account;
mod client_keys;
mod client_token;
mod conf;
mod request;
mod token;

use crate::args::Command;
use crate::context::Context;

/// Runs one command.
///
/// # Errors
///
/// Whatever the command reports, as one line for the user.
pub async fn run(mut context: Context, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Signup(credentials) => account::signup(&mut context, credentials).await,
        Command::Login(credentials) => account::login(&mut context, credentials).await,
        Command::Logout { all } => account::logout(&mut context, all),
        Command::Whoami => account::whoami(&context).await,
        Command::ClientKeys(command) => client_keys::run(&mut context, command).await,
        Command::ClientToken(args) => client_token::run(&mut context, args).await,
        Command::Conf(args) => conf::run(&mut context, args),
        Command::Token { account } => token::run(&mut context, account).await,
        Command::Request(args) => request::run(&mut context, args).await,
    }
}
