//! The end-to-end journey, and its variations.

use std::time::Duration;

use crate::harness::{Env, PASSWORD};

#[test]
fn signup_login_key_tokens_refresh_and_deletion_end_to_end() {
    // Client access tokens live 4 s, so the source refreshes 2 s before `exp` (half the
    // lifetime). `exp` is in whole seconds, so a token is fresh for at least 1 s after it
    // is issued and due at the latest 2 s after.
    let env = Env::start(4);
    env.signed_up("ada@example.com");
    env.ok(&["logout"]);
    assert_eq!(env.conf("accessToken"), None);
    let login = env.ok_with(
        &["login", "--email", "ada@example.com", "--password-stdin"],
        &[],
        &format!("{PASSWORD}\n"),
    );
    assert!(
        login.starts_with("✔ Logged in as ada@example.com."),
        "{login}"
    );
    assert!(env.ok(&["whoami"]).starts_with("ada@example.com (account "));

    let key = env.client_key(&["--name", "ci"]);
    let client_id = key.id.clone();
    assert_eq!(client_id.len(), 40);
    assert_eq!(env.conf("clientSecret"), None, "not stored without --store");

    // The keys come from the environment; only the tokens are stored.
    let keys = key.env();
    let shown = env.ok_with(&["client-token", "--store"], &keys, "");
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(lines[0], "✔ Generated new tokens:");
    assert!(lines[1].starts_with("  * clientAccessToken: ey"), "{shown}");
    assert!(lines[2].starts_with("  * refreshToken: ey"), "{shown}");
    assert!(
        shown.contains("WARN  Be sure to copy and save these keys"),
        "{shown}"
    );
    let stored_access = env.conf("clientAccessToken").unwrap();
    assert_eq!(lines[1], format!("  * clientAccessToken: {stored_access}"));
    assert_eq!(
        env.conf("clientSecret"),
        None,
        "the secret is never stored by client-token"
    );

    let first = env.ok(&["token"]).trim().to_owned();
    assert_eq!(first, stored_access, "still fresh: no refresh");
    let status: serde_json::Value =
        serde_json::from_str(&env.ok(&["request", "-H", "Accept: application/json", &env.nodes]))
            .unwrap();
    assert_eq!(status["caller"]["kind"], "client_access");
    assert_eq!(status["caller"]["clientId"], client_id.as_str());

    // Wait out the refresh point: `token` refreshes with the refresh token alone.
    std::thread::sleep(Duration::from_millis(2100));
    let second = env.ok(&["token"]).trim().to_owned();
    assert_ne!(second, first, "refreshed");
    assert_eq!(
        env.conf("clientAccessToken").as_deref(),
        Some(second.as_str()),
        "stored"
    );
    let curl_like = reqwest_status(&env.nodes, &second);
    assert_eq!(
        curl_like, 200,
        "the refreshed token works at the resource service"
    );

    env.ok(&["client-keys", "delete", &client_id]);
    let error = env.fails(&["client-token", "--no-store"], &keys);
    assert!(error.contains("invalid_client"), "{error}");
    assert!(error.contains("the client key was deleted"), "{error}");
}

/// A plain HTTP GET with a bearer token, as curl would send it.
fn reqwest_status(url: &str, token: &str) -> u16 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        reqwest::Client::new()
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    })
}

#[test]
fn stored_keys_are_used_and_a_revoked_refresh_token_falls_back_to_them() {
    let env = Env::start(3600);
    env.signed_up("grace@example.com");
    let client_id = env.client_key(&["--store"]).id;
    assert_eq!(env.conf("clientId").as_deref(), Some(client_id.as_str()));
    env.ok(&["client-token", "--store"]);
    let refresh = env.conf("refreshToken").unwrap();

    // Log out everywhere: the refresh token is revoked; the stored keys get new tokens.
    env.ok(&["request", "--account", "DELETE", "/refresh-tokens"]);
    env.ok(&["conf", "unset", "clientAccessToken"]);
    let token = env.ok(&["token"]).trim().to_owned();
    assert!(token.starts_with("ey"));
    assert_ne!(
        env.conf("refreshToken").unwrap(),
        refresh,
        "a new refresh token was stored"
    );
}

#[test]
fn a_refused_token_is_refreshed_and_the_request_retried_once() {
    let env = Env::start(3600);
    let key = env.account_with_key("lin@example.com");
    let keys = key.env();
    env.ok_with(&["client-token", "--store"], &keys, "");
    // A token that has not expired but that the nodes service refuses: the refresh token
    // itself (it can never pass for an access token).
    let refresh = env.conf("refreshToken").unwrap();
    env.ok(&["conf", "set", "clientAccessToken", &refresh]);
    let status: serde_json::Value =
        serde_json::from_str(&env.ok(&["request", &env.nodes])).unwrap();
    assert_eq!(status["caller"]["kind"], "client_access");
    assert_ne!(
        env.conf("clientAccessToken").unwrap(),
        refresh,
        "the new token was stored"
    );
}

#[test]
fn rotated_refresh_tokens_are_stored_at_every_refresh() {
    let env = Env::start(2);
    env.signed_up("rot@example.com");
    env.client_key(&["--store", "--rotate-refresh-tokens"]);
    env.ok(&["client-token", "--store"]);
    let mut refresh = env.conf("refreshToken").unwrap();
    for _ in 0..2 {
        std::thread::sleep(Duration::from_millis(1100));
        env.ok(&["token"]);
        let next = env.conf("refreshToken").unwrap();
        assert_ne!(next, refresh, "rotated and stored");
        refresh = next;
    }
}

#[test]
fn after_the_key_is_deleted_token_fails_clearly() {
    let env = Env::start(2);
    let key = env.account_with_key("del@example.com");
    let keys = key.env();
    env.ok_with(&["client-token", "--store"], &keys, "");
    // Deleted behind the CLI's back (another machine), so the tokens are still stored.
    env.ok(&[
        "request",
        "--account",
        "DELETE",
        &format!("/client-keys/{}", key.id),
    ]);
    std::thread::sleep(Duration::from_millis(1100));
    let error = env.fails(&["token"], &[]);
    assert!(error.contains("invalid_grant"), "{error}");
    assert!(error.contains("run `latchkey client-token`"), "{error}");
}

#[test]
fn an_unreachable_service_is_one_clear_line() {
    let env = Env::start(3600);
    let error = env.fails(&["whoami", "--server", "http://127.0.0.1:9"], &[]);
    assert!(error.contains("not logged in"), "{error}");
    let output = env.run_with(
        &[
            "login",
            "--email",
            "a@example.com",
            "--password-stdin",
            "--server",
            "http://127.0.0.1:9",
        ],
        &[],
        "a password\n",
    );
    assert_eq!(output.status.code(), Some(1));
    let error = String::from_utf8(output.stderr).unwrap();
    assert_eq!(error.lines().count(), 1, "{error}");
    assert!(
        error.contains("cannot reach the Latchkey service"),
        "{error}"
    );
    assert!(error.contains("is latchkeyd running there?"), "{error}");
}

#[test]
fn json_output_is_machine_readable() {
    let env = Env::start(3600);
    env.signed_up("json@example.com");
    let me: serde_json::Value = serde_json::from_str(&env.ok(&["whoami", "--json"])).unwrap();
    assert_eq!(me["email"], "json@example.com");
    let client_id = env.client_key(&["--name", "n", "--store"]).id;
    let keys: serde_json::Value =
        serde_json::from_str(&env.ok(&["client-keys", "list", "--json"])).unwrap();
    assert_eq!(keys[0]["clientId"], client_id.as_str());
    let tokens: serde_json::Value =
        serde_json::from_str(&env.ok(&["client-token", "--store", "--json"])).unwrap();
    assert!(
        tokens["clientAccessToken"]
            .as_str()
            .unwrap()
            .starts_with("ey")
    );
    let token: serde_json::Value = serde_json::from_str(&env.ok(&["token", "--json"])).unwrap();
    assert_eq!(token["accessToken"], tokens["clientAccessToken"]);
    let list = env.ok(&["client-keys", "list"]);
    assert!(list.starts_with("CLIENT ID"), "{list}");
}

#[test]
fn concurrent_commands_share_the_profile_without_spending_a_rotated_token_twice() {
    // Tokens live 6 s and are due 3 s before `exp`, which is in whole seconds: a new token
    // stays fresh for at least 2 s, long enough for the four processes to find it fresh.
    let env = Env::start(6);
    env.signed_up("many@example.com");
    let key = env.client_key(&["--rotate-refresh-tokens"]);
    env.ok_with(&["client-token", "--store"], &key.env(), "");
    std::thread::sleep(Duration::from_millis(3100));
    // Four processes find the token due at once; the profile lock lines them up, so one
    // refreshes and the others take its result from the file.
    let children: Vec<_> = (0..4)
        .map(|_| {
            env.command(&["token"])
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let tokens: Vec<String> = children
        .into_iter()
        .map(|child| {
            let output = child.wait_with_output().unwrap();
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            String::from_utf8(output.stdout).unwrap().trim().to_owned()
        })
        .collect();
    assert!(
        tokens.iter().all(|t| *t == tokens[0]),
        "one refresh, one token"
    );
    // No reuse was detected: the family is alive and refreshes again later.
    std::thread::sleep(Duration::from_millis(3100));
    assert_ne!(env.ok(&["token"]).trim(), tokens[0]);
}
