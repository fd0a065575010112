//! JWS compact serialisation: splitting a token and reading its header.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

use crate::VerifyError;

/// Tokens longer than this are refused before any parsing; Latchkey tokens are < 1 KiB.
pub(crate) const MAX_TOKEN_LEN: usize = 8 * 1024;

/// The protected header of a token, as far as verification needs it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Header {
    /// The signing algorithm, e.g. `"EdDSA"`.
    pub alg: String,
    /// The id of the signing key.
    #[serde(default)]
    pub kid: Option<String>,
    /// The token type, e.g. `"at+jwt"`.
    #[serde(default)]
    pub typ: Option<String>,
    /// Critical extensions; a token that has any is refused (none are understood).
    #[serde(default)]
    pub crit: Option<serde_json::Value>,
}

/// The three parts of a compact token, with the header decoded.
pub(crate) struct Parts<'a> {
    pub header: Header,
    /// `base64(header) "." base64(payload)`: the bytes the signature covers.
    pub signing_input: &'a str,
    pub payload: Vec<u8>,
    pub signature: Vec<u8>,
}

fn b64(part: &str, what: &'static str) -> Result<Vec<u8>, VerifyError> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| VerifyError::Malformed(what))
}

pub(crate) fn split(token: &str) -> Result<Parts<'_>, VerifyError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(VerifyError::Malformed("token too long"));
    }
    let mut dots = token.match_indices('.').map(|(i, _)| i);
    let (Some(first), Some(second), None) = (dots.next(), dots.next(), dots.next()) else {
        return Err(VerifyError::Malformed("not three dot-separated parts"));
    };
    let header = b64(&token[..first], "header is not base64url")?;
    let header: Header = serde_json::from_slice(&header)
        .map_err(|_| VerifyError::Malformed("header is not a JWS header"))?;
    if header.crit.is_some() {
        return Err(VerifyError::Malformed(
            "critical header extensions are not supported",
        ));
    }
    Ok(Parts {
        header,
        signing_input: &token[..second],
        payload: b64(&token[first + 1..second], "payload is not base64url")?,
        signature: b64(&token[second + 1..], "signature is not base64url")?,
    })
}

/// Reads a token's header without verifying anything, e.g. to log its `kid`.
///
/// # Errors
///
/// [`VerifyError::Malformed`] if the token is not three base64url parts with a JSON header.
///
/// ```
/// let header = latchkey_verify::decode_header("eyJhbGciOiJFZERTQSIsImtpZCI6ImsxIn0.e30.AA").unwrap();
/// assert_eq!(header.alg, "EdDSA");
/// assert_eq!(header.kid.as_deref(), Some("k1"));
/// ```
pub fn decode_header(token: &str) -> Result<Header, VerifyError> {
    split(token).map(|parts| parts.header)
}
