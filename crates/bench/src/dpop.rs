//! DPoP (RFC 9449) for the scenarios that compare bound tokens with bearer tokens.
//!
//! wrk cannot sign, and every request needs a proof of its own (a `jti` the server has
//! not seen). So the proofs are made just before their scenario, one file per wrk
//! thread, and `bench/scenario.lua` sends the next line with each request: the figures
//! count the server's work, as the bearer figures do, not the client's signing.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Args;
use latchkey_client::api::TokenRequest;
use latchkey_client::{Client, ClientSecret, DpopKey, GrantType};

use crate::{read, write};

/// The file holding the bench's DPoP key (a throwaway key of the bench's own account).
const KEY_FILE: &str = "dpop_key";

/// Makes the DPoP key, and a client access token bound to it (`dpop_client_token`),
/// from the client key `client_id`.
pub async fn prepare(
    client: &Client,
    dir: &Path,
    client_id: &str,
    secret: &ClientSecret,
) -> anyhow::Result<()> {
    let key = DpopKey::generate()?;
    let request = TokenRequest {
        grant_type: GrantType::ClientCredentials,
        client_id: Some(client_id.to_owned()),
        client_secret: Some(secret.clone()),
        ..TokenRequest::default()
    };
    let bound = client.token_with_dpop(&request, &key).await?;
    anyhow::ensure!(
        bound.token_type.as_deref() == Some("DPoP"),
        "the token endpoint did not bind the token to the DPoP key"
    );
    write(dir, KEY_FILE, &key.export())?;
    write(dir, "dpop_client_token", &bound.access_token)
}

/// `dpop-proofs`: writes `count` proofs for `method` `url`, split over `files` files
/// named `<out>.0`, `<out>.1`, … (one per wrk thread).
#[derive(Debug, Args)]
pub struct Proofs {
    /// The directory `prepare` wrote to (the key is read from there).
    #[arg(long)]
    dir: PathBuf,
    /// The request method the proofs are for.
    #[arg(long)]
    method: String,
    /// The request URL the proofs are for (their `htu`).
    #[arg(long)]
    url: String,
    /// A file under --dir holding the access token the requests present (adds `ath`).
    #[arg(long)]
    access_token_file: Option<String>,
    /// How many proofs in all.
    #[arg(long)]
    count: usize,
    /// How many files to split them over.
    #[arg(long, default_value_t = 2)]
    files: usize,
    /// The files' common name, under --dir.
    #[arg(long)]
    out: String,
}

pub fn proofs(args: &Proofs) -> anyhow::Result<()> {
    let key = DpopKey::import(&read(&args.dir, KEY_FILE)?)?;
    let token = match &args.access_token_file {
        Some(name) => Some(read(&args.dir, name)?),
        None => None,
    };
    let files = args.files.max(1);
    std::thread::scope(|scope| {
        let writers: Vec<_> = (0..files)
            .map(|n| {
                let (key, token) = (&key, token.as_deref());
                let path = args.dir.join(format!("{}.{n}", args.out));
                let count = args.count / files + usize::from(n < args.count % files);
                scope.spawn(move || write_proofs(&path, count, key, &args.method, &args.url, token))
            })
            .collect();
        writers.into_iter().try_for_each(|w| {
            w.join()
                .map_err(|_| anyhow::anyhow!("a proof writer panicked"))?
        })
    })
}

fn write_proofs(
    path: &Path,
    count: usize,
    key: &DpopKey,
    method: &str,
    url: &str,
    token: Option<&str>,
) -> anyhow::Result<()> {
    let file = std::fs::File::create(path).with_context(|| format!("cannot create {path:?}"))?;
    let mut out = std::io::BufWriter::new(file);
    for _ in 0..count {
        writeln!(out, "{}", key.proof(method, url, token))?;
    }
    out.flush()?;
    Ok(())
}
