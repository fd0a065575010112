//! Token parsing and verification: `decode_header`, `verify` against a published key
//! (the OpenAPI example's, so the seed tokens carry valid signatures and reach the
//! claim checks), and claims decoding on its own (past the signature, which random
//! input never forges).

#![no_main]

use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_verify::{Claims, KeySet, Validation};
use libfuzzer_sys::fuzz_target;

const JWKS: &str = r#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"S9LQlOg9I1FXiJZWj6JPxYIRGx82alc2snM76v3EERU","kid":"P3PQzaDfHxNqyehQsnR0IJqFdJyH6FKIew8pg29wFrY","alg":"EdDSA","use":"sig"}]}"#;
const ISSUER: &str = "http://127.0.0.1:8400";
/// Between the seed tokens' `iat` and `exp`.
const NOW: i64 = 1_795_346_200;

static KEYS: LazyLock<KeySet> =
    LazyLock::new(|| KeySet::from_jwks_json(JWKS.as_bytes()).expect("the JWKS parses"));

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let _ = latchkey_verify::decode_header(token);
    for rules in [
        Validation::access(ISSUER, ISSUER),
        Validation::refresh(ISSUER, ISSUER),
    ] {
        let _ = latchkey_verify::verify(token, &KEYS, &rules, NOW);
    }
    if let Some(payload) = token.split('.').nth(1)
        && let Ok(json) = URL_SAFE_NO_PAD.decode(payload)
    {
        let _ = serde_json::from_slice::<Claims>(&json);
    }
});
