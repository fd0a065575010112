//! One signing key: its parsed key pair, its public JWK and its precomputed JWS headers.
//!
//! A key's id (`kid`) is its RFC 7638 JWK thumbprint. The JWS header of each token type
//! is serialised once and the parsed key pair is kept, so minting a token costs one
//! signature and two base64 passes.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _,
};
use aws_lc_rs::{digest, hmac};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_proto::status::{STATUS_LIST_TYP, StatusListClaims};
use latchkey_proto::{Claims, TokenType};
use latchkey_verify::{Algorithm, Jwk};

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
    status_list_header: String,
    /// The key DPoP nonces are authenticated with (see [`SigningKey::nonce_key`]).
    nonce_key: hmac::Key,
}

fn unexpected(what: &'static str) -> impl FnOnce(aws_lc_rs::error::KeyRejected) -> Error {
    move |e| Error::Unexpected(anyhow::anyhow!("{what}: {e}"))
}

/// HMAC-SHA256 under the private key `der` of a purpose label: a one-way derivation,
/// so a nonce key, even if exposed, gives nothing towards signing tokens.
fn nonce_key(der: &[u8]) -> hmac::Key {
    let root = hmac::Key::new(hmac::HMAC_SHA256, der);
    let derived = hmac::sign(&root, b"latchkey dpop-nonce key v1");
    hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref())
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
        let header = |typ: &str| {
            b64(format!(
                r#"{{"alg":"{algorithm}","kid":"{kid}","typ":"{typ}"}}"#
            ))
        };
        Ok(Self {
            access_header: header(TokenType::Access.as_str()),
            refresh_header: header(TokenType::Refresh.as_str()),
            status_list_header: header(STATUS_LIST_TYP),
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
            nonce_key: nonce_key(der),
        })
    }

    /// The key of the DPoP nonces handed out while this key signs: every instance holding
    /// the key derives the same one, and it tells nothing about the private key.
    #[must_use]
    pub fn nonce_key(&self) -> &hmac::Key {
        &self.nonce_key
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
        let header = match typ {
            TokenType::Access => &self.access_header,
            TokenType::Refresh => &self.refresh_header,
        };
        self.sign_json(header, claims)
    }

    /// Signs a status list token (header `typ: statuslist+jwt`).
    ///
    /// # Errors
    ///
    /// [`Error::Unexpected`] if signing fails (ES256 only; Ed25519 cannot fail).
    pub fn sign_status_list(&self, claims: &StatusListClaims) -> Result<String> {
        self.sign_json(&self.status_list_header, claims)
    }

    /// `header`, then `claims` as JSON, then the signature of both, in JWS compact form.
    fn sign_json(&self, header: &str, claims: &impl serde::Serialize) -> Result<String> {
        let payload = serde_json::to_vec(claims).map_err(|e| Error::Unexpected(e.into()))?;
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

#[cfg(test)]
mod tests {
    use latchkey_proto::{Kind, Scope};
    use latchkey_verify::{Jwks, KeySet, Validation, verify};

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
            status: None,
            cnf: None,
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
