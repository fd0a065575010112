//! Writes that race: a session stored while a password change or a key deletion runs
//! must not outlive it. Each race runs 200 times, the second request started at a
//! different offset each time so that every interleaving is tried.

use std::time::Duration;

use latchkey_client::api::LoginRequest;

use latchkey_testkit::{PASSWORD, TestApp, assert_api_error, backend_tests};

backend_tests!(
    a_password_change_leaves_no_session_of_an_offline_login_racing_it,
    a_key_deletion_leaves_no_session_of_a_grant_racing_it,
);

const TRIES: u64 = 200;

/// The offset at which the second request of try `i` starts: 0 to 39 ms.
fn offset(i: u64) -> Duration {
    Duration::from_millis((i * 7) % 40)
}

async fn a_password_change_leaves_no_session_of_an_offline_login_racing_it(app: TestApp) {
    let mut token = app.account("ada@example.com").await;
    let mut password = PASSWORD.to_owned();
    let offline = LoginRequest {
        client_id: Some("example".into()),
        access_type: Some("offline".into()),
        expiration: None,
    };
    let mut raced = 0;
    for i in 0..TRIES {
        let next = format!("{PASSWORD} {i}");
        let (login, changed) = tokio::join!(
            async {
                tokio::time::sleep(offset(i)).await;
                app.client
                    .login("ada@example.com", &password, &offline)
                    .await
            },
            app.client.change_password(&token, &password, &next),
        );
        token = changed.unwrap().access_token;
        password = next;
        // The login either failed (it met the new password, or the change came between
        // its password check and its session), or its session was ended by the change.
        if let Ok(login) = login {
            raced += 1;
            assert_api_error(
                app.client
                    .refresh(login.refresh_token.as_ref().unwrap(), Some("example"))
                    .await,
                400,
                "invalid_grant",
            );
        }
        assert!(
            app.client.refresh_tokens(&token).await.unwrap().is_empty(),
            "try {i}: a session made with the old password survived the change"
        );
    }
    // Some logins won their race outright (checked above); the rest failed cleanly.
    assert!(raced > 0, "no login ever succeeded: the race was never run");
}

async fn a_key_deletion_leaves_no_session_of_a_grant_racing_it(app: TestApp) {
    let token = app.account("ada@example.com").await;
    for i in 0..TRIES {
        let key = app
            .client
            .create_client_key(&token, &Default::default())
            .await
            .unwrap();
        let grant = || {
            app.client
                .client_credentials(&key.client_id, &key.client_secret)
        };
        let (a, b, c, deleted) = tokio::join!(grant(), grant(), grant(), async {
            tokio::time::sleep(offset(i) / 4).await;
            app.client.delete_client_key(&token, &key.client_id).await
        });
        deleted.unwrap();
        for granted in [a, b, c].into_iter().flatten() {
            assert_api_error(
                app.client
                    .refresh(granted.refresh_token.as_ref().unwrap(), None)
                    .await,
                400,
                "invalid_grant",
            );
        }
        assert!(
            app.client.refresh_tokens(&token).await.unwrap().is_empty(),
            "try {i}: a session of the deleted key survived"
        );
    }
}
