//! Verifications per second on one core, for the library alone.
//!
//! Run with `cargo bench -p latchkey-verify`. Each run makes `N` verifications on this
//! thread; the median of several runs is printed, for EdDSA (the default) and ES256,
//! through [`latchkey_verify::verify`] and through a [`Verifier`]: *cold* cycles through
//! `N` distinct tokens, more than a key set remembers, so every signature is checked;
//! *same token* presents one token again and again, as a client does for its lifetime.
//! No harness, no criterion: `std::time` and a median.

// A benchmark is a test program: a broken setup should stop it loudly.
#![allow(clippy::expect_used)]

use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_verify::{Jwk, Jwks, KeySet, Scope, Validation, Verifier};

mod common;
use common::{b64, claims};

const ISSUER: &str = "http://127.0.0.1:8400";
const NOW: i64 = 1_700_000_000;
const N: u32 = 20_000;
const RUNS: usize = 7;

fn token(alg: &str, kid: &str, n: u32, sign: impl Fn(&[u8]) -> Vec<u8>) -> String {
    let header = b64(format!(r#"{{"alg":"{alg}","kid":"{kid}","typ":"at+jwt"}}"#));
    let payload = b64(serde_json::to_vec(&claims(ISSUER, NOW, n)).expect("claims"));
    let input = format!("{header}.{payload}");
    let signature = b64(sign(input.as_bytes()));
    format!("{input}.{signature}")
}

fn jwk(kty: &str, crv: &str, alg: &str, kid: &str, x: &[u8], y: Option<&[u8]>) -> Jwk {
    Jwk {
        kty: kty.into(),
        crv: Some(crv.into()),
        x: Some(b64(x)),
        y: y.map(b64),
        kid: Some(kid.into()),
        alg: Some(alg.into()),
        use_: Some("sig".into()),
    }
}

/// Polls a future that never waits (a `Verifier` with fixed keys) to completion.
fn ready<T>(future: impl Future<Output = T>) -> T {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
    }
}

fn median_rate(label: &str, mut one: impl FnMut()) {
    for _ in 0..N / 10 {
        one();
    }
    let mut rates: Vec<f64> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..N {
                one();
            }
            f64::from(N) / start.elapsed().as_secs_f64()
        })
        .collect();
    rates.sort_by(f64::total_cmp);
    let median = rates[RUNS / 2];
    println!(
        "{label:<30} median {median:>9.0} verifications/s  ({:>5.1} µs each; runs {:.0}..{:.0})",
        1e6 / median,
        rates[0],
        rates[RUNS - 1],
    );
}

fn main() {
    let rng = SystemRandom::new();
    let ed = Ed25519KeyPair::from_pkcs8(
        Ed25519KeyPair::generate_pkcs8(&rng)
            .expect("ed25519 key")
            .as_ref(),
    )
    .expect("ed25519 key");
    let ec_der =
        EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).expect("p-256 key");
    let ec = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, ec_der.as_ref())
        .expect("p-256 key");
    let ec_point = ec.public_key().as_ref().to_vec();

    let keys = KeySet::from_jwks(&Jwks {
        keys: vec![
            jwk(
                "OKP",
                "Ed25519",
                "EdDSA",
                "ed",
                ed.public_key().as_ref(),
                None,
            ),
            jwk(
                "EC",
                "P-256",
                "ES256",
                "ec",
                &ec_point[1..33],
                Some(&ec_point[33..]),
            ),
        ],
    });
    // Distinct tokens, more than a key set remembers: every verification checks the
    // signature (the cold path: a token seen for the first time).
    let ed_tokens: Vec<String> = (0..N)
        .map(|n| token("EdDSA", "ed", n, |m| ed.sign(m).as_ref().to_vec()))
        .collect();
    let ec_tokens: Vec<String> = (0..N)
        .map(|n| {
            token("ES256", "ec", n, |m| {
                ec.sign(&rng, m).expect("ecdsa").as_ref().to_vec()
            })
        })
        .collect();
    let ed_token = ed_tokens[0].clone();
    let cycle = |tokens: &[String]| {
        let mut at = 0;
        let tokens = tokens.to_vec();
        move || {
            at = (at + 1) % tokens.len();
            tokens[at].clone()
        }
    };
    let rules = Validation::access(ISSUER, ISSUER)
        .with_required_scope(Scope::parse("nodes:read").expect("scope"));
    let verifier = Verifier::from_keys(keys.clone(), rules.clone()).with_clock(|| NOW);
    let verify_once = |token: &str| {
        black_box(latchkey_verify::verify(
            black_box(token),
            &keys,
            &rules,
            NOW,
        ))
    };

    println!(
        "latchkey-verify, one thread, {N} verifications per run, median of {RUNS} runs, token {} bytes",
        ed_token.len()
    );
    // The floor: the Ed25519 signature check alone, with a key parsed once.
    let parsed = aws_lc_rs::signature::ParsedPublicKey::new(
        &aws_lc_rs::signature::ED25519,
        ed.public_key().as_ref(),
    )
    .expect("ed25519 public key");
    let (signing_input, signature) = ed_token.rsplit_once('.').expect("three parts");
    let signature = URL_SAFE_NO_PAD.decode(signature).expect("base64");
    median_rate("Ed25519 signature alone", || {
        parsed
            .verify_sig(black_box(signing_input.as_bytes()), black_box(&signature))
            .expect("valid signature");
    });
    let mut next = cycle(&ed_tokens);
    median_rate("verify() EdDSA, cold", || {
        let token = next();
        verify_once(&token).expect("valid token");
    });
    let mut next = cycle(&ed_tokens);
    median_rate("Verifier::verify EdDSA, cold", || {
        let token = next();
        black_box(ready(verifier.verify(black_box(&token)))).expect("valid token");
    });
    let mut next = cycle(&ec_tokens);
    median_rate("verify() ES256, cold", || {
        let token = next();
        verify_once(&token).expect("valid token");
    });
    // The same token again and again, as a client presents it for its lifetime: the
    // signature was checked once, every other rule is checked each time.
    median_rate("verify() EdDSA, same token", || {
        verify_once(&ed_token).expect("valid token");
    });
    let mut tampered = ed_token.clone().into_bytes();
    let at = tampered.len() - 5;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).expect("ascii");
    median_rate("verify() EdDSA, bad sig", || {
        verify_once(&tampered).expect_err("tampered token");
    });
}
