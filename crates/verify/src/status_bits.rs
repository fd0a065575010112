//! The bits of a status list (draft-ietf-oauth-status-list, one bit per token): the
//! `lst` claim is base64url (no padding) of the ZLIB-compressed bytes, and bit `idx` is
//! bit `idx % 8` (least significant first) of byte `idx / 8`; 1 means invalid.
//!
//! Both ends use this module: latchkeyd encodes its lists with [`encode_lst`], verifiers
//! read them with [`StatusBits::from_lst`].

use std::io::{Read as _, Write as _};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use flate2::Compression;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;

use crate::VerifyError;

/// Largest list accepted once decompressed (16 MiB: 134 million tokens), so that a
/// small compressed body cannot expand without bound.
const MAX_LIST_BYTES: u64 = 16 * 1024 * 1024;

/// The decompressed bits of a status list.
///
/// ```
/// use latchkey_verify::status_bits::{StatusBits, encode_lst};
/// let bits = StatusBits::from_lst(&encode_lst(&[0b0000_0100, 0x80])).unwrap();
/// assert_eq!(bits.get(2), Some(true));
/// assert_eq!(bits.get(3), Some(false));
/// assert_eq!(bits.get(15), Some(true));
/// assert_eq!(bits.get(16), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusBits {
    bytes: Vec<u8>,
}

impl StatusBits {
    /// Decodes an `lst` claim.
    ///
    /// # Errors
    ///
    /// [`VerifyError::Malformed`] if it is not base64url of ZLIB data, or expands past
    /// 16 MiB.
    pub fn from_lst(lst: &str) -> Result<Self, VerifyError> {
        let compressed = URL_SAFE_NO_PAD
            .decode(lst)
            .map_err(|_| VerifyError::Malformed("status list is not base64url"))?;
        let mut bytes = Vec::new();
        ZlibDecoder::new(compressed.as_slice())
            .take(MAX_LIST_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|_| VerifyError::Malformed("status list is not ZLIB data"))?;
        if bytes.len() as u64 > MAX_LIST_BYTES {
            return Err(VerifyError::Malformed("status list too large"));
        }
        Ok(Self { bytes })
    }

    /// Whether bit `idx` is set (the token is invalid); `None` past the list's end.
    #[must_use]
    pub fn get(&self, idx: u64) -> Option<bool> {
        let byte = self.bytes.get(usize::try_from(idx / 8).ok()?)?;
        Some(byte >> (idx % 8) & 1 == 1)
    }

    /// How many tokens the list covers.
    #[must_use]
    pub fn len(&self) -> u64 {
        self.bytes.len() as u64 * 8
    }

    /// Whether the list covers no token at all.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

/// Encodes bytes of bits as an `lst` claim: ZLIB (best compression), then base64url
/// without padding.
///
/// ```
/// use latchkey_verify::status_bits::{StatusBits, encode_lst};
/// let lst = encode_lst(&vec![0u8; 131_072]);
/// assert!(lst.len() < 400, "a million clear bits compress to a few hundred bytes");
/// assert_eq!(StatusBits::from_lst(&lst).unwrap().len(), 1_048_576);
/// ```
#[must_use]
pub fn encode_lst(bytes: &[u8]) -> String {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::best());
    // Writing to a Vec cannot fail.
    let compressed = match encoder.write_all(bytes) {
        Ok(()) => encoder.finish().unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    URL_SAFE_NO_PAD.encode(compressed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_round_trip_least_significant_first() {
        let mut bytes = vec![0u8; 4];
        for idx in [0u64, 9, 31] {
            bytes[(idx / 8) as usize] |= 1 << (idx % 8);
        }
        let bits = StatusBits::from_lst(&encode_lst(&bytes)).unwrap();
        let set: Vec<u64> = (0..32).filter(|&i| bits.get(i) == Some(true)).collect();
        assert_eq!(set, [0, 9, 31]);
    }

    #[test]
    fn garbage_is_malformed_not_a_panic() {
        assert!(StatusBits::from_lst("!!").is_err());
        assert!(StatusBits::from_lst("AAAA").is_err());
    }
}
