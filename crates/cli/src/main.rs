//! `latchkey`: the Latchkey command line, a thin layer over the Rust SDK.
//!
//! # Layout
//!
//! - [`args`]: the commands and flags, as `clap` parses them.
//! - [`commands`]: one module per group of commands.
//! - [`context`]: what every command gets: the options, the locked profile, a client.
//! - [`profile`] and [`store`]: the stored values and their file (0600, atomic writes).
//! - [`prompt`]: questions on a terminal, and nothing without one.
//! - [`explain`]: SDK errors as one line that says what to do.

use std::process::ExitCode;

use clap::Parser as _;

mod args;
mod commands;
mod context;
mod explain;
mod private;
mod profile;
mod prompt;
mod store;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: args::Cli) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let context = context::Context::open(cli.global)?;
    runtime.block_on(commands::run(context, cli.command))
}
