//! Form-encoded OAuth 2 requests with their client authentication (Basic header or
//! form fields): `/oauth2/token`, `/oauth2/introspect`, `/oauth2/revoke`.

#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // First byte: Content-Type and whether the rest starts with Basic credentials
    // (up to the first newline).
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let content_type: Option<&[u8]> = match pick % 3 {
        0 => None,
        1 => Some(b"application/x-www-form-urlencoded"),
        _ => Some(b"application/json"),
    };
    let (authorization, body) = if pick & 0x80 != 0 {
        match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (
                Some(format!("Basic {}", STANDARD.encode(&rest[..i]))),
                &rest[i + 1..],
            ),
            None => (None, rest),
        }
    } else {
        (None, rest)
    };
    let _ = latchkeyd::fuzzing::oauth_form(
        content_type,
        authorization.as_deref().map(str::as_bytes),
        body,
    );
});
