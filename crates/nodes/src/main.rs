//! `latchkey-nodes`: the example Nodes service. Reads its configuration, sets up
//! logging, and serves until ctrl-c or SIGTERM.

use std::process::ExitCode;

use clap::Parser;
use latchkey_nodes::Config;
use latchkey_verify::StatusCheck;

/// The example Nodes service: `GET /nodes/v1/status` for Latchkey access tokens.
#[derive(Debug, Parser)]
#[command(
    version,
    about,
    after_help = "Example:\n  latchkey-nodes --listen 127.0.0.1:8401 --issuer http://127.0.0.1:8400"
)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "LATCHKEY_NODES_LISTEN", default_value = "127.0.0.1:8401")]
    listen: String,
    /// The Latchkey issuer URL; keys are read from <issuer>/.well-known/jwks.json.
    #[arg(long, env = "LATCHKEY_ISSUER", default_value = "http://127.0.0.1:8400")]
    issuer: String,
    /// The audience tokens must be for [default: the issuer].
    #[arg(long, env = "LATCHKEY_NODES_AUDIENCE")]
    audience: Option<String>,
    /// Revocation check against the issuer's status lists: `closed` refuses (503) a token
    /// whose list was never fetched, `open` accepts it, `off` does not check.
    #[arg(long, env = "LATCHKEY_NODES_STATUS_CHECK", default_value = "closed")]
    status_check: StatusCheck,
    /// This service's public base URL, which DPoP proofs name in `htu` (set it behind a
    /// proxy or TLS terminator) [default: http:// + the Host header]
    #[arg(long, env = "LATCHKEY_NODES_PUBLIC_URL")]
    public_url: Option<String>,
    /// How many DPoP proofs the replay cache remembers. Above this many proofs within the
    /// proof window (60 s) the window shrinks for older proofs: size it to the DPoP
    /// requests/s expected × 60.
    #[arg(long, env = "LATCHKEY_NODES_DPOP_REPLAY_CAPACITY", default_value_t = latchkey_verify::dpop::DEFAULT_REPLAY_CAPACITY)]
    dpop_replay_capacity: usize,
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
            eprintln!("latchkey-nodes: {err:#}");
            ExitCode::FAILURE
        }
    }
}

#[tokio::main]
async fn run(args: Args) -> anyhow::Result<()> {
    use anyhow::Context as _;

    let config = Config {
        listen: args.listen,
        issuer: args.issuer,
        audience: args.audience,
        status_check: args.status_check,
    };
    let mut dpop = latchkey_verify::dpop::DpopVerifier::with_limits(
        latchkey_verify::dpop::DEFAULT_WINDOW_SECONDS,
        args.dpop_replay_capacity,
    );
    if let Some(url) = &args.public_url {
        dpop = dpop.with_public_url(url);
    }
    let verifier = config
        .verifier()
        .context("invalid configuration")?
        .with_dpop(dpop);
    verifier.fetch_keys_at_start().await;
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("failed to listen on {}", config.listen))?;
    tracing::info!(address = %listener.local_addr()?, "latchkey-nodes listening");
    latchkey_nodes::serve(listener, verifier, latchkey_nodes::shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}
