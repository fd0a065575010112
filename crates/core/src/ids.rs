//! Identifiers: account ids, client ids and session ids, each its own type.

use std::fmt;

use aws_lc_rs::rand::{SecureRandom, SystemRandom};

use crate::{Error, Result};

/// Fills `N` bytes from the operating system's CSPRNG.
///
/// # Errors
///
/// [`Error::Unexpected`] if the OS random source fails (it does not on supported systems).
pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| Error::Unexpected(anyhow::anyhow!("the OS random source failed")))?;
    Ok(bytes)
}

/// Lowercase hex of `bytes`.
#[must_use]
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// A random UUID (version 4) in its canonical lowercase form.
fn new_uuid() -> Result<String> {
    let mut b: [u8; 16] = random_bytes()?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    Ok(hyphenated(&to_hex(&b)))
}

/// A UUID version 7 (RFC 9562): the Unix time in milliseconds, then 74 random bits.
/// Ids made one after another sort together, so database indexes grow at one end
/// instead of splitting pages all over (every client-credentials grant inserts one).
fn new_uuid_v7() -> Result<String> {
    let mut b: [u8; 16] = random_bytes()?;
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let millis = u64::try_from(millis).unwrap_or(u64::MAX).to_be_bytes();
    b[..6].copy_from_slice(&millis[2..]);
    b[6] = (b[6] & 0x0f) | 0x70;
    b[8] = (b[8] & 0x3f) | 0x80;
    Ok(hyphenated(&to_hex(&b)))
}

fn hyphenated(h: &str) -> String {
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

fn is_uuid(text: &str) -> bool {
    text.len() == 36
        && text.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_digit() || ('a'..='f').contains(&c),
        })
}

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        uuid_id!($(#[$doc])* $name, new_uuid);
    };
    ($(#[$doc:meta])* $name:ident, $generate:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// A new random id.
            ///
            /// # Errors
            ///
            /// [`Error::Unexpected`] if the OS random source fails.
            pub fn generate() -> Result<Self> {
                $generate().map(Self)
            }

            /// Parses a lowercase UUID; `None` for anything else.
            #[must_use]
            pub fn parse(text: &str) -> Option<Self> {
                is_uuid(text).then(|| Self(text.to_owned()))
            }

            /// The id as text.
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

uuid_id!(
    /// An account id: a UUID, the `sub` claim of the account's tokens.
    AccountId
);
uuid_id!(
    /// A refresh session id: the id of a refresh-token family, listed by
    /// `GET /refresh-tokens` and carried as the `sid` claim. Time-ordered (UUIDv7).
    SessionId,
    new_uuid_v7
);
uuid_id!(
    /// A token id (`jti`).
    TokenId
);

/// A client ID: 40 lowercase hex characters (160 random bits).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientId(String);

impl ClientId {
    /// Length in hex characters.
    pub const LEN: usize = 40;

    /// A new random client ID.
    ///
    /// # Errors
    ///
    /// [`Error::Unexpected`] if the OS random source fails.
    pub fn generate() -> Result<Self> {
        Ok(Self(to_hex(&random_bytes::<20>()?)))
    }

    /// Parses 40 hex characters (either case); `None` for anything else.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        (text.len() == Self::LEN && text.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| Self(text.to_ascii_lowercase()))
    }

    /// The id as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The application id a program gives at an offline login (Wazo's `client_id`): any
/// 1 to 128 printable characters. It is a label, not a credential.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AppId(String);

impl AppId {
    /// Parses an application id.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] if it is empty, longer than 128 characters, or has
    /// control characters.
    pub fn parse(text: &str) -> Result<Self> {
        if text.is_empty() || text.chars().count() > 128 || text.chars().any(char::is_control) {
            return Err(Error::InvalidRequest(
                "clientId must be 1 to 128 printable characters".into(),
            ));
        }
        Ok(Self(text.to_owned()))
    }

    /// The id as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_have_their_documented_shapes() {
        let account = AccountId::generate().unwrap();
        assert!(AccountId::parse(account.as_str()).is_some());
        assert_eq!(&account.as_str()[14..15], "4");
        let client = ClientId::generate().unwrap();
        assert_eq!(client.as_str().len(), 40);
        assert!(
            client
                .as_str()
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
    }

    #[test]
    fn session_ids_are_uuid_v7_and_sort_by_creation() {
        let first = SessionId::generate().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let second = SessionId::generate().unwrap();
        assert!(SessionId::parse(first.as_str()).is_some());
        assert_eq!(&first.as_str()[14..15], "7");
        assert!(first < second);
    }

    #[test]
    fn client_ids_are_normalised_to_lowercase() {
        let upper = "ABCDEF0123456789ABCDEF0123456789ABCDEF01";
        assert_eq!(
            ClientId::parse(upper).unwrap().as_str(),
            upper.to_ascii_lowercase()
        );
        assert!(ClientId::parse("xyz").is_none());
    }

    #[test]
    fn uuids_are_checked_strictly() {
        assert!(AccountId::parse("not-a-uuid").is_none());
        assert!(AccountId::parse("123e4567-e89b-42d3-a456-42661417400G").is_none());
        assert!(AccountId::parse("123e4567-e89b-42d3-a456-426614174000").is_some());
    }
}
