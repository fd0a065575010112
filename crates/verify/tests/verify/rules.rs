//! The token rules, against a fixed key set: types, kinds, times, issuer, audience and
//! scopes. Forged and malformed tokens are in `forgery.rs`.

use latchkey_verify::{Kind, Scope, Validation, Verifier, VerifyError, verify};

use crate::support::{ISSUER, NOW, TestKey, access_rules, check, claims, key_set};

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
