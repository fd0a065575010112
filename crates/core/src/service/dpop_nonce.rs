//! Server nonces for DPoP (RFC 9449 §8), stateless: any instance on the same database
//! checks a nonce another made, with no lookup and nothing stored.
//!
//! A nonce is base64url(`slot` ‖ `mac`): `slot` is the time slot it was made in (Unix
//! time divided by the slot length, 8 bytes big-endian) and `mac` the first 16 bytes of
//! HMAC-SHA256 over the slot under the signing key's nonce key
//! ([`crate::keys::SigningKey::nonce_key`]). It is accepted in its own slot and the
//! next, under the nonce key of the key signing now or of its scheduled successor (every
//! instance loads both, and switches to the successor at the same second).

use aws_lc_rs::{constant_time, hmac};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Bytes of the MAC kept in a nonce (128 bits: forging one is out of reach).
const MAC_LEN: usize = 16;
/// Bytes of a decoded nonce: the slot and the MAC.
const NONCE_LEN: usize = 8 + MAC_LEN;

/// The time slot of `now` for slots of `length` seconds.
pub(super) fn slot(now: i64, length: u32) -> i64 {
    now.div_euclid(i64::from(length.max(1)))
}

fn mac(key: &hmac::Key, slot: i64) -> hmac::Tag {
    hmac::sign(key, &slot.to_be_bytes())
}

/// The nonce of `slot` under `key`.
pub(super) fn make(key: &hmac::Key, slot: i64) -> String {
    let mut bytes = [0u8; NONCE_LEN];
    bytes[..8].copy_from_slice(&slot.to_be_bytes());
    bytes[8..].copy_from_slice(&mac(key, slot).as_ref()[..MAC_LEN]);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `nonce` was made under one of `keys` in slot `current` or the one before.
pub(super) fn accepts<'a>(
    nonce: &str,
    current: i64,
    keys: impl IntoIterator<Item = &'a hmac::Key>,
) -> bool {
    let mut bytes = [0u8; NONCE_LEN + 2];
    if !matches!(
        URL_SAFE_NO_PAD.decode_slice(nonce.as_bytes(), &mut bytes),
        Ok(NONCE_LEN)
    ) {
        return false;
    }
    let mut slot_bytes = [0u8; 8];
    slot_bytes.copy_from_slice(&bytes[..8]);
    let slot = i64::from_be_bytes(slot_bytes);
    if slot != current && Some(slot) != current.checked_sub(1) {
        return false;
    }
    let given = &bytes[8..NONCE_LEN];
    keys.into_iter().any(|key| {
        constant_time::verify_slices_are_equal(&mac(key, slot).as_ref()[..MAC_LEN], given).is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> hmac::Key {
        hmac::Key::new(hmac::HMAC_SHA256, &[seed; 32])
    }

    #[test]
    fn a_nonce_lives_in_its_slot_and_the_next_under_its_key_only() {
        let (one, two) = (key(1), key(2));
        let nonce = make(&one, 100);
        assert_eq!(nonce.len(), 32);
        assert!(accepts(&nonce, 100, [&one]));
        assert!(accepts(&nonce, 101, [&two, &one]));
        assert!(!accepts(&nonce, 102, [&one]));
        assert!(!accepts(&nonce, 99, [&one]));
        assert!(!accepts(&nonce, 100, [&two]));
        assert!(!accepts(&nonce, 100, []));
    }

    #[test]
    fn made_up_and_altered_nonces_are_refused() {
        let one = key(1);
        let nonce = make(&one, 7);
        let mut altered = nonce.clone().into_bytes();
        altered[20] = if altered[20] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(altered).unwrap();
        for bad in [
            "",
            "not a nonce",
            altered.as_str(),
            &nonce[..31],
            &format!("{nonce}AA"),
            "AAAAAAAAAAcAAAAAAAAAAAAAAAAAAAAAAAAA",
        ] {
            assert!(!accepts(bad, 7, [&one]), "{bad:?}");
        }
    }

    #[test]
    fn slots_follow_the_length() {
        assert_eq!(slot(119, 60), 1);
        assert_eq!(slot(120, 60), 2);
        assert_eq!(slot(5, 0), 5);
    }
}
