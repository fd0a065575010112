//! JSON bodies: the trailing-comma pre-pass and every JSON extractor of the native API,
//! with the domain's conversions behind them. Property checked: the pre-pass never
//! changes a body that is already valid JSON.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the declared Content-Type.
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let content_type: Option<&[u8]> = match pick % 4 {
        0 => None,
        1 => Some(b"application/json"),
        2 => Some(b"application/x-www-form-urlencoded"),
        _ => Some(b"text/plain; charset=\xff"),
    };
    if serde_json::from_slice::<serde_json::Value>(body).is_ok() {
        assert_eq!(
            latchkeyd::fuzzing::strip_trailing_commas(body),
            body,
            "valid JSON was rewritten"
        );
    }
    let _ = latchkeyd::fuzzing::json_bodies(content_type, body);
});
