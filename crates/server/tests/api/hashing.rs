//! The password-hashing queue under a login flood: bounded, fair between addresses, and
//! a full queue answered at once with 503 and `Retry-After`. The flood tries names with
//! no account (each hashed against the dummy hash, 401), each name once, so that the
//! lockout's per-name counters stay out of the way of the queue under test.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::task::JoinHandle;

use latchkey_testkit::{PASSWORD, TestApp};

/// A client whose connections come from `address` (any of 127.0.0.0/8 on loopback).
fn client_from(address: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(address.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}

/// What a login got: status, Retry-After, body, and when it finished.
type Answer = (u16, Option<String>, Value, Instant);

/// One login at `app`, on a task of its own.
fn login(app: &TestApp, client: &reqwest::Client, email: impl Into<String>) -> JoinHandle<Answer> {
    let (url, client, email) = (app.url("/auth/login"), client.clone(), email.into());
    tokio::spawn(async move { login_at(&url, &client, &email).await })
}

/// A name no account has, never the same twice in a test.
fn junk(n: usize) -> String {
    format!("flood{n}@example.com")
}

async fn login_at(url: &str, client: &reqwest::Client, email: &str) -> Answer {
    let response = client
        .post(url)
        .basic_auth(email, Some(PASSWORD))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response.json().await.unwrap_or(Value::Null);
    (status, retry_after, body, Instant::now())
}

/// Four addresses send 12 logins each at once to a single hashing thread (so a queue
/// of 32 by default); a moment later a login comes from a fifth address. What the
/// queue cannot hold is refused at once, yet the fifth address's login gets in and is
/// hashed in its own turn, long before the flood's queue has drained (first come,
/// first served, it would wait for every flood login).
#[tokio::test]
async fn a_login_flood_cannot_hold_back_a_login_from_another_address() {
    let app = TestApp::spawn_with(|config| {
        config.policies.hash_concurrency = 1;
    })
    .await;
    app.account("flood@example.com").await;
    app.account("real@example.com").await;
    let flooders: Vec<_> = ["127.0.0.1", "127.0.0.3", "127.0.0.4", "127.0.0.5"]
        .map(client_from)
        .to_vec();
    let flood: Vec<_> = flooders
        .iter()
        .flat_map(|client| (0..12).map(move |_| client))
        .enumerate()
        .map(|(n, client)| login(&app, client, junk(n)))
        .collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let real = login(&app, &client_from("127.0.0.2"), "real@example.com")
        .await
        .unwrap();
    let flood = joined(flood).await;

    assert_eq!(real.0, 200, "the other address's login: {}", real.2);
    let served: Vec<_> = flood.iter().filter(|r| r.0 == 401).collect();
    let refused: Vec<_> = flood.iter().filter(|r| r.0 == 503).collect();
    assert_eq!(served.len() + refused.len(), 48, "only 401 or 503");
    assert!(
        !refused.is_empty(),
        "the flooding addresses filled the queue"
    );
    for (_, retry_after, body, _) in &refused {
        assert_eq!(retry_after.as_deref(), Some("1"));
        assert_eq!(body["error"], "unavailable");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .starts_with("too many password checks are waiting"),
            "{body}"
        );
    }
    let last_served = served.iter().map(|r| r.3).max().unwrap();
    assert!(
        real.3 < last_served,
        "the other address's login waited for the whole flood"
    );
}

/// A queue of 4 with 2 per address, one hashing thread. One address sending ten
/// logins at once meets its own bound; then six addresses sending two each meet the
/// total one. Every answer is a 401 (checked) or a 503 with Retry-After.
#[tokio::test]
async fn the_queue_is_bounded_per_address_and_in_total() {
    let app = TestApp::spawn_with(|config| {
        config.policies.hash_concurrency = 1;
        config.policies.hash_queue = Some(4);
        config.policies.hash_queue_per_address = Some(2);
    })
    .await;
    app.account("flood@example.com").await;
    let refused = |answers: &[Answer], message: &str| {
        answers
            .iter()
            .filter(|a| a.0 == 503 && a.2["message"].as_str().unwrap().starts_with(message))
            .count()
    };
    let well_formed = |answers: &[Answer]| {
        answers.iter().any(|a| a.0 == 401)
            && answers
                .iter()
                .all(|a| a.0 == 401 || (a.0 == 503 && a.1.as_deref() == Some("1")))
    };

    let one = client_from("127.0.0.10");
    let answers = joined((0..10).map(|n| login(&app, &one, junk(n))).collect()).await;
    assert!(well_formed(&answers));
    assert!(
        refused(
            &answers,
            "too many password checks from your address are waiting"
        ) > 0,
        "the per-address bound never refused"
    );

    let clients: Vec<_> = (11..17)
        .map(|n| client_from(&format!("127.0.0.{n}")))
        .collect();
    let answers = joined(
        clients
            .iter()
            .flat_map(|client| [client, client])
            .enumerate()
            .map(|(n, client)| login(&app, client, junk(100 + n)))
            .collect(),
    )
    .await;
    assert!(well_formed(&answers));
    assert!(
        refused(&answers, "too many password checks are waiting") > 0,
        "the total bound never refused"
    );
}

async fn joined(tasks: Vec<JoinHandle<Answer>>) -> Vec<Answer> {
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    answers
}
