//! `latchkey-gate`: forward auth for reverse proxies. Reads its configuration and rules
//! (refusing a bad rules file before listening), sets up logging, and serves until
//! ctrl-c or SIGTERM.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser;
use latchkey_gate::{Config, PublicUrl, Rules};
use latchkey_verify::ServiceConfig;

#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Forward auth for nginx, Traefik, Caddy and Envoy: `/verify` answers whether a request
/// may pass under Latchkey tokens.
#[derive(Debug, Parser)]
#[command(
    version,
    about,
    after_help = "Example:\n  latchkey-gate --listen 127.0.0.1:8402 --issuer http://127.0.0.1:8400 --rules gate.toml"
)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "LATCHKEY_GATE_LISTEN", default_value = "127.0.0.1:8402")]
    listen: String,
    /// The Latchkey issuer URL; keys are read from <issuer>/.well-known/jwks.json.
    #[arg(long, env = "LATCHKEY_ISSUER", default_value = "http://127.0.0.1:8400")]
    issuer: String,
    /// The audience tokens must be for [default: the issuer].
    #[arg(long, env = "LATCHKEY_GATE_AUDIENCE")]
    audience: Option<String>,
    /// Revocation check against the issuer's status lists: `closed` answers 503 for a
    /// token whose list was never fetched, `open` lets it pass, `off` does not check.
    #[arg(long, env = "LATCHKEY_GATE_STATUS_CHECK", default_value = "closed")]
    status_check: latchkey_verify::StatusCheck,
    /// The rules file (TOML, `[[route]]` tables) [default: a valid token on every path].
    #[arg(long, env = "LATCHKEY_GATE_RULES")]
    rules: Option<PathBuf>,
    /// The URL clients use to reach the protected API (scheme, host and port, e.g.
    /// https://api.example.com): DPoP proofs must name it in `htu` [default: the proxy's
    /// X-Forwarded-Proto and X-Forwarded-Host]
    #[arg(long, env = "LATCHKEY_GATE_PUBLIC_URL", value_parser = PublicUrl::parse)]
    public_url: Option<PublicUrl>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("latchkey-gate: {err:#}");
            ExitCode::FAILURE
        }
    }
}

#[tokio::main]
async fn run(args: Args) -> anyhow::Result<()> {
    let rules = match &args.rules {
        Some(file) => Rules::load(file)?,
        None => Rules::token_everywhere(),
    };
    for route in rules.routes() {
        tracing::info!(%route, "rule");
    }
    let config = Config {
        service: ServiceConfig {
            listen: args.listen,
            issuer: args.issuer,
            audience: args.audience,
            status_check: args.status_check,
        },
        rules,
        public_url: args.public_url,
    };
    match &config.public_url {
        Some(url) => tracing::info!(%url, "DPoP proofs must name this public URL"),
        None => tracing::info!(
            "no public URL: DPoP proofs must name the proxy's X-Forwarded-Proto and X-Forwarded-Host"
        ),
    }
    let gate = config.gate().context("invalid configuration")?;
    // Not fatal: the gate answers 503 until the keys arrive, and keeps retrying.
    gate.verifier().fetch_keys_at_start().await;
    let listener = tokio::net::TcpListener::bind(&config.service.listen)
        .await
        .with_context(|| format!("failed to listen on {}", config.service.listen))?;
    tracing::info!(address = %listener.local_addr()?, "latchkey-gate listening");
    latchkey_gate::serve(listener, gate, latchkey_verify::shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}
