//! DPoP proofs (RFC 9449): the checks a token service and a resource service both make,
//! in one place.
//!
//! A proof is a JWT the client signs with its own key for one request: header
//! `typ: dpop+jwt`, `alg` ES256 or EdDSA and the public `jwk`; claims `jti`, `htm` (the
//! method), `htu` (the URI without query and fragment), `iat`, and `ath` (the SHA-256 of
//! the access token) when one is presented. [`DpopVerifier::verify`] checks all of it,
//! refuses a `jti` it has seen within the window ([`dpop_replay`](crate::dpop_replay)),
//! and returns the key's RFC 7638 thumbprint, which a bound token names in `cnf.jkt`.
//!
//! ```
//! use latchkey_verify::dpop::{DpopRequest, DpopVerifier};
//! let verifier = DpopVerifier::new();
//! let request = DpopRequest::new("POST", "https://auth.example.com/oauth2/token");
//! assert!(verifier.verify("not.a.proof", &request, 1_700_000_000).is_err());
//! ```

use std::sync::Arc;

use aws_lc_rs::digest::{SHA256, digest};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::{Map, Value};

pub use crate::dpop_replay::DEFAULT_CAPACITY as DEFAULT_REPLAY_CAPACITY;
use crate::dpop_replay::{DEFAULT_CAPACITY, Refusal, ReplayCache};
use crate::jwk::{Jwk, VerifyingKey};
use crate::jws;

/// The proof algorithms accepted, as RFC 8414's `dpop_signing_alg_values_supported`.
pub const SUPPORTED_ALGORITHMS: [&str; 2] = ["ES256", "EdDSA"];
/// How far a proof's `iat` may be from now, in seconds, by default.
pub const DEFAULT_WINDOW_SECONDS: u32 = 60;
/// Longest `jti` accepted (it is kept in memory for the window).
const MAX_JTI_LEN: usize = 256;
/// JWK members that only a private key has.
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// Why a proof was refused (answered `invalid_dpop_proof`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DpopError {
    /// Not a JWT with the members a proof needs.
    #[error("malformed DPoP proof: {0}")]
    Malformed(&'static str),
    /// The header's `typ` is not `dpop+jwt`.
    #[error("the DPoP proof's typ must be dpop+jwt")]
    WrongType,
    /// `alg` is not ES256 or EdDSA, or does not fit the key.
    #[error("the DPoP proof must be signed with ES256 or EdDSA by the key in its header")]
    UnsupportedAlgorithm,
    /// The header's `jwk` holds private key members.
    #[error("the DPoP proof's jwk must be a public key")]
    PrivateKey,
    /// The signature does not match the header's key.
    #[error("the DPoP proof's signature does not verify")]
    BadSignature,
    /// `htm` is not the request's method.
    #[error("the DPoP proof is for another HTTP method")]
    WrongMethod,
    /// `htu` is not the request's URI.
    #[error("the DPoP proof is for another URI")]
    WrongUri,
    /// `iat` is outside the window.
    #[error("the DPoP proof is too old or from the future")]
    Stale,
    /// The same proof was presented before.
    #[error("the DPoP proof was already used")]
    Replayed,
    /// `ath` is missing or is not the hash of the access token presented.
    #[error("the DPoP proof's ath does not match the access token")]
    WrongAccessToken,
    /// The server's nonce is missing or wrong (answered `use_dpop_nonce`).
    #[error("a DPoP nonce from the server is required")]
    UseNonce,
}

/// The request a proof must be for.
#[derive(Debug, Clone, Copy)]
pub struct DpopRequest<'a> {
    /// The HTTP method, e.g. `"POST"`.
    pub method: &'a str,
    /// The request's URI as the client addressed it (scheme, host, path; query and
    /// fragment are ignored).
    pub uri: &'a str,
    /// The access token presented with the proof, if any: the proof must carry its
    /// `ath`.
    pub access_token: Option<&'a str>,
    /// The nonce the server handed out, if it requires one.
    pub nonce: Option<&'a str>,
}

impl<'a> DpopRequest<'a> {
    /// A request with no access token and no nonce (a token endpoint's).
    #[must_use]
    pub fn new(method: &'a str, uri: &'a str) -> Self {
        Self {
            method,
            uri,
            access_token: None,
            nonce: None,
        }
    }

    /// The access token presented with the proof.
    #[must_use]
    pub fn with_access_token(mut self, token: &'a str) -> Self {
        self.access_token = Some(token);
        self
    }
}

/// What a valid proof says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DpopProof {
    /// The RFC 7638 thumbprint of the proof's key (`cnf.jkt` of a bound token).
    pub jkt: String,
    /// The proof's `iat`.
    pub iat: i64,
    /// The proof's `nonce`, if it carries one: a server that hands out nonces of its own
    /// making (several valid at once, e.g. one per time slot) checks it here rather than
    /// through [`DpopRequest::nonce`].
    pub nonce: Option<String>,
}

#[derive(Deserialize)]
struct ProofHeader {
    typ: Option<String>,
    alg: String,
    jwk: Option<Map<String, Value>>,
}

#[derive(Deserialize)]
struct ProofClaims {
    jti: String,
    htm: String,
    htu: String,
    iat: i64,
    #[serde(default)]
    ath: Option<String>,
    #[serde(default)]
    nonce: Option<String>,
}

/// Checks proofs and remembers their `jti` for the window. Cheap to clone; clones share
/// the replay cache.
#[derive(Debug, Clone)]
pub struct DpopVerifier {
    window: i64,
    replay: Arc<ReplayCache>,
    public_url: Option<Arc<str>>,
}

impl Default for DpopVerifier {
    fn default() -> Self {
        Self::new()
    }
}

impl DpopVerifier {
    /// A verifier with a ±60 s window and a replay cache of 100,000 proofs.
    #[must_use]
    pub fn new() -> Self {
        Self::with_limits(DEFAULT_WINDOW_SECONDS, DEFAULT_CAPACITY)
    }

    /// A verifier accepting `iat` within ±`window_seconds`, remembering up to
    /// `capacity` proofs.
    #[must_use]
    pub fn with_limits(window_seconds: u32, capacity: usize) -> Self {
        Self {
            window: i64::from(window_seconds),
            replay: Arc::new(ReplayCache::new(capacity)),
            public_url: None,
        }
    }

    /// The service's public base URL (e.g. `https://api.example.com`), which proofs'
    /// `htu` name when the service runs behind a proxy or a TLS terminator.
    #[must_use]
    pub fn with_public_url(mut self, base: &str) -> Self {
        self.public_url = Some(Arc::from(base.trim_end_matches('/')));
        self
    }

    /// The public base URL, if set.
    #[must_use]
    pub fn public_url(&self) -> Option<&str> {
        self.public_url.as_deref()
    }

    /// Verifies `proof` for `request` at `now` (Unix seconds) and takes its `jti`.
    ///
    /// # Errors
    ///
    /// [`DpopError`] naming the first check that failed.
    pub fn verify(
        &self,
        proof: &str,
        request: &DpopRequest<'_>,
        now: i64,
    ) -> Result<DpopProof, DpopError> {
        let parts = jws::split(proof).map_err(|_| DpopError::Malformed("not a JWS"))?;
        let header_json = proof
            .split('.')
            .next()
            .and_then(|h| URL_SAFE_NO_PAD.decode(h).ok())
            .ok_or(DpopError::Malformed("header is not base64url"))?;
        let header: ProofHeader = serde_json::from_slice(&header_json)
            .map_err(|_| DpopError::Malformed("header is not a DPoP header"))?;
        if !header
            .typ
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("dpop+jwt"))
        {
            return Err(DpopError::WrongType);
        }
        let members = header
            .jwk
            .ok_or(DpopError::Malformed("no jwk in the header"))?;
        if PRIVATE_MEMBERS.iter().any(|m| members.contains_key(*m)) {
            return Err(DpopError::PrivateKey);
        }
        let jwk: Jwk = serde_json::from_value(Value::Object(members))
            .map_err(|_| DpopError::Malformed("jwk is not a JWK"))?;
        let key = VerifyingKey::public(&jwk).ok_or(DpopError::UnsupportedAlgorithm)?;
        if key.alg.as_str() != header.alg {
            return Err(DpopError::UnsupportedAlgorithm);
        }
        key.key
            .verify_sig(parts.signing_input.as_bytes(), &parts.signature)
            .map_err(|_| DpopError::BadSignature)?;
        let claims: ProofClaims = serde_json::from_slice(&parts.payload)
            .map_err(|_| DpopError::Malformed("claims need jti, htm, htu and iat"))?;
        if claims.jti.is_empty() || claims.jti.len() > MAX_JTI_LEN {
            return Err(DpopError::Malformed("jti must be 1 to 256 characters"));
        }
        if claims.htm != request.method {
            return Err(DpopError::WrongMethod);
        }
        if !same_htu(&claims.htu, request.uri) {
            return Err(DpopError::WrongUri);
        }
        if (claims.iat - now).abs() > self.window {
            return Err(DpopError::Stale);
        }
        if let Some(token) = request.access_token
            && claims.ath.as_deref() != Some(access_token_hash(token).as_str())
        {
            return Err(DpopError::WrongAccessToken);
        }
        if let Some(nonce) = request.nonce
            && claims.nonce.as_deref() != Some(nonce)
        {
            return Err(DpopError::UseNonce);
        }
        let jkt = jwk_thumbprint(&jwk).ok_or(DpopError::UnsupportedAlgorithm)?;
        self.replay
            .take(&jkt, &claims.jti, claims.iat + self.window, now)
            .map_err(|refusal| match refusal {
                Refusal::Replayed => DpopError::Replayed,
                Refusal::TooOld => DpopError::Stale,
            })?;
        Ok(DpopProof {
            jkt,
            iat: claims.iat,
            nonce: claims.nonce,
        })
    }
}

/// The RFC 7638 thumbprint of an Ed25519 or P-256 public key: base64url of the SHA-256
/// of its required members, in lexicographic order, without spaces.
#[must_use]
pub fn jwk_thumbprint(jwk: &Jwk) -> Option<String> {
    let crv = jwk.crv.as_deref()?;
    let x = jwk.x.as_deref()?;
    let canonical = match jwk.kty.as_str() {
        "OKP" => serde_json::json!({"crv": crv, "kty": "OKP", "x": x}),
        "EC" => serde_json::json!({"crv": crv, "kty": "EC", "x": x, "y": jwk.y.as_deref()?}),
        _ => return None,
    };
    // serde_json's maps keep keys sorted, which is the order RFC 7638 asks for.
    let text = canonical.to_string();
    Some(URL_SAFE_NO_PAD.encode(digest(&SHA256, text.as_bytes())))
}

/// A proof's `ath` for `token`: base64url of its SHA-256.
#[must_use]
pub fn access_token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest(&SHA256, token.as_bytes()))
}

/// Whether two URIs are the same `htu`: scheme, host and port (default ports elided,
/// case-insensitive) and path (dot segments resolved), ignoring query and fragment.
#[must_use]
pub fn same_htu(a: &str, b: &str) -> bool {
    let normal = |s: &str| {
        url::Url::parse(s).ok().map(|u| {
            (
                u.scheme().to_owned(),
                u.host_str().map(str::to_ascii_lowercase),
                u.port_or_known_default(),
                u.path().to_owned(),
            )
        })
    };
    matches!((normal(a), normal(b)), (Some(x), Some(y)) if x == y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn htu_ignores_query_fragment_case_and_default_ports() {
        assert!(same_htu(
            "HTTPS://Auth.Example.com:443/oauth2/token?x=1#f",
            "https://auth.example.com/oauth2/token"
        ));
        assert!(same_htu("http://a/b/../token", "http://a/token"));
        assert!(!same_htu("https://a/token", "http://a/token"));
        assert!(!same_htu("https://a:8443/token", "https://a/token"));
        assert!(!same_htu("https://a/token/", "https://a/token"));
        assert!(!same_htu("not a uri", "not a uri"));
    }

    #[test]
    fn the_thumbprint_is_rfc_7638s() {
        // RFC 8037 appendix A.3: the thumbprint of its Ed25519 example key.
        let jwk = Jwk {
            kty: "OKP".into(),
            crv: Some("Ed25519".into()),
            x: Some("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo".into()),
            y: None,
            kid: None,
            alg: None,
            use_: None,
        };
        assert_eq!(
            jwk_thumbprint(&jwk).unwrap(),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
    }
}
