//! Tokens a key set has already verified, with what they said.
//!
//! A client presents the same access token on every call for its whole lifetime (an
//! hour by default), and the signature check is most of the cost of verifying it (an
//! Ed25519 verification is ≈ 40 µs here); decoding the token and parsing its claims is
//! most of the rest. So a key set remembers, by the SHA-256 digest of the whole token,
//! the type and claims of each token whose signature it has verified and whose claims
//! parsed, and when the very same bytes come again it takes them from here instead.
//! Every rule that depends on the verifier or the time (type wanted, issuer, audience,
//! times, kind, scopes, status) is still checked on every call.
//!
//! Sound because the digest covers the whole token (header, claims and signature): a
//! different token, even with a copied signature, has another digest, and what is kept
//! is exactly what decoding those bytes gives. The memory stays bounded: at its capacity
//! ([`CAPACITY`] unless the key set says otherwise) the cache starts afresh. A key set built from a new JWKS starts
//! empty, so a key that leaves the JWKS takes its tokens with it.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use aws_lc_rs::digest::{SHA256, digest};
use latchkey_proto::{Claims, TokenType};

/// Most tokens remembered (≈ 1 KiB each with their claims: ≈ 4 MiB at most).
pub(crate) const CAPACITY: usize = 4096;

/// A token's digest, the key of [`Seen`].
pub(crate) type Fingerprint = [u8; 32];

/// What a verified token said: its header `typ` and its claims.
#[derive(Debug, Clone)]
pub(crate) struct Verified {
    pub(crate) token_type: TokenType,
    pub(crate) claims: Claims,
}

/// The tokens whose signature has been verified, by digest, at most `capacity` of them.
#[derive(Debug)]
pub(crate) struct Seen {
    tokens: Mutex<HashMap<Fingerprint, Verified>>,
    capacity: usize,
}

impl Default for Seen {
    fn default() -> Self {
        Self::with_capacity(CAPACITY)
    }
}

/// A token's digest.
pub(crate) fn fingerprint(token: &str) -> Fingerprint {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest(&SHA256, token.as_bytes()).as_ref());
    out
}

impl Seen {
    /// An empty cache of at most `capacity` tokens (none at all for 0).
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self {
            tokens: Mutex::default(),
            capacity,
        }
    }

    /// What the token with this digest said, if it has been verified.
    pub(crate) fn get(&self, fingerprint: &Fingerprint) -> Option<Verified> {
        self.tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(fingerprint)
            .cloned()
    }

    /// Remembers a verified token.
    pub(crate) fn insert(&self, fingerprint: Fingerprint, verified: Verified) {
        if self.capacity == 0 {
            return;
        }
        let mut cache = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.len() >= self.capacity {
            cache.clear();
        }
        cache.insert(fingerprint, verified);
    }
}

#[cfg(test)]
mod tests {
    use latchkey_proto::Kind;

    use super::*;

    fn verified(sub: &str) -> Verified {
        let claims: Claims = serde_json::from_value(serde_json::json!({
            "iss": "i", "sub": sub, "aud": "a", "iat": 0, "nbf": 0, "exp": 1,
            "jti": "j", "kind": Kind::ClientAccess.as_str(),
        }))
        .unwrap();
        Verified {
            token_type: TokenType::Access,
            claims,
        }
    }

    #[test]
    fn the_cache_stays_bounded_and_returns_what_it_was_given() {
        for capacity in [CAPACITY, 64, 1] {
            let seen = if capacity == CAPACITY {
                Seen::default()
            } else {
                Seen::with_capacity(capacity)
            };
            for n in 0..(capacity + 10) {
                seen.insert(fingerprint(&n.to_string()), verified(&n.to_string()));
            }
            assert!(seen.tokens.lock().unwrap().len() <= capacity);
            let last = seen.get(&fingerprint(&(capacity + 9).to_string())).unwrap();
            assert_eq!(last.claims.sub, (capacity + 9).to_string());
            assert!(seen.get(&fingerprint("never seen")).is_none());
        }
    }

    #[test]
    fn a_cache_of_no_tokens_remembers_none() {
        let seen = Seen::with_capacity(0);
        seen.insert(fingerprint("t"), verified("t"));
        assert!(seen.get(&fingerprint("t")).is_none());
    }
}
