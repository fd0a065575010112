//! The fixed issuer and clock of these tests; keys, tokens and the fake issuer come from
//! `latchkey-testkit`.

use latchkey_verify::{Claims, Kind};

#[cfg(feature = "remote")]
pub use latchkey_testkit::FakeIssuer;
pub use latchkey_testkit::{TestKey, b64, jwks};

pub const ISSUER: &str = "http://issuer.test";
/// "Now" for tokens: the tests pin the clock here.
pub const NOW: i64 = 1_700_000_000;

/// Claims as latchkeyd would issue them at [`NOW`], valid for an hour.
pub fn claims(kind: Kind) -> Claims {
    latchkey_testkit::claims(kind, ISSUER, NOW)
}

/// A URL on which nothing listens.
#[cfg(any(feature = "remote", feature = "axum"))]
pub fn closed_port_url() -> String {
    format!("http://{}", latchkey_testkit::free_address())
}
