//! `latchkey-bench`: the helper of `bench/run.sh`. The load itself comes from wrk; this
//! binary does what wrk cannot:
//!
//! - `prepare`: creates the accounts, client keys and tokens every scenario needs,
//!   through the SDK, and writes them as files the wrk scripts read;
//! - `argon2`: measures raw argon2id verifications per second on N threads, with the
//!   parameters of a hash latchkeyd itself made, to compare password logins with;
//! - `seed`: inserts a million refresh sessions straight into the database;
//! - `junk-logins`: failed logins from many source addresses, the flood beside which
//!   a real login's latency is measured;
//! - `dpop-proofs`: DPoP proofs for the bound-token scenarios, made ahead (see `dpop.rs`);
//! - `report`: turns the collected results into a table and a JSON document.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::{Parser, Subcommand};

mod dpop;
mod flood;
mod prepare;
mod report;
mod seed;

#[derive(Debug, Parser)]
#[command(about = "The helper of bench/run.sh (see docs/PERFORMANCE.md)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create accounts, keys and tokens on a running latchkeyd; write them under --dir.
    Prepare {
        /// The latchkeyd base URL.
        #[arg(long)]
        server: String,
        /// Where to write the files the wrk scripts read.
        #[arg(long)]
        dir: PathBuf,
        /// Rotating refresh tokens to issue (one per wrk connection and some spare).
        #[arg(long, default_value_t = 256)]
        rotating: usize,
    },
    /// Raw argon2id verifications per second, on `threads` threads.
    Argon2 {
        #[arg(long, default_value_t = 2)]
        threads: usize,
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
    /// Insert `count` refresh sessions for the seed account written by `prepare`.
    Seed {
        #[arg(long)]
        database: String,
        #[arg(long)]
        dir: PathBuf,
        #[arg(long, default_value_t = 1_000_000)]
        count: u64,
    },
    /// Failed logins from many addresses of 127.1.0.0/16 at once (see `flood.rs`); prints
    /// one results line.
    JunkLogins(flood::Flood),
    /// Write DPoP proofs for one request, one file per wrk thread (see `dpop.rs`).
    DpopProofs(dpop::Proofs),
    /// Print the table of the results file (JSON lines) and write it as one JSON document.
    Report {
        /// The JSON-lines file the run appended to.
        #[arg(long)]
        results: PathBuf,
        /// Where to write the JSON document.
        #[arg(long)]
        json: PathBuf,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Prepare {
            server,
            dir,
            rotating,
        } => prepare::run(&server, &dir, rotating).await,
        Command::Argon2 { threads, seconds } => argon2_rate(threads, Duration::from_secs(seconds)),
        Command::Seed {
            database,
            dir,
            count,
        } => seed::run(&database, &dir, count).await,
        Command::JunkLogins(flood) => flood::run(flood).await,
        Command::DpopProofs(proofs) => dpop::proofs(&proofs),
        Command::Report { results, json } => report::run(&results, &json),
    }
}

const PASSWORD: &str = "bench: correct horse battery staple";

/// Verifies a password against its hash in a loop on each thread, as a login does,
/// with latchkeyd's parameters (argon2id, `latchkey_core::password`'s memory, passes, lanes).
fn argon2_rate(threads: usize, span: Duration) -> anyhow::Result<()> {
    use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _};
    use latchkey_core::password::{LANES, MEMORY_KIB, PASSES};
    let params = argon2::Params::new(MEMORY_KIB, PASSES, LANES, None)
        .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
    let salt = argon2::password_hash::SaltString::encode_b64(b"bench-salt-16byt")
        .map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let hash = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password(PASSWORD.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing: {e}"))?
        .to_string();
    let started = Instant::now();
    let counts: Vec<u64> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let hash = &hash;
                scope.spawn(move || {
                    let parsed = PasswordHash::new(hash).ok();
                    let mut done = 0u64;
                    while started.elapsed() < span {
                        let ok = parsed.as_ref().is_some_and(|p| {
                            argon2::Argon2::default()
                                .verify_password(PASSWORD.as_bytes(), p)
                                .is_ok()
                        });
                        done += u64::from(ok);
                    }
                    done
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or(0)).collect()
    });
    let total: u64 = counts.iter().sum();
    anyhow::ensure!(total > 0, "no argon2 verification succeeded");
    #[allow(clippy::cast_precision_loss)]
    let rate = total as f64 / started.elapsed().as_secs_f64();
    println!("{rate:.1}");
    Ok(())
}

fn write(dir: &Path, name: &str, text: &str) -> anyhow::Result<()> {
    std::fs::write(dir.join(name), text).with_context(|| format!("cannot write {name}"))
}

fn read(dir: &Path, name: &str) -> anyhow::Result<String> {
    Ok(std::fs::read_to_string(dir.join(name))
        .with_context(|| format!("cannot read {name}"))?
        .trim()
        .to_owned())
}
