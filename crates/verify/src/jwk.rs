//! Published keys: the JWKS document and the parsed [`KeySet`] verification uses.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use aws_lc_rs::signature::{self, ParsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::VerifyError;
use crate::seen::Seen;

/// A signing algorithm Latchkey uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Algorithm {
    /// Ed25519 signatures (RFC 8037), the default.
    EdDSA,
    /// ECDSA with P-256 and SHA-256 (RFC 7518 §3.4).
    ES256,
}

impl Algorithm {
    /// The JOSE name, `"EdDSA"` or `"ES256"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::EdDSA => "EdDSA",
            Self::ES256 => "ES256",
        }
    }

    /// Parses a JOSE `alg` value; anything but `EdDSA` and `ES256` is refused.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "EdDSA" => Some(Self::EdDSA),
            "ES256" => Some(Self::ES256),
            _ => None,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One public key in JWK form (RFC 7517), as `/.well-known/jwks.json` publishes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    /// Key type: `"OKP"` for Ed25519, `"EC"` for P-256.
    pub kty: String,
    /// Curve: `"Ed25519"` or `"P-256"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    /// The public key (Ed25519) or its x coordinate (P-256), base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// The y coordinate (P-256), base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    /// Key id, matched against the token header's `kid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// The algorithm the key is used with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// `"sig"` for signing keys.
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
}

/// A JWK Set (RFC 7517 §5).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwks {
    /// The keys.
    pub keys: Vec<Jwk>,
}

/// A public key ready to verify signatures.
#[derive(Clone)]
pub(crate) struct VerifyingKey {
    pub alg: Algorithm,
    pub key: Arc<ParsedPublicKey>,
}

impl VerifyingKey {
    fn from_jwk(jwk: &Jwk) -> Option<(String, Self)> {
        let kid = jwk.kid.clone()?;
        if jwk.use_.as_deref().is_some_and(|u| u != "sig") {
            return None;
        }
        Some((kid, Self::public(jwk)?))
    }

    /// The public key a JWK describes (an Ed25519 or P-256 key; `kid` and `use` are the
    /// caller's business), usable only with the algorithm it names, if it names one.
    pub(crate) fn public(jwk: &Jwk) -> Option<Self> {
        let coordinate =
            |c: &Option<String>| c.as_deref().and_then(|c| URL_SAFE_NO_PAD.decode(c).ok());
        let (alg, key) = match (jwk.kty.as_str(), jwk.crv.as_deref()) {
            ("OKP", Some("Ed25519")) => {
                let x = coordinate(&jwk.x).filter(|x| x.len() == 32)?;
                (
                    Algorithm::EdDSA,
                    ParsedPublicKey::new(&signature::ED25519, x).ok()?,
                )
            }
            ("EC", Some("P-256")) => {
                let x = coordinate(&jwk.x).filter(|x| x.len() == 32)?;
                let y = coordinate(&jwk.y).filter(|y| y.len() == 32)?;
                let point = [&[4u8][..], &x, &y].concat();
                (
                    Algorithm::ES256,
                    ParsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point).ok()?,
                )
            }
            _ => return None,
        };
        // A key published for one algorithm is never used with another.
        if jwk.alg.as_deref().is_some_and(|a| a != alg.as_str()) {
            return None;
        }
        Some(Self {
            alg,
            key: Arc::new(key),
        })
    }
}

/// The keys a verifier trusts, parsed once and looked up by `kid`.
///
/// Keys of unsupported types (RSA, symmetric `oct` keys, …) are skipped, so that an
/// HMAC secret can never be confused with a public key.
///
/// A key set remembers the tokens it has verified (by digest, with their claims), so a
/// token presented again costs a lookup instead of a signature check; every rule that
/// depends on the verifier or the time is still checked each time. See
/// [`KeySet::remembering`] for how many.
///
/// ```
/// use latchkey_verify::KeySet;
/// let jwks = br#"{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k1","alg":"EdDSA",
///     "x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#;
/// let keys = KeySet::from_jwks_json(jwks).unwrap();
/// assert!(keys.contains("k1"));
/// ```
#[derive(Clone, Default)]
pub struct KeySet {
    keys: HashMap<String, VerifyingKey>,
    /// Tokens whose signature these keys have verified (shared by clones).
    seen: Arc<Seen>,
}

impl KeySet {
    /// Builds a key set from a JWKS document, skipping keys it cannot use.
    #[must_use]
    pub fn from_jwks(jwks: &Jwks) -> Self {
        Self {
            keys: jwks
                .keys
                .iter()
                .filter_map(VerifyingKey::from_jwk)
                .collect(),
            seen: Arc::default(),
        }
    }

    /// Parses a JWKS document and builds a key set from it.
    ///
    /// # Errors
    ///
    /// [`VerifyError::Malformed`] if the bytes are not a JWKS document.
    pub fn from_jwks_json(json: &[u8]) -> Result<Self, VerifyError> {
        let jwks: Jwks = serde_json::from_slice(json)
            .map_err(|_| VerifyError::Malformed("not a JWKS document"))?;
        Ok(Self::from_jwks(&jwks))
    }

    /// Whether a key with this id is in the set.
    #[must_use]
    pub fn contains(&self, kid: &str) -> bool {
        self.keys.contains_key(kid)
    }

    /// How many usable keys the set holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set holds no usable key.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub(crate) fn get(&self, kid: &str) -> Option<&VerifyingKey> {
        self.keys.get(kid)
    }

    /// The same keys, remembering at most `tokens` verified tokens (see
    /// [`KeySet`]'s cache; 4,096 by default, each ≈ 1 KiB with its claims), none for 0.
    /// For a verifier that rarely sees a token twice, a small cache keeps its memory for
    /// nothing.
    #[must_use]
    pub fn remembering(mut self, tokens: usize) -> Self {
        self.seen = Arc::new(Seen::with_capacity(tokens));
        self
    }

    pub(crate) fn seen(&self) -> &Seen {
        &self.seen
    }
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries(self.keys.iter().map(|(kid, key)| (kid, key.alg)))
            .finish()
    }
}
