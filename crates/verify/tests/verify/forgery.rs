//! Forged and malformed tokens, against a fixed key set: tampering, borrowed key ids,
//! `alg` confusion, unknown keys and garbage are all refused before any claim is trusted.

use aws_lc_rs::hmac;
use latchkey_verify::{KeySet, Kind, Validation, VerifyError, verify};

use crate::support::{ISSUER, NOW, TestKey, access_rules, b64, check, claims, key_set};

/// An account access token signed by `key` under the (hand-written) `header`.
fn account_token_under(key: &TestKey, header: &str) -> String {
    key.sign_parts(
        header,
        &serde_json::to_string(&claims(Kind::AccountAccess)).unwrap(),
    )
}

/// `token`'s header and signature over the claims of someone else.
fn signature_on_other_claims(token: &str) -> String {
    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    let (header, _) = signing_input.split_once('.').unwrap();
    let mut wider = claims(Kind::ClientAccess);
    wider.sub = "someone_else".into();
    format!(
        "{header}.{}.{signature}",
        b64(serde_json::to_string(&wider).unwrap())
    )
}

/// `token` with one character of its signature changed.
fn flipped_signature(token: &str) -> String {
    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    let mut sig = signature.as_bytes().to_vec();
    sig[10] = if sig[10] == b'A' { b'B' } else { b'A' };
    format!("{signing_input}.{}", String::from_utf8(sig).unwrap())
}

#[test]
fn a_tampered_payload_or_signature_is_refused() {
    let key = TestKey::ed25519("k1");
    let token = key.sign(&claims(Kind::ClientAccess));
    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    assert_eq!(
        check(&key, &signature_on_other_claims(&token)),
        Err(VerifyError::BadSignature)
    );
    assert_eq!(
        check(&key, &flipped_signature(&token)),
        Err(VerifyError::BadSignature)
    );

    let truncated = format!("{signing_input}.{}", &signature[..20]);
    assert!(check(&key, &truncated).is_err());
}

#[test]
fn a_key_set_that_has_verified_a_token_still_checks_everything_else() {
    let key = TestKey::ed25519("k1");
    let keys = key_set(&[&key]);
    let token = key.sign(&claims(Kind::ClientAccess));
    assert!(verify(&token, &keys, &access_rules(), NOW).is_ok());
    assert!(verify(&token, &keys, &access_rules(), NOW).is_ok());

    // Its signature on other claims, or another signature on its claims: still refused.
    let rules = access_rules();
    assert_eq!(
        verify(&signature_on_other_claims(&token), &keys, &rules, NOW),
        Err(VerifyError::BadSignature)
    );
    assert_eq!(
        verify(&flipped_signature(&token), &keys, &rules, NOW),
        Err(VerifyError::BadSignature)
    );
    // Time and the other rules are checked on every call.
    let exp = claims(Kind::ClientAccess).exp.unwrap();
    assert_eq!(
        verify(&token, &keys, &rules.clone().with_leeway(0), exp),
        Err(VerifyError::Expired)
    );
    assert_eq!(
        verify(&token, &keys, &Validation::access(ISSUER, "other"), NOW),
        Err(VerifyError::WrongAudience)
    );
    // A key set without the key does not take the word of one that had it.
    let rotated = key_set(&[&TestKey::ed25519("k2")]);
    assert_eq!(
        verify(&token, &rotated, &rules, NOW),
        Err(VerifyError::UnknownKey("k1".into()))
    );
}

#[test]
fn a_token_signed_by_another_key_with_the_same_kid_is_refused() {
    let published = TestKey::ed25519("k1");
    let impostor = TestKey::ed25519("k1");
    let token = impostor.sign(&claims(Kind::AccountAccess));
    assert_eq!(check(&published, &token), Err(VerifyError::BadSignature));

    let published = TestKey::es256("k2");
    let impostor = TestKey::es256("k2");
    let token = impostor.sign(&claims(Kind::AccountAccess));
    assert_eq!(check(&published, &token), Err(VerifyError::BadSignature));
}

#[test]
fn alg_none_is_refused() {
    let key = TestKey::ed25519("k1");
    let payload = b64(serde_json::to_string(&claims(Kind::AccountAccess)).unwrap());
    for header in [
        r#"{"alg":"none","kid":"k1","typ":"at+jwt"}"#,
        r#"{"alg":"None","kid":"k1","typ":"at+jwt"}"#,
    ] {
        for signature in ["", "AAAA"] {
            let token = format!("{}.{payload}.{signature}", b64(header));
            assert!(
                matches!(
                    check(&key, &token),
                    Err(VerifyError::UnsupportedAlgorithm(_))
                ),
                "{header} with signature {signature:?}"
            );
        }
    }
}

#[test]
fn hs256_with_the_public_key_as_hmac_secret_is_refused() {
    for key in [TestKey::ed25519("k1"), TestKey::es256("k1")] {
        let jwk = key.jwk();
        let secrets = [
            key.public_bytes(),
            jwk.x.clone().unwrap().into_bytes(),
            serde_json::to_vec(&jwk).unwrap(),
        ];
        for secret in secrets {
            let header = b64(r#"{"alg":"HS256","kid":"k1","typ":"at+jwt"}"#);
            let payload = b64(serde_json::to_string(&claims(Kind::AccountAccess)).unwrap());
            let input = format!("{header}.{payload}");
            let mac = hmac::sign(
                &hmac::Key::new(hmac::HMAC_SHA256, &secret),
                input.as_bytes(),
            );
            let token = format!("{input}.{}", b64(mac.as_ref()));
            assert_eq!(
                check(&key, &token),
                Err(VerifyError::UnsupportedAlgorithm("HS256".into()))
            );
        }
    }
}

#[test]
fn an_algorithm_other_than_the_keys_own_is_refused() {
    // An ES256 header naming an Ed25519 key: the key's algorithm decides, not the token.
    let key = TestKey::ed25519("k1");
    let token = account_token_under(&key, r#"{"alg":"ES256","kid":"k1","typ":"at+jwt"}"#);
    assert!(matches!(
        check(&key, &token),
        Err(VerifyError::UnsupportedAlgorithm(_))
    ));
}

#[test]
fn garbage_is_refused_as_malformed_without_panicking() {
    let key = TestKey::ed25519("k1");
    let long = "a".repeat(100_000);
    let garbage = [
        "",
        "garbage",
        "a.b",
        "a.b.c",
        "a.b.c.d",
        "...",
        "eyJhbGciOiJFZERTQSJ9.!!!.AA",
        "bm90IGpzb24.e30.AA",
        "W10.e30.AA",
        "e30.e30.AA",
        "eyJhbGciOiJFZERTQSIsImtpZCI6ImsxIiwidHlwIjoiYXQrand0IiwiY3JpdCI6WyJ4Il19.e30.AA",
        "\u{0}\u{1}.\u{ff}.é",
        &long,
    ];
    for token in garbage {
        let err = check(&key, token).unwrap_err();
        assert!(
            matches!(
                err,
                VerifyError::Malformed(_) | VerifyError::UnsupportedAlgorithm(_)
            ),
            "{token:.40}: {err:?}"
        );
    }
    // Signed, but the claims are not Latchkey claims.
    let signed_junk = key.sign_parts(r#"{"alg":"EdDSA","kid":"k1","typ":"at+jwt"}"#, "[1,2]");
    assert!(matches!(
        check(&key, &signed_junk),
        Err(VerifyError::Malformed(_))
    ));
}

#[test]
fn keys_of_other_types_in_the_jwks_are_ignored() {
    let json = br#"{"keys":[
        {"kty":"oct","kid":"h","k":"c2VjcmV0"},
        {"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB"},
        {"kty":"OKP","crv":"Ed25519","kid":"wrong-alg","alg":"ES256","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
        {"kty":"OKP","crv":"Ed25519","kid":"enc","use":"enc","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
        {"kty":"OKP","crv":"Ed25519","kid":"ok","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    ]}"#;
    let keys = KeySet::from_jwks_json(json).unwrap();
    assert_eq!(keys.len(), 1);
    assert!(keys.contains("ok"));
}

#[test]
fn an_unknown_kid_or_a_missing_kid_is_refused() {
    let key = TestKey::ed25519("k1");
    let stranger = TestKey::ed25519("k2");
    assert_eq!(
        check(&key, &stranger.sign(&claims(Kind::AccountAccess))),
        Err(VerifyError::UnknownKey("k2".into()))
    );
    let no_kid = account_token_under(&key, r#"{"alg":"EdDSA","typ":"at+jwt"}"#);
    assert!(matches!(
        check(&key, &no_kid),
        Err(VerifyError::Malformed(_))
    ));
}
