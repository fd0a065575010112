//! What both benchmarks build their tokens from.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_verify::{Claims, Kind, Scope};

pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Claims the size latchkeyd issues: a client access token of `issuer` with two scopes,
/// issued at `now`; `n` makes each token distinct (its `jti`). No session, no status.
pub fn claims(issuer: &str, now: i64, n: u32) -> Claims {
    Claims {
        iss: issuer.into(),
        sub: "0f3c9a1e-6b1d-4c1e-9a51-3f8e2b7d4c11".into(),
        aud: issuer.into(),
        iat: now,
        nbf: now,
        exp: Some(now + 3600),
        jti: format!("5d2f1c8e-8b0a-4e4f-a7a3-{n:012}"),
        kind: Kind::ClientAccess,
        scope: Scope::parse("nodes:read nodes:write").expect("scope"),
        client_id: Some("3f".repeat(20)),
        sid: None,
        generation: None,
        status: None,
        cnf: None,
    }
}
