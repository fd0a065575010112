//! Forged signatures and algorithm confusion: a key that only shares the `kid`, `alg:
//! none`, HS256 keyed with the public key, an algorithm other than the key's own.

use aws_lc_rs::hmac;
use latchkey_verify::{Kind, VerifyError};

use crate::rules::check;
use crate::support::{TestKey, b64, claims};

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
    let token = key.sign_parts(
        r#"{"alg":"ES256","kid":"k1","typ":"at+jwt"}"#,
        &serde_json::to_string(&claims(Kind::AccountAccess)).unwrap(),
    );
    assert!(matches!(
        check(&key, &token),
        Err(VerifyError::UnsupportedAlgorithm(_))
    ));
}
