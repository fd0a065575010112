//! The original request's path, normalised before any rule is looked at, so that
//! `/public/../admin` is judged as `/admin` and a path the upstream could read in two
//! ways is refused rather than guessed at.
//!
//! [`normalise`] takes the request target as the proxy forwards it (`X-Original-URI`,
//! `X-Forwarded-Uri`, or Envoy's path) and:
//!
//! - drops the query and fragment;
//! - percent-decodes each segment (the result must be UTF-8);
//! - removes `.` segments and resolves `..` segments (never above the root), and merges
//!   repeated slashes, as nginx does before it picks a `location`;
//! - refuses what stays ambiguous: an invalid `%` escape, an encoded `/` (`%2F`), a
//!   backslash, a control character or NUL, an encoded dot segment (`%2e%2e`), a `%`
//!   after decoding (double encoding: an upstream that decodes again would see another
//!   path), and `;` (path parameters, which some servers strip: `/admin;x` is `/admin`
//!   to them).
//!
//! A path that needs none of this (the usual case) is borrowed, not copied.

use std::borrow::Cow;

/// Why a path was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// The target does not start with `/`.
    #[error("the path must start with '/'")]
    NotAbsolute,
    /// A `%` not followed by two hex digits.
    #[error("invalid percent-encoding")]
    BadEscape,
    /// The decoded path is not UTF-8.
    #[error("the decoded path is not UTF-8")]
    NotUtf8,
    /// A character or escape that upstreams read differently (see the module docs).
    #[error("ambiguous path: {0}")]
    Ambiguous(&'static str),
}

/// The normalised path of a request target (see the module documentation).
///
/// # Errors
///
/// [`PathError`] for a target that is not an absolute path or that stays ambiguous.
///
/// ```
/// use latchkey_gate::path::normalise;
/// assert_eq!(normalise("/public/../admin?x=1").unwrap(), "/admin");
/// assert_eq!(normalise("/a/%62c//./d").unwrap(), "/a/bc/d");
/// assert!(normalise("/a%2Fb").is_err());
/// ```
pub fn normalise(target: &str) -> Result<Cow<'_, str>, PathError> {
    let path = target
        .split_once(['?', '#'])
        .map_or(target, |(path, _)| path);
    if !path.starts_with('/') {
        return Err(PathError::NotAbsolute);
    }
    if is_plain(path) {
        return Ok(Cow::Borrowed(path));
    }
    let mut segments: Vec<String> = Vec::new();
    for raw in path.split('/').skip(1) {
        match raw {
            "" | "." => continue,
            ".." => {
                segments.pop();
                continue;
            }
            _ => {}
        }
        let segment = decode(raw)?;
        if segment == "." || segment == ".." {
            return Err(PathError::Ambiguous("encoded dot segment"));
        }
        segments.push(segment);
    }
    let mut out = String::with_capacity(path.len());
    for segment in &segments {
        out.push('/');
        out.push_str(segment);
    }
    if out.is_empty() || (path.ends_with('/') && !segments.is_empty()) {
        out.push('/');
    }
    Ok(Cow::Owned(out))
}

/// Whether `path` is already normal: no escapes, no dot or empty segments, nothing
/// refused. Checked byte by byte without allocating.
fn is_plain(path: &str) -> bool {
    let bytes = path.as_bytes();
    let mut previous = 0u8;
    for (i, &b) in bytes.iter().enumerate() {
        if matches!(b, b'%' | b'\\' | b';') || b < 0x20 || b == 0x7f || b >= 0x80 {
            return false;
        }
        if b == b'/' && previous == b'/' {
            return false;
        }
        if b == b'.' && previous == b'/' {
            let rest = &bytes[i + 1..];
            if rest.is_empty() || rest[0] == b'/' || rest.starts_with(b"./") || rest == b"." {
                return false;
            }
        }
        previous = b;
    }
    true
}

/// One segment, percent-decoded, with the refusals of the module documentation.
fn decode(raw: &str) -> Result<String, PathError> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hi = bytes.get(i + 1).and_then(|&h| hex(h));
            let lo = bytes.get(i + 2).and_then(|&l| hex(l));
            let (Some(hi), Some(lo)) = (hi, lo) else {
                return Err(PathError::BadEscape);
            };
            let decoded = hi << 4 | lo;
            match decoded {
                b'/' => return Err(PathError::Ambiguous("encoded slash")),
                b'%' => return Err(PathError::Ambiguous("double encoding")),
                _ => {}
            }
            refuse_byte(decoded)?;
            out.push(decoded);
            i += 3;
        } else {
            refuse_byte(b)?;
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| PathError::NotUtf8)
}

/// Bytes refused wherever they appear, raw or decoded.
fn refuse_byte(b: u8) -> Result<(), PathError> {
    match b {
        b'\\' => Err(PathError::Ambiguous("backslash")),
        b';' => Err(PathError::Ambiguous("path parameter (';')")),
        0..0x20 | 0x7f => Err(PathError::Ambiguous("control character")),
        _ => Ok(()),
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_are_borrowed_as_they_are() {
        for path in ["/", "/api", "/api/v1/", "/a.b/c..d/.e", "/x-y_z~"] {
            assert!(
                matches!(normalise(path), Ok(Cow::Borrowed(p)) if p == path),
                "{path}"
            );
        }
    }

    #[test]
    fn dot_segments_slashes_and_escapes_are_resolved() {
        let cases = [
            ("/public/../admin", "/admin"),
            ("/public/./../admin/", "/admin/"),
            ("/../../admin", "/admin"),
            ("/a//b///c", "/a/b/c"),
            ("/a/b/..", "/a"),
            ("/a/.", "/a"),
            ("/..", "/"),
            ("//", "/"),
            ("/%61dmin", "/admin"),
            ("/caf%C3%A9?q=%2F", "/café"),
            ("/a#frag", "/a"),
        ];
        for (input, want) in cases {
            assert_eq!(normalise(input).unwrap(), want, "{input}");
        }
    }

    #[test]
    fn ambiguous_paths_are_refused() {
        for input in [
            "/public/%2e%2e/admin",
            "/public/%2E/admin",
            "/a%2fb",
            "/a%2Fb",
            "/a%252e",
            "/a%zz",
            "/a%4",
            "/a\\b",
            "/a%5cb",
            "/admin;x",
            "/admin%3bx",
            "/a%00",
            "/a%0d%0a",
            "/a%ff",
            "admin",
            "",
            "http://host/admin",
        ] {
            assert!(normalise(input).is_err(), "{input}");
        }
    }
}
