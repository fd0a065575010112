//! HTTP Basic credentials as the login endpoint decodes them. Property checked: what
//! decodes re-encodes to the same credentials.

#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some((user, password)) = latchkeyd::fuzzing::basic_auth(data) {
        assert!(!user.contains(':'), "the username stops at the first colon");
        let again = format!("Basic {}", STANDARD.encode(format!("{user}:{password}")));
        assert_eq!(
            latchkeyd::fuzzing::basic_auth(again.as_bytes()),
            Some((user, password))
        );
    }
    // Also as a base64 payload, so the fuzzer reaches the credential splitting quickly.
    let wrapped = format!("Basic {}", STANDARD.encode(data));
    let _ = latchkeyd::fuzzing::basic_auth(wrapped.as_bytes());
});
