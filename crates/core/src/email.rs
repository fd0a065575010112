//! Email addresses, normalised once at the edge.
//!
//! Two spellings of one address must be one account, and an address must not hide
//! characters a person cannot see. So an address is trimmed, refused if it holds a
//! control, format (zero-width, bidi), private-use, unassigned or other invisible
//! character, lower-cased (local part and domain: Latchkey has always treated addresses
//! case-insensitively), and put in Unicode Normalization Form C, the form keyboards and
//! browsers produce. The stored address is that normal form, and every lookup (login by
//! email) normalises the same way, so uniqueness holds across spellings.

use std::fmt;

use unicode_normalization::UnicodeNormalization as _;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory as _};

use crate::{Error, Result};

/// A syntactically plausible email address, trimmed, lower-cased and in NFC.
///
/// Latchkey does not send mail, so it checks shape only: one `@`, a non-empty local
/// part, a domain with a dot, no spaces, control or invisible characters, at most 254
/// bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Parses and normalises an address.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] naming what is wrong with it.
    pub fn parse(text: &str) -> Result<Self> {
        let invalid = |why: &str| Err(Error::InvalidRequest(format!("email {why}")));
        let text = text.trim();
        if text.chars().any(char::is_whitespace) {
            return invalid("must not contain spaces");
        }
        if text.chars().any(invisible) {
            return invalid("must not contain control or invisible characters");
        }
        // NFC before and after lower-casing: lower-casing a composed letter may leave a
        // base letter and a combining mark that NFC composes again.
        let email: String = text
            .nfc()
            .collect::<String>()
            .to_lowercase()
            .nfc()
            .collect();
        if email.is_empty() {
            return invalid("is required");
        }
        if email.len() > 254 {
            return invalid("is longer than 254 bytes");
        }
        let Some((local, domain)) = email.split_once('@') else {
            return invalid("must contain @");
        };
        if local.is_empty() || domain.contains('@') {
            return invalid("must have one @ with a name before it");
        }
        if !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
        {
            return invalid("must have a domain such as example.com");
        }
        Ok(Self(email))
    }

    /// An address read back from storage, as it was stored. It was parsed when it was
    /// stored, perhaps by an older, laxer version of [`Email::parse`]; refusing it now
    /// would lock its account out of every endpoint.
    #[must_use]
    pub fn from_storage(stored: String) -> Self {
        Self(stored)
    }

    /// The normalised address.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether `c` has no place in an address: a control, format (zero-width characters,
/// bidi controls, the soft hyphen, tags …), private-use, surrogate or unassigned code
/// point, or one of the other default-ignorable code points, which render as nothing
/// (the combining grapheme joiner, Hangul fillers, Khmer inherent vowels, Mongolian
/// free variation selectors, variation selectors).
fn invisible(c: char) -> bool {
    matches!(
        c.general_category(),
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::PrivateUse
            | GeneralCategory::Surrogate
            | GeneralCategory::Unassigned
    ) || matches!(
        c,
        '\u{34f}'
            | '\u{115f}'..='\u{1160}'
            | '\u{17b4}'..='\u{17b5}'
            | '\u{180b}'..='\u{180f}'
            | '\u{3164}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{ffa0}'
            | '\u{e0100}'..='\u{e01ef}'
    )
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Email;

    #[test]
    fn addresses_are_trimmed_and_lowercased() {
        assert_eq!(
            Email::parse("  Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
    }

    #[test]
    fn spellings_of_one_address_are_one_address() {
        let composed = Email::parse("ren\u{e9}e@caf\u{e9}.example").unwrap();
        for other in [
            "rene\u{301}e@cafe\u{301}.example",
            "RENE\u{301}E@CAFE\u{301}.EXAMPLE",
            "REN\u{c9}E@CAF\u{c9}.EXAMPLE",
        ] {
            assert_eq!(Email::parse(other).unwrap(), composed, "{other:?}");
        }
        assert_eq!(composed.as_str(), "ren\u{e9}e@caf\u{e9}.example");
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "ada@example",
            "a b@example.com",
            "a@b@example.com",
            "ada@example..com",
            "ada\u{a0}@example.com",
            "ada\u{2028}@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn control_and_invisible_characters_are_refused() {
        for c in [
            '\u{0}',
            '\u{1b}',
            '\u{7f}',
            '\u{85}',
            '\u{ad}',
            '\u{34f}',
            '\u{61c}',
            '\u{115f}',
            '\u{17b4}',
            '\u{180e}',
            '\u{200b}',
            '\u{200c}',
            '\u{200d}',
            '\u{200e}',
            '\u{202a}',
            '\u{202e}',
            '\u{2060}',
            '\u{2066}',
            '\u{2069}',
            '\u{3164}',
            '\u{fe0f}',
            '\u{feff}',
            '\u{ffa0}',
            '\u{fff9}',
            '\u{e000}',
            '\u{e0001}',
            '\u{e0041}',
            '\u{e0100}',
            '\u{10ffff}',
        ] {
            let error = Email::parse(&format!("ad{c}a@example.com")).unwrap_err();
            assert!(
                error.to_string().contains("invisible") || error.to_string().contains("spaces"),
                "{c:?}: {error}"
            );
        }
    }

    #[test]
    fn letters_of_every_script_are_kept() {
        for good in [
            "\u{4f60}\u{597d}@\u{4f8b}\u{5b50}.\u{6d4b}\u{8bd5}",
            "\u{43f}\u{440}\u{438}\u{43c}\u{435}\u{440}@example.com",
            "\u{5d0}\u{5d1}@example.com",
            "stra\u{df}e@example.de",
        ] {
            assert_eq!(Email::parse(good).unwrap().as_str(), good, "{good:?}");
        }
    }
}
