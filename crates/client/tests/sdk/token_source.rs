//! The token source on a paused clock: expiry, single flight, fallback, backoff.

use std::sync::Arc;
use std::time::Duration;

use latchkey_client::{ClientSecret, Error, ErrorCode, RefreshToken, TokenSource};
use tokio::time::advance;

use crate::fake::{Answer, FakeEndpoint};

const HOUR: u64 = 3600;

fn source(fake: &Arc<FakeEndpoint>) -> TokenSource {
    TokenSource::builder_with(fake.clone())
        .client_credentials("client-id", &ClientSecret::new("client-secret"))
        .build()
}

/// Lets spawned tasks run (the clock is paused, so this takes no real time).
async fn settle() {
    tokio::time::sleep(Duration::from_millis(100)).await;
}

#[tokio::test(start_paused = true)]
async fn the_first_token_comes_from_the_client_keys_and_is_reused_until_the_margin() {
    let fake = Arc::new(FakeEndpoint::new(HOUR));
    let source = source(&fake);
    let first = source.access_token().await.unwrap();
    assert_eq!(fake.credentials(), 1);

    advance(Duration::from_secs(HOUR - 61)).await;
    assert_eq!(source.access_token().await.unwrap(), first);
    assert_eq!((fake.credentials(), fake.refreshes()), (1, 0));

    advance(Duration::from_secs(2)).await;
    let second = source.access_token().await.unwrap();
    assert_ne!(second, first, "within the 60 s margin the token is renewed");
    assert_eq!(
        (fake.credentials(), fake.refreshes()),
        (1, 1),
        "by the refresh token"
    );
}

#[tokio::test(start_paused = true)]
async fn the_margin_is_configurable() {
    let fake = Arc::new(FakeEndpoint::new(HOUR));
    let source = TokenSource::builder_with(fake.clone())
        .client_credentials("client-id", &ClientSecret::new("client-secret"))
        .refresh_margin(Duration::from_secs(600))
        .build();
    let first = source.access_token().await.unwrap();
    advance(Duration::from_secs(HOUR - 601)).await;
    assert_eq!(source.access_token().await.unwrap(), first);
    advance(Duration::from_secs(2)).await;
    assert_ne!(source.access_token().await.unwrap(), first);
}

#[tokio::test(start_paused = true)]
async fn many_concurrent_callers_share_one_refresh() {
    let fake = Arc::new(FakeEndpoint::new(HOUR));
    let source = source(&fake);
    source.access_token().await.unwrap();
    advance(Duration::from_secs(HOUR)).await;

    let callers: Vec<_> = (0..100)
        .map(|_| {
            let source = source.clone();
            tokio::spawn(async move { source.access_token().await.unwrap() })
        })
        .collect();
    let mut tokens = Vec::new();
    for caller in callers {
        tokens.push(caller.await.unwrap());
    }
    assert_eq!(fake.refreshes(), 1, "one refresh for a hundred callers");
    assert!(tokens.iter().all(|t| *t == tokens[0]));
}

#[tokio::test(start_paused = true)]
async fn concurrent_callers_share_a_failed_refresh_too() {
    let fake = Arc::new(FakeEndpoint::new(HOUR));
    let source = source(&fake);
    source.access_token().await.unwrap();
    fake.answer_refresh(Answer::Unavailable);
    advance(Duration::from_secs(HOUR)).await;

    let callers: Vec<_> = (0..50)
        .map(|_| {
            let source = source.clone();
            tokio::spawn(async move { source.access_token().await })
        })
        .collect();
    for caller in callers {
        let error = caller.await.unwrap().unwrap_err();
        assert_eq!(error.code(), Some(ErrorCode::Unavailable));
    }
    assert_eq!(
        fake.refreshes(),
        1,
        "the waiters were given the one failure"
    );

    // The failure left nothing stuck: the next caller tries again and succeeds.
    fake.answer_refresh(Answer::Tokens);
    source.access_token().await.unwrap();
    assert_eq!(fake.refreshes(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_still_valid_token_is_handed_out_while_the_refresh_fails() {
    let fake = Arc::new(FakeEndpoint::new(HOUR));
    let source = source(&fake);
    let first = source.access_token().await.unwrap();
    fake.answer_refresh(Answer::Unavailable);
    advance(Duration::from_secs(HOUR - 30)).await;
    assert_eq!(source.access_token().await.unwrap(), first);
    advance(Duration::from_secs(31)).await;
    let error = source.access_token().await.unwrap_err();
    assert_eq!(
        error.code(),
        Some(ErrorCode::Unavailable),
        "expired: no token to hand out"
    );
}

#[tokio::test(start_paused = true)]
async fn a_revoked_refresh_token_falls_back_to_the_client_keys() {
    let fake = Arc::new(FakeEndpoint::new(HOUR));
    let source = source(&fake);
    let first = source.access_token().await.unwrap();
    let first_refresh = source.tokens().refresh_token.unwrap();
    fake.answer_refresh(Answer::InvalidGrant);
    advance(Duration::from_secs(HOUR)).await;

    let second = source.access_token().await.unwrap();
    assert_ne!(second, first);
    assert_eq!((fake.refreshes(), fake.credentials()), (1, 2));
    let tokens = source.tokens();
    assert_ne!(
        tokens.refresh_token.unwrap(),
        first_refresh,
        "a new refresh token was kept"
    );
}

#[tokio::test(start_paused = true)]
async fn without_client_keys_a_revoked_refresh_token_is_reported() {
    let fake = Arc::new(FakeEndpoint::new(HOUR));
    let access = fake.token();
    let refresh = RefreshToken::new(fake.token());
    let source = TokenSource::builder_with(fake.clone())
        .tokens(Some(&access), Some(&refresh))
        .build();
    fake.answer_refresh(Answer::InvalidGrant);
    // The stored token's `exp` is in 2030 by the wall clock; a service refusing it
    // makes it due at once.
    assert_eq!(source.access_token().await.unwrap(), access);
    source.refused(&access);
    let error = source.access_token().await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::InvalidGrant));
    assert_eq!(fake.credentials(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_source_with_nothing_to_refresh_with_says_so() {
    let fake = Arc::new(FakeEndpoint::new(HOUR));
    let source = TokenSource::builder_with(fake.clone()).build();
    assert!(matches!(
        source.access_token().await,
        Err(Error::NoCredentials)
    ));
}

#[tokio::test(start_paused = true)]
async fn the_background_task_refreshes_ahead_of_expiry() {
    let fake = Arc::new(FakeEndpoint::new(HOUR));
    let source = source(&fake);
    let first = source.access_token().await.unwrap();
    let _task = source.refresh_in_background();
    settle().await;
    assert_eq!(fake.refreshes(), 0, "nothing to do yet");

    advance(Duration::from_secs(HOUR - 59)).await;
    settle().await;
    assert_eq!(
        fake.refreshes(),
        1,
        "renewed in the margin, before anyone asked"
    );
    let second = source.access_token().await.unwrap();
    assert_ne!(second, first);
    assert_eq!(fake.refreshes(), 1, "the caller did not wait for a refresh");

    advance(Duration::from_secs(HOUR - 59)).await;
    settle().await;
    assert_eq!(fake.refreshes(), 2, "and again an hour later");
}

#[tokio::test(start_paused = true)]
async fn a_failed_background_refresh_is_retried_with_growing_delays_and_recovers() {
    let fake = Arc::new(FakeEndpoint::new(HOUR));
    let source = TokenSource::builder_with(fake.clone())
        .client_credentials("client-id", &ClientSecret::new("client-secret"))
        .retry_delays(Duration::from_secs(1), Duration::from_secs(8))
        .build();
    source.access_token().await.unwrap();
    let _task = source.refresh_in_background();
    fake.answer_refresh(Answer::Unavailable);
    advance(Duration::from_secs(HOUR - 59)).await;
    settle().await;
    assert_eq!(fake.refreshes(), 1);

    // Retries after ≈ 1, 2, 4, 8, 8 … seconds (plus up to 10 % jitter).
    let mut attempts_per_window = Vec::new();
    for window in [2, 3, 5, 9, 9] {
        let before = fake.refreshes();
        advance(Duration::from_secs(window)).await;
        settle().await;
        attempts_per_window.push(fake.refreshes() - before);
    }
    assert_eq!(
        attempts_per_window,
        [1, 1, 1, 1, 1],
        "one retry per growing delay"
    );

    // The service comes back: the next round renews the token and the loop goes on.
    fake.answer_refresh(Answer::Tokens);
    advance(Duration::from_secs(9)).await;
    settle().await;
    let renewed = fake.refreshes();
    advance(Duration::from_secs(60)).await;
    settle().await;
    assert_eq!(
        fake.refreshes(),
        renewed,
        "back to waiting for the next margin"
    );
    advance(Duration::from_secs(HOUR)).await;
    settle().await;
    assert_eq!(
        fake.refreshes(),
        renewed + 1,
        "and it still renews an hour later"
    );
}

#[tokio::test(start_paused = true)]
async fn the_background_task_stops_retrying_a_grant_that_is_gone() {
    let fake = Arc::new(FakeEndpoint::new(HOUR));
    let source = source(&fake);
    source.access_token().await.unwrap();
    let _task = source.refresh_in_background();
    fake.answer_refresh(Answer::InvalidGrant);
    fake.answer_credentials(Answer::InvalidClient);
    advance(Duration::from_secs(HOUR - 59)).await;
    settle().await;
    let asked = (fake.refreshes(), fake.credentials());
    assert_eq!(asked, (1, 2));
    advance(Duration::from_secs(10 * HOUR)).await;
    settle().await;
    assert_eq!(
        (fake.refreshes(), fake.credentials()),
        asked,
        "no hammering a dead grant"
    );
}

#[tokio::test(start_paused = true)]
async fn subscribers_see_every_renewal() {
    let fake = Arc::new(FakeEndpoint::new(HOUR));
    let source = source(&fake);
    let mut changes = source.subscribe();
    let token = source.access_token().await.unwrap();
    assert!(changes.has_changed().unwrap());
    let seen = changes.borrow_and_update().clone();
    assert_eq!(seen.access_token.as_deref(), Some(token.as_str()));
    assert!(seen.refresh_token.is_some());
    assert!(
        !format!("{seen:?}").contains(&token),
        "Debug hides the tokens"
    );
}

#[tokio::test(start_paused = true)]
async fn a_gone_grant_drops_the_token_even_before_it_expires() {
    let fake = Arc::new(FakeEndpoint::new(HOUR));
    // A stored token with 30 s left by the wall clock: within the margin, still valid.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let access = fake.token_at(now.as_secs() + 30 - HOUR, now.as_secs() + 30);
    let refresh = RefreshToken::new(fake.token());
    let source = TokenSource::builder_with(fake.clone())
        .tokens(Some(&access), Some(&refresh))
        .build();
    fake.answer_refresh(Answer::Unavailable);
    assert_eq!(
        source.access_token().await.unwrap(),
        access,
        "kept through a passing failure"
    );
    fake.answer_refresh(Answer::InvalidGrant);
    let error = source.access_token().await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::InvalidGrant));
    assert_eq!(
        source.tokens().access_token,
        None,
        "a revoked grant's token is not kept"
    );
}
