//! Revocation reaching the gate: in front of a latchkeyd whose status lists have a
//! one-second `ttl`, the gate refuses a token within that `ttl` (and a little) of its
//! session being revoked, while another token of the same key still passes.

use std::time::{Duration, Instant};

use latchkey_testkit::{TestApp, decode};

use crate::helpers::{RULES, TestGate};

#[tokio::test]
async fn a_revoked_token_is_refused_within_the_ttl_while_others_pass() {
    let app = TestApp::spawn_with(|config| config.policies.status_list_ttl = 1).await;
    let gate = TestGate::start(&app.address, RULES).await;
    let (account, key) = app.account_with_key("ada@example.com").await;
    let doomed = app.client_grant(&key).await;
    let kept = app.client_grant(&key).await;
    assert_eq!(
        gate.ask("GET", "/api/items", Some(&doomed.access_token))
            .await
            .status,
        200
    );
    assert_eq!(
        gate.ask("GET", "/api/items", Some(&kept.access_token))
            .await
            .status,
        200
    );

    let refresh = doomed.refresh_token.as_ref().unwrap();
    let sid = decode(refresh.expose()).1["sid"]
        .as_str()
        .unwrap()
        .to_owned();
    app.client
        .revoke_refresh_token(&account, &sid)
        .await
        .unwrap();
    let revoked_at = Instant::now();
    loop {
        let answer = gate
            .ask("GET", "/api/items", Some(&doomed.access_token))
            .await;
        if answer.status != 200 {
            assert_eq!((answer.status, answer.error()), (401, "invalid_token"));
            break;
        }
        assert!(
            revoked_at.elapsed() < Duration::from_secs(3),
            "the gate still passes the revoked token 3 s after, with a 1 s ttl"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        gate.ask("GET", "/api/items", Some(&kept.access_token))
            .await
            .status,
        200
    );
}
