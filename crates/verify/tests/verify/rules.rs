//! The token rules, against a fixed key set: what is accepted and what is refused.

use latchkey_verify::{KeySet, Kind, Scope, Validation, Verifier, VerifyError, verify};

use crate::support::{ISSUER, NOW, TestKey, b64, claims, jwks};

fn access_rules() -> Validation {
    Validation::access(ISSUER, ISSUER)
}

fn key_set(keys: &[&TestKey]) -> KeySet {
    KeySet::from_jwks(&jwks(keys))
}

pub(crate) fn check(key: &TestKey, token: &str) -> Result<latchkey_verify::Claims, VerifyError> {
    verify(token, &key_set(&[key]), &access_rules(), NOW)
}

#[test]
fn account_and_client_access_tokens_are_accepted_with_both_algorithms() {
    for key in [TestKey::ed25519("ed"), TestKey::es256("ec")] {
        for kind in [Kind::AccountAccess, Kind::ClientAccess] {
            let verified = check(&key, &key.sign(&claims(kind))).unwrap();
            assert_eq!(verified, claims(kind));
        }
    }
}

#[test]
fn refresh_tokens_are_refused_as_access_tokens() {
    let key = TestKey::ed25519("k1");
    for kind in [Kind::ClientRefresh, Kind::AccountRefresh] {
        // As latchkeyd makes them: typ rt+jwt.
        assert_eq!(
            check(&key, &key.sign(&claims(kind))),
            Err(VerifyError::WrongType)
        );
        // A refresh kind under an access header is refused too.
        assert_eq!(
            check(&key, &key.sign_typ("at+jwt", &claims(kind))),
            Err(VerifyError::WrongType)
        );
    }
}

#[test]
fn an_access_token_under_a_refresh_header_or_no_typ_is_refused() {
    let key = TestKey::ed25519("k1");
    let access = claims(Kind::ClientAccess);
    assert_eq!(
        check(&key, &key.sign_typ("rt+jwt", &access)),
        Err(VerifyError::WrongType)
    );
    let no_typ = key.sign_parts(
        r#"{"alg":"EdDSA","kid":"k1"}"#,
        &serde_json::to_string(&access).unwrap(),
    );
    assert_eq!(check(&key, &no_typ), Err(VerifyError::WrongType));
}

#[test]
fn refresh_rules_accept_refresh_tokens_only() {
    let key = TestKey::ed25519("k1");
    let rules = Validation::refresh(ISSUER, ISSUER);
    let keys = key_set(&[&key]);
    let refresh = key.sign(&claims(Kind::ClientRefresh));
    assert!(verify(&refresh, &keys, &rules, NOW).is_ok());
    let access = key.sign(&claims(Kind::ClientAccess));
    assert_eq!(
        verify(&access, &keys, &rules, NOW),
        Err(VerifyError::WrongType)
    );
}

#[test]
fn a_kind_outside_the_accepted_kinds_is_forbidden_not_invalid() {
    let key = TestKey::ed25519("k1");
    let rules = access_rules().with_kinds(&[Kind::AccountAccess]);
    let token = key.sign(&claims(Kind::ClientAccess));
    let err = verify(&token, &key_set(&[&key]), &rules, NOW).unwrap_err();
    assert_eq!(err, VerifyError::WrongKind(Kind::ClientAccess));
    assert!(err.is_forbidden());
}

/// Two forgeries of `token`: its signature on other claims (another subject), and its
/// claims under a signature with one character changed.
fn tampered(token: &str) -> (String, String) {
    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    let (header, _) = signing_input.split_once('.').unwrap();
    let mut wider = claims(Kind::ClientAccess);
    wider.sub = "someone_else".into();
    let forged = format!(
        "{header}.{}.{signature}",
        b64(serde_json::to_string(&wider).unwrap())
    );
    let mut sig = signature.as_bytes().to_vec();
    sig[10] = if sig[10] == b'A' { b'B' } else { b'A' };
    let flipped = format!("{signing_input}.{}", String::from_utf8(sig).unwrap());
    (forged, flipped)
}

#[test]
fn a_tampered_payload_or_signature_is_refused() {
    let key = TestKey::ed25519("k1");
    let token = key.sign(&claims(Kind::ClientAccess));
    let (forged, flipped) = tampered(&token);
    assert_eq!(check(&key, &forged), Err(VerifyError::BadSignature));
    assert_eq!(check(&key, &flipped), Err(VerifyError::BadSignature));

    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    let truncated = format!("{signing_input}.{}", &signature[..20]);
    assert!(check(&key, &truncated).is_err());
}

#[test]
fn a_key_set_that_has_verified_a_token_still_checks_everything_else() {
    let key = TestKey::ed25519("k1");
    let keys = key_set(&[&key]);
    let token = key.sign(&claims(Kind::ClientAccess));
    let first = verify(&token, &keys, &access_rules(), NOW).unwrap();
    // The second time its claims come from the key set's cache: the very same claims.
    assert_eq!(verify(&token, &keys, &access_rules(), NOW), Ok(first));

    // Its signature on other claims, or another signature on its claims: still refused.
    let (forged, flipped) = tampered(&token);
    let rules = access_rules();
    assert_eq!(
        verify(&forged, &keys, &rules, NOW),
        Err(VerifyError::BadSignature)
    );
    assert_eq!(
        verify(&flipped, &keys, &rules, NOW),
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
    assert_eq!(
        verify(&token, &keys, &Validation::refresh(ISSUER, ISSUER), NOW),
        Err(VerifyError::WrongType)
    );
    assert_eq!(
        verify(
            &token,
            &keys,
            &rules.clone().with_kinds(&[Kind::AccountAccess]),
            NOW
        ),
        Err(VerifyError::WrongKind(Kind::ClientAccess))
    );
    let wider = Scope::parse("nodes:admin").unwrap();
    assert!(matches!(
        verify(
            &token,
            &keys,
            &rules.clone().with_required_scope(wider),
            NOW
        ),
        Err(VerifyError::InsufficientScope { .. })
    ));
    // A key set without the key does not take the word of one that had it.
    let rotated = key_set(&[&TestKey::ed25519("k2")]);
    assert_eq!(
        verify(&token, &rotated, &rules, NOW),
        Err(VerifyError::UnknownKey("k1".into()))
    );
}

#[test]
fn an_expired_token_is_refused_unless_within_the_leeway() {
    let key = TestKey::ed25519("k1");
    let keys = key_set(&[&key]);
    let mut expired = claims(Kind::ClientAccess);
    expired.exp = Some(NOW - 30);
    let token = key.sign(&expired);

    let strict = access_rules().with_leeway(0);
    assert_eq!(
        verify(&token, &keys, &strict, NOW),
        Err(VerifyError::Expired)
    );
    let lenient = access_rules().with_leeway(60);
    assert!(verify(&token, &keys, &lenient, NOW).is_ok());
    assert_eq!(
        verify(&token, &keys, &lenient, NOW + 31),
        Err(VerifyError::Expired)
    );
    // `exp` is exclusive: a token is expired at its `exp` second.
    let mut at_edge = claims(Kind::ClientAccess);
    at_edge.exp = Some(NOW);
    assert_eq!(
        verify(&key.sign(&at_edge), &keys, &strict, NOW),
        Err(VerifyError::Expired)
    );
}

#[test]
fn an_access_token_without_exp_is_refused() {
    let key = TestKey::ed25519("k1");
    let mut forever = claims(Kind::AccountAccess);
    forever.exp = None;
    assert!(matches!(
        check(&key, &key.sign(&forever)),
        Err(VerifyError::Malformed(_))
    ));
}

#[test]
fn a_token_not_valid_yet_is_refused_unless_within_the_leeway() {
    let key = TestKey::ed25519("k1");
    let keys = key_set(&[&key]);
    let mut early = claims(Kind::ClientAccess);
    early.nbf = NOW + 30;
    let token = key.sign(&early);
    assert_eq!(
        verify(&token, &keys, &access_rules().with_leeway(0), NOW),
        Err(VerifyError::NotYetValid)
    );
    assert!(verify(&token, &keys, &access_rules().with_leeway(60), NOW).is_ok());
}

#[test]
fn a_wrong_issuer_or_audience_is_refused() {
    let key = TestKey::ed25519("k1");
    let mut foreign = claims(Kind::AccountAccess);
    foreign.iss = "http://evil.test".into();
    assert_eq!(
        check(&key, &key.sign(&foreign)),
        Err(VerifyError::WrongIssuer)
    );
    let mut elsewhere = claims(Kind::AccountAccess);
    elsewhere.aud = "http://other-api.test".into();
    assert_eq!(
        check(&key, &key.sign(&elsewhere)),
        Err(VerifyError::WrongAudience)
    );
    // Prefixes and trailing slashes are other issuers.
    let mut slash = claims(Kind::AccountAccess);
    slash.iss = format!("{ISSUER}/");
    assert_eq!(
        check(&key, &key.sign(&slash)),
        Err(VerifyError::WrongIssuer)
    );
}

#[test]
fn a_missing_scope_is_forbidden() {
    let key = TestKey::ed25519("k1");
    let keys = key_set(&[&key]);
    let admin = Scope::parse("nodes:admin").unwrap();
    let rules = access_rules().with_required_scope(admin.clone());
    let err = verify(&key.sign(&claims(Kind::ClientAccess)), &keys, &rules, NOW).unwrap_err();
    assert_eq!(err, VerifyError::InsufficientScope { required: admin });
    assert!(err.is_forbidden());

    let read = access_rules().with_required_scope(Scope::parse("nodes:read").unwrap());
    assert!(verify(&key.sign(&claims(Kind::ClientAccess)), &keys, &read, NOW).is_ok());
}

#[test]
fn an_unknown_kid_or_a_missing_kid_is_refused() {
    let key = TestKey::ed25519("k1");
    let stranger = TestKey::ed25519("k2");
    assert_eq!(
        check(&key, &stranger.sign(&claims(Kind::AccountAccess))),
        Err(VerifyError::UnknownKey("k2".into()))
    );
    let no_kid = key.sign_parts(
        r#"{"alg":"EdDSA","typ":"at+jwt"}"#,
        &serde_json::to_string(&claims(Kind::AccountAccess)).unwrap(),
    );
    assert!(matches!(
        check(&key, &no_kid),
        Err(VerifyError::Malformed(_))
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

#[tokio::test]
async fn a_verifier_checks_expiry_against_its_clock() {
    let key = TestKey::ed25519("k1");
    let verifier = Verifier::from_keys(key_set(&[&key]), access_rules().with_leeway(0));
    let token = key.sign(&claims(Kind::ClientAccess));

    let now = verifier.clone().with_clock(|| NOW);
    assert_eq!(now.verify(&token).await.unwrap().kind, Kind::ClientAccess);
    let later = verifier.with_clock(|| NOW + 3600);
    assert_eq!(later.verify(&token).await, Err(VerifyError::Expired));
}

#[tokio::test]
async fn derived_verifiers_add_scopes_and_restrict_kinds() {
    let key = TestKey::ed25519("k1");
    let base = Verifier::from_keys(key_set(&[&key]), access_rules()).with_clock(|| NOW);
    let token = key.sign(&claims(Kind::ClientAccess));

    let read = base.with_required_scope(&Scope::parse("nodes:read").unwrap());
    assert!(read.verify(&token).await.is_ok());
    let admin = read.with_required_scope(&Scope::parse("nodes:admin").unwrap());
    assert_eq!(
        admin.rules().required_scope().to_string(),
        "nodes:admin nodes:read"
    );
    assert!(matches!(
        admin.verify(&token).await,
        Err(VerifyError::InsufficientScope { .. })
    ));
    let accounts = base.with_kinds(&[Kind::AccountAccess]);
    assert_eq!(
        accounts.verify(&token).await,
        Err(VerifyError::WrongKind(Kind::ClientAccess))
    );
}
