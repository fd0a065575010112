//! [`DpopKey`]: the client's own key pair for DPoP (RFC 9449), and the proofs it signs.
//!
//! A token obtained with a proof is bound to the key (`cnf.jkt`): it is useless to
//! whoever steals it without the private key. Keep the key where the tokens are kept
//! ([`DpopKey::to_pkcs8`] / [`DpopKey::from_pkcs8`]; the CLI writes it mode 0600).
//!
//! A [`TokenSource`](crate::TokenSource) built on a [`DpopEndpoint`] gets and refreshes
//! bound tokens; send them with [`DpopKey::authorize`].
//!
//! ```
//! let key = latchkey_client::DpopKey::generate().unwrap();
//! let proof = key.proof("POST", "https://auth.example.com/oauth2/token", None);
//! assert_eq!(proof.split('.').count(), 3);
//! ```

use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use std::sync::Arc;

use latchkey_proto::api::TokenRequest;

use crate::{Client, Error, Result, TokenEndpoint, TokenFuture};

enum Pair {
    Ed25519(Ed25519KeyPair),
    P256(EcdsaKeyPair),
}

/// A DPoP key pair (Ed25519, or P-256 for ES256). Its `Debug` shows only the thumbprint.
pub struct DpopKey {
    pair: Pair,
    pkcs8: Vec<u8>,
    jwk: Value,
    thumbprint: String,
}

fn key_error(what: &str) -> Error {
    Error::Dpop(what.to_owned())
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

impl DpopKey {
    /// A new Ed25519 key (proofs signed `EdDSA`).
    ///
    /// # Errors
    ///
    /// [`Error::Dpop`] if the system's random source fails.
    pub fn generate() -> Result<Self> {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
            .map_err(|_| key_error("cannot generate an Ed25519 key"))?;
        Self::from_pkcs8(pkcs8.as_ref())
    }

    /// A new P-256 key (proofs signed `ES256`).
    ///
    /// # Errors
    ///
    /// [`Error::Dpop`] if the system's random source fails.
    pub fn generate_es256() -> Result<Self> {
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                .map_err(|_| key_error("cannot generate a P-256 key"))?;
        Self::from_pkcs8(pkcs8.as_ref())
    }

    /// A key from its PKCS#8 (DER) form, as [`DpopKey::to_pkcs8`] gave it.
    ///
    /// # Errors
    ///
    /// [`Error::Dpop`] if the bytes are not an Ed25519 or P-256 private key.
    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<Self> {
        let (pair, jwk) = if let Ok(pair) = Ed25519KeyPair::from_pkcs8(pkcs8) {
            let x = b64(pair.public_key().as_ref());
            (
                Pair::Ed25519(pair),
                json!({"crv": "Ed25519", "kty": "OKP", "x": x}),
            )
        } else {
            let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8)
                .map_err(|_| key_error("not an Ed25519 or P-256 PKCS#8 key"))?;
            // Uncompressed point: 0x04 || x || y.
            let point = pair.public_key().as_ref();
            let (x, y) = (b64(&point[1..33]), b64(&point[33..65]));
            (
                Pair::P256(pair),
                json!({"crv": "P-256", "kty": "EC", "x": x, "y": y}),
            )
        };
        // serde_json keeps object keys sorted: the canonical form of RFC 7638.
        let thumbprint = b64(digest(&SHA256, jwk.to_string().as_bytes()).as_ref());
        Ok(Self {
            pair,
            pkcs8: pkcs8.to_vec(),
            jwk,
            thumbprint,
        })
    }

    /// The private key in PKCS#8 (DER), to store. It is a secret: keep it as private as
    /// the tokens (mode 0600).
    #[must_use]
    pub fn to_pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The private key as text (base64url of its PKCS#8), to store beside the tokens. A
    /// secret, as [`DpopKey::to_pkcs8`].
    #[must_use]
    pub fn export(&self) -> String {
        b64(&self.pkcs8)
    }

    /// A key from the text [`DpopKey::export`] gave.
    ///
    /// # Errors
    ///
    /// [`Error::Dpop`] if the text is not such a key.
    pub fn import(text: &str) -> Result<Self> {
        let bytes = URL_SAFE_NO_PAD
            .decode(text.trim())
            .map_err(|_| key_error("not base64url"))?;
        Self::from_pkcs8(&bytes)
    }

    /// The RFC 7638 thumbprint: what a bound token names in `cnf.jkt`.
    #[must_use]
    pub fn thumbprint(&self) -> &str {
        &self.thumbprint
    }

    /// The JOSE algorithm of the proofs, `EdDSA` or `ES256`.
    #[must_use]
    pub fn algorithm(&self) -> &'static str {
        match self.pair {
            Pair::Ed25519(_) => "EdDSA",
            Pair::P256(_) => "ES256",
        }
    }

    /// A proof for one request: `htm` = `method`, `htu` = `uri` (query and fragment are
    /// dropped), `iat` now, a random `jti`, and `ath` when an access token is presented.
    #[must_use]
    pub fn proof(&self, method: &str, uri: &str, access_token: Option<&str>) -> String {
        self.proof_with_nonce(method, uri, access_token, None)
    }

    /// As [`DpopKey::proof`], with the server's `nonce` (RFC 9449 §8) when there is one:
    /// the value of the `DPoP-Nonce` header of its last answer.
    ///
    /// ```
    /// let key = latchkey_client::DpopKey::generate().unwrap();
    /// let url = "https://auth.example.com/auth/token";
    /// let proof = key.proof_with_nonce("POST", url, None, Some("n-1"));
    /// assert_eq!(proof.split('.').count(), 3);
    /// ```
    #[must_use]
    pub fn proof_with_nonce(
        &self,
        method: &str,
        uri: &str,
        access_token: Option<&str>,
        nonce: Option<&str>,
    ) -> String {
        let iat = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut jti = [0u8; 16];
        // A failed random source leaves a zero jti: the server refuses its reuse.
        let _ = SystemRandom::new().fill(&mut jti);
        let htu = uri.split(['?', '#']).next().unwrap_or(uri);
        let mut claims = json!({"jti": b64(&jti), "htm": method, "htu": htu, "iat": iat});
        if let Some(token) = access_token {
            claims["ath"] = json!(b64(digest(&SHA256, token.as_bytes()).as_ref()));
        }
        if let Some(nonce) = nonce {
            claims["nonce"] = json!(nonce);
        }
        self.sign_jwt(&json!({}), &claims)
    }

    /// Signs any JWT with this key; the header is `typ: dpop+jwt`, `alg` and the public
    /// `jwk`, each replaced by a member of `header` with the same name. For proofs with
    /// other claims (a server `nonce`), and for tests of what servers refuse.
    #[must_use]
    pub fn sign_jwt(&self, header: &Value, claims: &Value) -> String {
        let mut full = json!({"typ": "dpop+jwt", "alg": self.algorithm(), "jwk": self.jwk});
        if let (Some(full), Some(extra)) = (full.as_object_mut(), header.as_object()) {
            full.extend(extra.clone());
        }
        let input = format!(
            "{}.{}",
            b64(full.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let signature = match &self.pair {
            Pair::Ed25519(pair) => pair.sign(input.as_bytes()).as_ref().to_vec(),
            Pair::P256(pair) => pair
                .sign(&SystemRandom::new(), input.as_bytes())
                .map(|s| s.as_ref().to_vec())
                .unwrap_or_default(),
        };
        format!("{input}.{}", b64(&signature))
    }
}

impl std::fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DpopKey")
            .field("alg", &self.algorithm())
            .field("jkt", &self.thumbprint)
            .finish_non_exhaustive()
    }
}

impl DpopKey {
    /// Adds `Authorization: DPoP <token>` and a proof for `method` and `url` (with the
    /// token's `ath`) to a request to a resource service.
    pub fn authorize(
        &self,
        request: reqwest::RequestBuilder,
        method: &str,
        url: &str,
        access_token: &str,
    ) -> reqwest::RequestBuilder {
        request
            .header("Authorization", format!("DPoP {access_token}"))
            .header("DPoP", self.proof(method, url, Some(access_token)))
    }
}

/// A [`TokenEndpoint`] that sends every token request with a proof by its key, so that a
/// [`TokenSource`](crate::TokenSource) built on it (`TokenSource::builder_with`) gets and
/// refreshes DPoP-bound tokens.
#[derive(Debug, Clone)]
pub struct DpopEndpoint {
    client: Client,
    key: Arc<DpopKey>,
}

impl DpopEndpoint {
    /// The endpoint of `client`, proving possession of `key`.
    #[must_use]
    pub fn new(client: Client, key: Arc<DpopKey>) -> Self {
        Self { client, key }
    }
}

impl TokenEndpoint for DpopEndpoint {
    fn token<'a>(&'a self, request: &'a TokenRequest) -> TokenFuture<'a> {
        Box::pin(self.client.token_with_dpop(request, &self.key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exported_key_imports_as_the_same_key() {
        for key in [
            DpopKey::generate().unwrap(),
            DpopKey::generate_es256().unwrap(),
        ] {
            let again = DpopKey::import(&key.export()).unwrap();
            assert_eq!(again.thumbprint(), key.thumbprint());
            assert_eq!(again.algorithm(), key.algorithm());
            assert!(!format!("{again:?}").contains(&key.export()));
        }
        assert!(DpopKey::import("not a key").is_err());
    }
}
