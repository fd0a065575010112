//! Revocation reaching a resource service: `latchkey-nodes`, in front of a real
//! latchkeyd whose status lists have a one-second `ttl`, refuses a token within that
//! `ttl` (and a little) of its session being revoked, while other tokens still pass.

use std::time::{Duration, Instant};

use latchkey_testkit::{TestApp, backend_tests, decode, text_at};

backend_tests!(latchkey_nodes_refuses_a_revoked_token_within_the_ttl);

async fn status(http: &reqwest::Client, nodes: &str, token: &str) -> u16 {
    http.get(format!("{nodes}/nodes/v1/status"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn latchkey_nodes_refuses_a_revoked_token_within_the_ttl(app: TestApp) {
    let app = TestApp::start(&app.database_url, |config| {
        config.policies.status_list_ttl = 1;
    })
    .await;
    let (account_token, key) = app.account_with_key("ada@example.com").await;
    let grant = || {
        app.client
            .client_credentials(&key.client_id, &key.client_secret)
    };
    let doomed = grant().await.unwrap();
    let kept = grant().await.unwrap();

    let config = latchkey_nodes::Config::new("127.0.0.1:0", app.address.clone());
    let verifier = config.verifier().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let nodes = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(latchkey_nodes::serve(
        listener,
        verifier,
        std::future::pending(),
    ));
    let http = reqwest::Client::new();
    assert_eq!(status(&http, &nodes, &doomed.access_token).await, 200);
    assert_eq!(status(&http, &nodes, &kept.access_token).await, 200);

    let sid = decode(doomed.refresh_token.as_ref().unwrap().expose()).1["sid"]
        .as_str()
        .unwrap()
        .to_owned();
    app.client
        .revoke_refresh_token(&account_token, &sid)
        .await
        .unwrap();
    let revoked_at = Instant::now();
    while status(&http, &nodes, &doomed.access_token).await == 200 {
        assert!(
            revoked_at.elapsed() < Duration::from_secs(3),
            "the node still accepts the revoked token 3 s after, with a 1 s ttl"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status(&http, &nodes, &doomed.access_token).await, 401);
    assert_eq!(status(&http, &nodes, &kept.access_token).await, 200);
    let metrics = text_at(&http, &format!("{nodes}/metrics")).await;
    assert!(
        metrics.contains("latchkey_nodes_tokens_revoked_total 2"),
        "{metrics}"
    );
}
