//! Tokens whose signature a key set has already checked.
//!
//! A client presents the same access token on every call for its whole lifetime (an
//! hour by default), and the signature check is most of the cost of verifying it (an
//! Ed25519 verification is ≈ 40 µs here; everything else ≈ 2 µs). So a key set remembers
//! the SHA-256 digests of the tokens whose signature it has verified, and skips only
//! that check when the very same bytes come again. Every other rule (type, issuer,
//! audience, times, kind, scopes) is still checked on every call.
//!
//! Sound because the digest covers the whole token (header, claims and signature): a
//! different token, even with a copied signature, has another digest. The memory stays
//! bounded: at [`CAPACITY`] entries the set starts afresh. A key set built from a new
//! JWKS starts empty, so a key that leaves the JWKS takes its tokens with it.

use std::collections::HashSet;
use std::sync::Mutex;

use aws_lc_rs::digest::{SHA256, digest};

/// Most digests remembered (32 bytes each, ≈ 200 KiB with the table).
pub(crate) const CAPACITY: usize = 4096;

/// The digests of tokens whose signature has been verified.
#[derive(Debug, Default)]
pub(crate) struct Seen(Mutex<HashSet<[u8; 32]>>);

/// A token's digest, the key of [`Seen`].
pub(crate) fn fingerprint(token: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest(&SHA256, token.as_bytes()).as_ref());
    out
}

impl Seen {
    /// Whether a token with this digest has been verified.
    pub(crate) fn contains(&self, fingerprint: &[u8; 32]) -> bool {
        self.0.lock().is_ok_and(|set| set.contains(fingerprint))
    }

    /// Remembers a verified token's digest.
    pub(crate) fn insert(&self, fingerprint: [u8; 32]) {
        if let Ok(mut set) = self.0.lock() {
            if set.len() >= CAPACITY {
                set.clear();
            }
            set.insert(fingerprint);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_set_stays_bounded() {
        let seen = Seen::default();
        for n in 0..(CAPACITY + 10) {
            seen.insert(fingerprint(&n.to_string()));
        }
        assert!(seen.0.lock().unwrap().len() <= CAPACITY);
        assert!(seen.contains(&fingerprint(&(CAPACITY + 9).to_string())));
        assert!(!seen.contains(&fingerprint("never seen")));
    }
}
