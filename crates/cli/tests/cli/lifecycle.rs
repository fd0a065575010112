//! Client-key lifecycle and DPoP from the CLI: `client-keys create --expires-in
//! --allow-cidr --dpop-bound`, `client-token --dpop` (the key kept beside the tokens, in
//! the 0600 profile), `token` refreshing and `request` sending bound tokens with proofs,
//! and `client-keys rotate-secret --store`.

use std::os::unix::fs::PermissionsExt as _;
use std::time::Duration;

use crate::harness::Env;

#[test]
fn a_dpop_bound_key_gets_bound_tokens_that_token_and_request_use_with_proofs() {
    let env = Env::start(2);
    env.signed_up("dpop@example.com");
    let listed = env.client_key(&[
        "--store",
        "--dpop-bound",
        "--expires-in",
        "90d",
        "--allow-cidr",
        "127.0.0.0/8",
    ]);
    let keys: serde_json::Value =
        serde_json::from_str(&env.ok(&["client-keys", "list", "--json"])).unwrap();
    assert_eq!(keys[0]["clientId"], listed.id.as_str());
    assert_eq!(keys[0]["dpopBound"], true);
    assert_eq!(keys[0]["allowedCidrs"], serde_json::json!(["127.0.0.0/8"]));
    assert!(keys[0]["expiresAt"].is_string());
    let refused = env.fails(&["client-token", "--store"], &[]);
    assert!(refused.contains("invalid_dpop_proof"), "{refused}");
    env.ok(&["client-token", "--store", "--dpop"]);
    let profile = env.config_dir().join("profiles").join("default.toml");
    let text = std::fs::read_to_string(&profile).unwrap();
    assert!(
        text.contains("dpop_key") || text.contains("dpopKey"),
        "{text}"
    );
    let mode = std::fs::metadata(&profile).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let status: serde_json::Value =
        serde_json::from_str(&env.ok(&["request", &env.nodes])).unwrap();
    assert_eq!(status["caller"]["kind"], "client_access");
    // Past the access token's 2 s: `token` refreshes the bound refresh token with a proof.
    let before = env.conf("clientAccessToken").unwrap();
    std::thread::sleep(Duration::from_millis(2100));
    env.ok(&["token"]);
    assert_ne!(env.conf("clientAccessToken").unwrap(), before);
    let status: serde_json::Value =
        serde_json::from_str(&env.ok(&["request", &env.nodes])).unwrap();
    assert_eq!(status["caller"]["kind"], "client_access");
}

#[test]
fn rotate_secret_stores_the_new_secret_and_the_old_one_stops_after_the_overlap() {
    let env = Env::start(3600);
    env.signed_up("rot@example.com");
    let key = env.client_key(&["--store"]);
    let rotated: serde_json::Value = serde_json::from_str(&env.ok(&[
        "client-keys",
        "rotate-secret",
        &key.id,
        "--overlap",
        "0s",
        "--store",
        "--json",
    ]))
    .unwrap();
    let secret = rotated["clientSecret"].as_str().unwrap();
    assert_ne!(secret, key.secret);
    assert_eq!(env.conf("clientSecret").unwrap(), secret);
    env.ok(&["client-token", "--store"]);
    let old = env.fails(&["client-token", "--no-store"], &key.env());
    assert!(old.contains("invalid_client"), "{old}");
    let bad = env.fails(
        &["client-keys", "rotate-secret", &key.id, "--overlap", "31d"],
        &[],
    );
    assert!(bad.contains("2592000"), "{bad}");
}
