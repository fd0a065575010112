//! Tokens as latchkeyd makes them, without a latchkeyd: signing keys with a chosen `kid`,
//! claims as it issues them, and a decoder for reading any token back.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_verify::{Claims, Jwk, Jwks, Kind, Scope};
use serde_json::Value;

/// Unpadded base64url, the encoding of every part of a JWT.
pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The decoded (unverified) header and claims of a JWT.
///
/// # Panics
///
/// If `token` does not have two base64url JSON parts.
pub fn decode(token: &str) -> (Value, Value) {
    let mut parts = token.split('.');
    let mut part =
        || serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap()).unwrap();
    (part(), part())
}

enum Pair {
    Ed25519(Ed25519KeyPair),
    Es256(EcdsaKeyPair),
}

/// A signing key with a chosen `kid`, fresh for each test.
pub struct TestKey {
    /// The key id in token headers and in the JWK.
    pub kid: String,
    pair: Pair,
}

impl TestKey {
    /// An Ed25519 key (EdDSA, latchkeyd's default).
    pub fn ed25519(kid: &str) -> Self {
        let der = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        Self {
            kid: kid.into(),
            pair: Pair::Ed25519(Ed25519KeyPair::from_pkcs8(der.as_ref()).unwrap()),
        }
    }

    /// A P-256 key (ES256).
    pub fn es256(kid: &str) -> Self {
        let der =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                .unwrap();
        Self {
            kid: kid.into(),
            pair: Pair::Es256(
                EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der.as_ref()).unwrap(),
            ),
        }
    }

    /// The JWS `alg` of this key.
    pub fn alg(&self) -> &'static str {
        match self.pair {
            Pair::Ed25519(_) => "EdDSA",
            Pair::Es256(_) => "ES256",
        }
    }

    /// The raw public key bytes.
    pub fn public_bytes(&self) -> Vec<u8> {
        match &self.pair {
            Pair::Ed25519(p) => p.public_key().as_ref().to_vec(),
            Pair::Es256(p) => p.public_key().as_ref().to_vec(),
        }
    }

    /// The public key as latchkeyd publishes it.
    pub fn jwk(&self) -> Jwk {
        let public = self.public_bytes();
        let (kty, crv, x, y) = match self.pair {
            Pair::Ed25519(_) => ("OKP", "Ed25519", b64(&public), None),
            Pair::Es256(_) => ("EC", "P-256", b64(&public[1..33]), Some(b64(&public[33..]))),
        };
        Jwk {
            kty: kty.into(),
            crv: Some(crv.into()),
            x: Some(x),
            y,
            kid: Some(self.kid.clone()),
            alg: Some(self.alg().into()),
            use_: Some("sig".into()),
        }
    }

    /// Signs `header.payload` as given, byte for byte.
    pub fn sign_parts(&self, header: &str, payload: &str) -> String {
        let input = format!("{}.{}", b64(header), b64(payload));
        let signature = match &self.pair {
            Pair::Ed25519(p) => p.sign(input.as_bytes()).as_ref().to_vec(),
            Pair::Es256(p) => p
                .sign(&SystemRandom::new(), input.as_bytes())
                .unwrap()
                .as_ref()
                .to_vec(),
        };
        format!("{input}.{}", b64(signature))
    }

    /// A token with latchkeyd's header for `typ` (`at+jwt` or `rt+jwt`).
    pub fn sign_typ(&self, typ: &str, claims: &Claims) -> String {
        let header = format!(
            r#"{{"alg":"{}","kid":"{}","typ":"{typ}"}}"#,
            self.alg(),
            self.kid
        );
        self.sign_parts(&header, &serde_json::to_string(claims).unwrap())
    }

    /// A token with the header latchkeyd gives tokens of this kind.
    pub fn sign(&self, claims: &Claims) -> String {
        let typ = if claims.kind.is_refresh() {
            "rt+jwt"
        } else {
            "at+jwt"
        };
        self.sign_typ(typ, claims)
    }
}

/// The JWK Set publishing `keys`.
pub fn jwks(keys: &[&TestKey]) -> Jwks {
    Jwks {
        keys: keys.iter().map(|k| k.jwk()).collect(),
    }
}

/// Claims of a `kind` token as the latchkeyd at `issuer` issues them at `now` (issued ten
/// seconds before, valid for an hour; client tokens name a client key).
pub fn claims(kind: Kind, issuer: &str, now: i64) -> Claims {
    let client = matches!(kind, Kind::ClientAccess | Kind::ClientRefresh);
    Claims {
        iss: issuer.into(),
        sub: "acct_0123456789".into(),
        aud: issuer.into(),
        iat: now - 10,
        nbf: now - 10,
        exp: Some(now + 3600),
        jti: "jti-1".into(),
        kind,
        scope: Scope::parse("nodes:read nodes:write").unwrap(),
        client_id: client.then(|| "ab".repeat(20)),
        sid: None,
        generation: None,
        status: None,
        cnf: None,
    }
}
