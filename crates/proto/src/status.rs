//! The Token Status List (draft-ietf-oauth-status-list): the `status` claim every access
//! token carries, and the claims of the signed list it points to.
//!
//! A token's `status.status_list` names a list by its URI (`<issuer>/statuslists/<n>`)
//! and a bit in it by its index; the list is a JWT (`typ: statuslist+jwt`) whose
//! `status_list.lst` is the base64url (no padding) of the ZLIB-compressed bits, one bit
//! per token, bit `idx` read least-significant-bit first: 0 valid, 1 invalid.

use serde::{Deserialize, Serialize};

/// The JWT header `typ` of a status list token.
pub const STATUS_LIST_TYP: &str = "statuslist+jwt";

/// The media type a status list token is served with.
pub const STATUS_LIST_MEDIA_TYPE: &str = "application/statuslist+jwt";

/// The path under the issuer where list `n` is served: `/statuslists/<n>`.
pub const STATUS_LIST_PATH: &str = "/statuslists/";

/// The `status` claim of a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// Where the token's bit is.
    pub status_list: StatusListRef,
}

/// A token's place in a status list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusListRef {
    /// The index of the token's bit in the list.
    pub idx: u64,
    /// The list's URI.
    pub uri: String,
}

impl Status {
    /// The claim naming bit `idx` of list `list` of `issuer`.
    ///
    /// ```
    /// let status = latchkey_proto::status::Status::new("https://a.test", 3, 17);
    /// assert_eq!(status.status_list.uri, "https://a.test/statuslists/3");
    /// assert_eq!(status.status_list.idx, 17);
    /// ```
    #[must_use]
    pub fn new(issuer: &str, list: u64, idx: u64) -> Self {
        Self {
            status_list: StatusListRef {
                idx,
                uri: list_uri(issuer, list),
            },
        }
    }
}

/// The URI of list `list` of `issuer`: `<issuer>/statuslists/<list>`.
///
/// ```
/// assert_eq!(latchkey_proto::status::list_uri("http://h:1/", 0), "http://h:1/statuslists/0");
/// ```
#[must_use]
pub fn list_uri(issuer: &str, list: u64) -> String {
    format!(
        "{}{STATUS_LIST_PATH}{list}",
        issuer.strip_suffix('/').unwrap_or(issuer)
    )
}

/// The claims of a status list token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusListClaims {
    /// The list's URI (the `uri` that tokens name).
    pub sub: String,
    /// When the list was signed.
    pub iat: i64,
    /// After this time the list must not be used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// How long, in seconds, a verifier may cache the list before fetching it again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<u64>,
    /// The bits.
    pub status_list: StatusListBits,
}

/// The `status_list` claim of a status list token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusListBits {
    /// Bits per token: 1 for Latchkey (valid or invalid).
    pub bits: u8,
    /// base64url (no padding) of the ZLIB-compressed bytes.
    pub lst: String,
}
