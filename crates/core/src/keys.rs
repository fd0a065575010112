//! Signing keys: generation, the key ring every instance shares through storage, and
//! token minting.
//!
//! A key's id (`kid`) is its RFC 7638 JWK thumbprint. Keys are created on first start
//! and kept in the database, so every instance on one database signs with the same key
//! and publishes the same JWKS. The JWS header of each key is serialised once, and the
//! parsed key pair is kept, so minting a token costs one signature and two base64 passes.

use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use aws_lc_rs::digest;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_proto::{Claims, TokenType};
use latchkey_verify::{Algorithm, Jwk, Jwks, KeySet};

use crate::clock::Clock;
use crate::store::{SigningKeyRecord, Store};
use crate::{Error, Result};

enum Pair {
    Ed25519(Ed25519KeyPair),
    Es256(EcdsaKeyPair),
}

/// A parsed private key, ready to sign.
pub struct SigningKey {
    kid: String,
    pair: Pair,
    jwk: Jwk,
    access_header: String,
    refresh_header: String,
}

fn unexpected(what: &'static str) -> impl FnOnce(aws_lc_rs::error::KeyRejected) -> Error {
    move |e| Error::Unexpected(anyhow::anyhow!("{what}: {e}"))
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

impl SigningKey {
    /// Generates a new key pair and returns it with its PKCS#8 encoding for storage.
    ///
    /// # Errors
    ///
    /// [`Error::Unexpected`] if key generation fails.
    pub fn generate(algorithm: Algorithm) -> Result<(Self, Vec<u8>)> {
        let rng = SystemRandom::new();
        let failed = |_| Error::Unexpected(anyhow::anyhow!("signing key generation failed"));
        let der = match algorithm {
            Algorithm::EdDSA => Ed25519KeyPair::generate_pkcs8(&rng)
                .map_err(failed)?
                .as_ref()
                .to_vec(),
            Algorithm::ES256 => {
                EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
                    .map_err(failed)?
                    .as_ref()
                    .to_vec()
            }
        };
        Ok((Self::from_pkcs8(algorithm, &der)?, der))
    }

    /// Parses a stored PKCS#8 private key.
    ///
    /// # Errors
    ///
    /// [`Error::Unexpected`] if the bytes are not a key of that algorithm.
    pub fn from_pkcs8(algorithm: Algorithm, der: &[u8]) -> Result<Self> {
        let (pair, jwk_fields) = match algorithm {
            Algorithm::EdDSA => {
                let pair =
                    Ed25519KeyPair::from_pkcs8(der).map_err(unexpected("stored Ed25519 key"))?;
                let x = b64(pair.public_key().as_ref());
                (Pair::Ed25519(pair), ("OKP", "Ed25519", x, None))
            }
            Algorithm::ES256 => {
                let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der)
                    .map_err(unexpected("stored P-256 key"))?;
                let point = pair.public_key().as_ref();
                let (x, y) = (b64(&point[1..33]), b64(&point[33..65]));
                (Pair::Es256(pair), ("EC", "P-256", x, Some(y)))
            }
        };
        let (kty, crv, x, y) = jwk_fields;
        let kid = thumbprint(kty, crv, &x, y.as_deref());
        let header = |typ: TokenType| {
            b64(format!(
                r#"{{"alg":"{algorithm}","kid":"{kid}","typ":"{}"}}"#,
                typ.as_str()
            ))
        };
        Ok(Self {
            access_header: header(TokenType::Access),
            refresh_header: header(TokenType::Refresh),
            jwk: Jwk {
                kty: kty.into(),
                crv: Some(crv.into()),
                x: Some(x),
                y,
                kid: Some(kid.clone()),
                alg: Some(algorithm.as_str().into()),
                use_: Some("sig".into()),
            },
            kid,
            pair,
        })
    }

    /// The key id.
    #[must_use]
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key, as published.
    #[must_use]
    pub fn jwk(&self) -> &Jwk {
        &self.jwk
    }

    /// Signs `claims` as a compact JWS with this key's header for `typ`.
    ///
    /// # Errors
    ///
    /// [`Error::Unexpected`] if the claims cannot be serialised or signing fails.
    pub fn sign(&self, typ: TokenType, claims: &Claims) -> Result<String> {
        let payload = serde_json::to_vec(claims).map_err(|e| Error::Unexpected(e.into()))?;
        let header = match typ {
            TokenType::Access => &self.access_header,
            TokenType::Refresh => &self.refresh_header,
        };
        let mut token = String::with_capacity(header.len() + payload.len() * 4 / 3 + 100);
        token.push_str(header);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&payload, &mut token);
        let signature = match &self.pair {
            Pair::Ed25519(pair) => pair.sign(token.as_bytes()).as_ref().to_vec(),
            Pair::Es256(pair) => pair
                .sign(&SystemRandom::new(), token.as_bytes())
                .map_err(|_| Error::Unexpected(anyhow::anyhow!("ECDSA signing failed")))?
                .as_ref()
                .to_vec(),
        };
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&signature, &mut token);
        Ok(token)
    }
}

/// RFC 7638 thumbprint: SHA-256 over the required members in lexicographic order.
fn thumbprint(kty: &str, crv: &str, x: &str, y: Option<&str>) -> String {
    let canonical = match y {
        Some(y) => format!(r#"{{"crv":"{crv}","kty":"{kty}","x":"{x}","y":"{y}"}}"#),
        None => format!(r#"{{"crv":"{crv}","kty":"{kty}","x":"{x}"}}"#),
    };
    b64(digest::digest(&digest::SHA256, canonical.as_bytes()))
}

/// The keys in force at one moment: the one that signs, and all that are published.
pub struct KeyState {
    /// The key new tokens are signed with.
    pub current: Arc<SigningKey>,
    /// Every published key, as `/.well-known/jwks.json` serves it.
    pub jwks: Jwks,
    /// The published keys, parsed for verification.
    pub key_set: KeySet,
}

/// Unknown-`kid` reloads are rate-limited to one per this interval.
const MIN_RELOAD_GAP: Duration = Duration::from_secs(2);

/// The signing keys of the service, shared by all instances through storage.
pub struct KeyRing {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    algorithm: Algorithm,
    state: RwLock<Arc<KeyState>>,
    last_reload: Mutex<Instant>,
}

impl KeyRing {
    /// Loads the keys from storage, creating the first one if there is none.
    ///
    /// # Errors
    ///
    /// Storage errors, or [`Error::Unexpected`] if a stored key cannot be parsed.
    pub async fn load(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        algorithm: Algorithm,
    ) -> Result<Self> {
        let state = match build_state(&store.signing_keys().await?, clock.now())? {
            Some(state) => state,
            None => {
                let (key, der) = SigningKey::generate(algorithm)?;
                let now = clock.now();
                store
                    .insert_signing_key(&SigningKeyRecord {
                        kid: key.kid().to_owned(),
                        algorithm,
                        private_key: der,
                        created_at: now,
                        activates_at: now,
                        retires_at: None,
                        expires_at: None,
                    })
                    .await?;
                tracing::info!(kid = key.kid(), %algorithm, "created the first signing key");
                // Re-read: another instance may have created one at the same moment, and
                // all instances must settle on the same current key.
                build_state(&store.signing_keys().await?, now)?.ok_or_else(|| {
                    Error::Unexpected(anyhow::anyhow!("the new signing key was not stored"))
                })?
            }
        };
        Ok(Self {
            store,
            clock,
            algorithm,
            state: RwLock::new(Arc::new(state)),
            last_reload: Mutex::new(Instant::now()),
        })
    }

    /// The keys in force now.
    #[must_use]
    pub fn state(&self) -> Arc<KeyState> {
        self.state.read().map_or_else(
            |poisoned| Arc::clone(&poisoned.into_inner()),
            |s| Arc::clone(&s),
        )
    }

    /// The algorithm new keys are made with.
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Re-reads the keys from storage (periodically, and when a token names an unknown key).
    ///
    /// # Errors
    ///
    /// Storage errors, or [`Error::Unexpected`] if a stored key cannot be parsed.
    pub async fn reload(&self) -> Result<()> {
        if let Some(state) = build_state(&self.store.signing_keys().await?, self.clock.now())? {
            match self.state.write() {
                Ok(mut guard) => *guard = Arc::new(state),
                Err(poisoned) => *poisoned.into_inner() = Arc::new(state),
            }
        }
        if let Ok(mut last) = self.last_reload.lock() {
            *last = Instant::now();
        }
        Ok(())
    }

    /// Reloads because a token named `kid`, unless a reload ran in the last two seconds:
    /// a flood of forged key ids must not become a flood of queries. Returns whether the
    /// key is known afterwards.
    ///
    /// # Errors
    ///
    /// Storage errors from the reload.
    pub async fn reload_for_unknown(&self, kid: &str) -> Result<bool> {
        let due = self
            .last_reload
            .lock()
            .map_or(true, |last| last.elapsed() >= MIN_RELOAD_GAP);
        if due {
            self.reload().await?;
        }
        Ok(self.state().key_set.contains(kid))
    }
}

fn build_state(records: &[SigningKeyRecord], now: i64) -> Result<Option<KeyState>> {
    let mut published = Vec::new();
    for record in records
        .iter()
        .filter(|r| r.expires_at.is_none_or(|e| e > now))
    {
        published.push((
            record,
            Arc::new(SigningKey::from_pkcs8(
                record.algorithm,
                &record.private_key,
            )?),
        ));
    }
    // The current key: the most recently activated key that is active and not retired;
    // ties (two instances creating a first key at once) go to the smaller kid, so every
    // instance picks the same one.
    let current = published
        .iter()
        .filter(|(r, _)| r.activates_at <= now && r.retires_at.is_none_or(|t| t > now))
        .max_by(|(a, _), (b, _)| {
            a.activates_at
                .cmp(&b.activates_at)
                .then_with(|| b.kid.cmp(&a.kid))
        })
        .map(|(_, key)| Arc::clone(key));
    let Some(current) = current else {
        return Ok(None);
    };
    let jwks = Jwks {
        keys: published.iter().map(|(_, key)| key.jwk().clone()).collect(),
    };
    Ok(Some(KeyState {
        key_set: KeySet::from_jwks(&jwks),
        jwks,
        current,
    }))
}

#[cfg(test)]
mod tests {
    use latchkey_proto::{Kind, Scope};
    use latchkey_verify::{Validation, verify};

    use super::*;

    fn claims(kind: Kind, exp: Option<i64>) -> Claims {
        Claims {
            iss: "https://issuer.test".into(),
            sub: "sub".into(),
            aud: "https://issuer.test".into(),
            iat: 1000,
            nbf: 1000,
            exp,
            jti: "j".into(),
            kind,
            scope: Scope::parse("nodes:read").unwrap(),
            client_id: None,
            sid: None,
            generation: None,
        }
    }

    #[test]
    fn tokens_of_both_algorithms_verify_against_their_published_key() {
        for alg in [Algorithm::EdDSA, Algorithm::ES256] {
            let (key, der) = SigningKey::generate(alg).unwrap();
            let reparsed = SigningKey::from_pkcs8(alg, &der).unwrap();
            assert_eq!(key.kid(), reparsed.kid());
            let keys = KeySet::from_jwks(&Jwks {
                keys: vec![key.jwk().clone()],
            });
            let token = key
                .sign(TokenType::Access, &claims(Kind::ClientAccess, Some(2000)))
                .unwrap();
            let rules = Validation::access("https://issuer.test", "https://issuer.test");
            assert_eq!(
                verify(&token, &keys, &rules, 1500).unwrap().kind,
                Kind::ClientAccess
            );
        }
    }

    #[test]
    fn a_refresh_token_never_passes_for_an_access_token() {
        let (key, _) = SigningKey::generate(Algorithm::EdDSA).unwrap();
        let keys = KeySet::from_jwks(&Jwks {
            keys: vec![key.jwk().clone()],
        });
        let token = key
            .sign(TokenType::Refresh, &claims(Kind::ClientRefresh, Some(2000)))
            .unwrap();
        let rules = Validation::access("https://issuer.test", "https://issuer.test");
        assert_eq!(
            verify(&token, &keys, &rules, 1500),
            Err(latchkey_verify::VerifyError::WrongType)
        );
    }

    #[test]
    fn the_kid_is_the_rfc7638_thumbprint() {
        // RFC 8037 appendix A.3: the thumbprint of the example Ed25519 key.
        let kid = thumbprint(
            "OKP",
            "Ed25519",
            "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
            None,
        );
        assert_eq!(kid, "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    }
}
