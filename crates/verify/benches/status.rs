//! The cost of the status-list check: verifications per second of a remote `Verifier`
//! with the check off and on (the list already fetched, as in steady state), and the size
//! of a list of 1,000,000 sessions with 1,000 revoked.
//!
//! Run with `cargo bench -p latchkey-verify --features remote --bench status`. The issuer
//! (JWKS and one list) is a small axum server on a free port in this process.

// A benchmark is a test program: a broken setup should stop it loudly.
#![allow(clippy::expect_used)]

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::{SecureRandom as _, SystemRandom};
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair as _};
use latchkey_verify::status_bits::encode_lst;
use latchkey_verify::{Claims, Jwk, Jwks, Status, StatusCheck, Verifier};

mod common;
use common::{b64, claims};

const N: u32 = 20_000;
const RUNS: usize = 7;
const SESSIONS: usize = 1 << 20;
const REVOKED: usize = 1_000;

fn sign(key: &Ed25519KeyPair, typ: &str, payload: &[u8]) -> String {
    let input = format!(
        "{}.{}",
        b64(format!(r#"{{"alg":"EdDSA","kid":"ed","typ":"{typ}"}}"#)),
        b64(payload)
    );
    let signature = b64(key.sign(input.as_bytes()));
    format!("{input}.{signature}")
}

/// The median rates of `off` and `on` over `tokens`, their runs interleaved so that the
/// load of the machine falls on both alike.
fn median_rates(
    runtime: &tokio::runtime::Runtime,
    label: &str,
    [off, on]: [&Verifier; 2],
    tokens: &[String],
) -> [f64; 2] {
    let run = |verifier: &Verifier| {
        runtime.block_on(async {
            let start = Instant::now();
            for n in 0..N as usize {
                verifier
                    .verify(&tokens[n % tokens.len()])
                    .await
                    .expect("valid token");
            }
            f64::from(N) / start.elapsed().as_secs_f64()
        })
    };
    run(off);
    run(on);
    let mut rates = [Vec::new(), Vec::new()];
    for _ in 0..RUNS {
        rates[0].push(run(off));
        rates[1].push(run(on));
    }
    let medians = rates.map(|mut r| {
        r.sort_by(f64::total_cmp);
        r[RUNS / 2]
    });
    for (check, median) in ["off", "on"].iter().zip(medians) {
        println!(
            "{label:<18} status check {check:<3}  median {median:>9.0} verifications/s  ({:>6.2} µs each)",
            1e6 / median
        );
    }
    println!(
        "{label:<18} with the check: {:.1} % of the rate without",
        100.0 * medians[1] / medians[0]
    );
    medians
}

fn main() {
    let rng = SystemRandom::new();
    let key =
        Ed25519KeyPair::from_pkcs8(Ed25519KeyPair::generate_pkcs8(&rng).expect("key").as_ref())
            .expect("key");
    let now = i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("time")
            .as_secs(),
    )
    .expect("time");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("listener");
    let issuer = format!("http://{}", listener.local_addr().expect("address"));
    let uri = format!("{issuer}/statuslists/0");

    // 1,000,000 sessions (one list of 2^20 bits), 1,000 of them revoked (odd indexes only:
    // the tokens below name even ones).
    let mut bytes = vec![0u8; SESSIONS / 8];
    let mut revoked = 0;
    while revoked < REVOKED {
        let mut pick = [0u8; 4];
        rng.fill(&mut pick).expect("random");
        let idx = (u32::from_le_bytes(pick) as usize % SESSIONS) | 1;
        if bytes[idx / 8] & (1 << (idx % 8)) == 0 {
            bytes[idx / 8] |= 1 << (idx % 8);
            revoked += 1;
        }
    }
    let started = Instant::now();
    let lst = encode_lst(&bytes);
    println!(
        "status list: {SESSIONS} sessions, {REVOKED} revoked: lst {} bytes (ZLIB + base64url), encoded in {:.1} ms",
        lst.len(),
        started.elapsed().as_secs_f64() * 1e3
    );
    let list = sign(
        &key,
        "statuslist+jwt",
        &serde_json::to_vec(&serde_json::json!({
            "sub": uri, "iat": now, "exp": now + 3600, "ttl": 3600,
            "status_list": {"bits": 1, "lst": lst},
        }))
        .expect("claims"),
    );
    println!("status list token: {} bytes", list.len());
    let jwks = Jwks {
        keys: vec![Jwk {
            kty: "OKP".into(),
            crv: Some("Ed25519".into()),
            x: Some(b64(key.public_key().as_ref())),
            y: None,
            kid: Some("ed".into()),
            alg: Some("EdDSA".into()),
            use_: Some("sig".into()),
        }],
    };
    let app = axum::Router::new()
        .route(
            "/.well-known/jwks.json",
            axum::routing::get(move || async move { axum::Json(jwks) }),
        )
        .route(
            "/statuslists/0",
            axum::routing::get(move || async move { list }),
        );
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(async move { axum::serve(listener, app).await.expect("serve") });
    });

    let tokens: Vec<String> = (0..N)
        .map(|n| {
            let claims = Claims {
                sid: Some(format!("{n:032}")),
                status: Some(Status::new(&issuer, 0, u64::from(n) * 2)),
                ..claims(&issuer, now, n)
            };
            sign(
                &key,
                "at+jwt",
                &serde_json::to_vec(&claims).expect("claims"),
            )
        })
        .collect();
    let build = |check| {
        runtime.block_on(async {
            Verifier::builder(issuer.clone())
                .status_check(check)
                .build()
                .expect("verifier")
        })
    };
    let (off, on) = (build(StatusCheck::Off), build(StatusCheck::FailClosed));
    println!("latchkey-verify, one thread, {N} verifications per run, median of {RUNS} runs");
    median_rates(&runtime, "same token", [&off, &on], &tokens[..1]);
    median_rates(&runtime, "distinct tokens", [&off, &on], &tokens);
    let stats = on.status_stats();
    println!(
        "lists fetched {}, fetch failures {}, revoked {}",
        stats.lists_fetched, stats.fetch_failures, stats.revoked
    );
}
