//! Console sessions: stored only while the account is at the generation the password was
//! checked against, live within both timeouts and while that generation is current, and
//! a password change or a log out everywhere (racing with a log-in too) leaves none behind.

use std::sync::Arc;

use latchkey_core::Store;
use latchkey_core::ids::AccountId;
use latchkey_core::store::{AccountRecord, ConsoleLiveness, ConsoleSessionRecord};

use crate::{TestStore, backend_tests, insert_account};

backend_tests!(
    a_session_is_live_within_both_timeouts_only,
    a_new_generation_ends_every_session_and_refuses_late_ones,
    a_log_in_racing_a_password_change_leaves_no_session_behind,
    log_out_and_purge_delete_sessions,
);

const NOW: i64 = 1_800_000_000;

async fn account(store: &Arc<dyn Store>) -> AccountRecord {
    let email = format!("{}@example.com", AccountId::generate().unwrap());
    insert_account(&**store, &email, NOW, None).await
}

fn session(account: &AccountRecord, digest: u8, generation: i64) -> ConsoleSessionRecord {
    ConsoleSessionRecord {
        digest: vec![digest; 32],
        account_id: account.id.clone(),
        credential_generation: generation,
        created_at: NOW,
        last_seen_at: NOW,
    }
}

fn live_at(seen_since: i64, created_since: i64) -> ConsoleLiveness {
    ConsoleLiveness {
        seen_since,
        created_since,
    }
}

async fn a_session_is_live_within_both_timeouts_only(t: TestStore) {
    let account = account(&t.store).await;
    let stored = session(&account, 1, 0);
    assert!(t.store.insert_console_session(&stored).await.unwrap());
    let found = t
        .store
        .live_console_session(&stored.digest, live_at(NOW, NOW))
        .await;
    assert_eq!(found.unwrap(), Some(stored.clone()));
    // Idle: last seen before the cut-off.
    let idle = t
        .store
        .live_console_session(&stored.digest, live_at(NOW + 1, NOW))
        .await;
    assert_eq!(idle.unwrap(), None);
    // A touch keeps it from idling out, not from its absolute end.
    t.store
        .touch_console_session(&stored.digest, NOW + 100)
        .await
        .unwrap();
    let touched = t
        .store
        .live_console_session(&stored.digest, live_at(NOW + 50, NOW))
        .await;
    assert_eq!(touched.unwrap().unwrap().last_seen_at, NOW + 100);
    let old = t
        .store
        .live_console_session(&stored.digest, live_at(NOW, NOW + 1))
        .await;
    assert_eq!(old.unwrap(), None);
    let unknown = t.store.live_console_session(&[9; 32], live_at(0, 0)).await;
    assert_eq!(unknown.unwrap(), None);
}

async fn a_new_generation_ends_every_session_and_refuses_late_ones(t: TestStore) {
    let account = account(&t.store).await;
    let first = session(&account, 1, 0);
    assert!(t.store.insert_console_session(&first).await.unwrap());
    // Log out everywhere moves the generation on, and so does a password change.
    t.store
        .refuse_tokens_before(&account.id, NOW)
        .await
        .unwrap();
    let ended = t
        .store
        .live_console_session(&first.digest, live_at(0, 0))
        .await;
    assert_eq!(ended.unwrap(), None);
    // A log-in whose password was checked before that stores nothing.
    assert!(
        !t.store
            .insert_console_session(&session(&account, 2, 0))
            .await
            .unwrap()
    );
    let current = session(&account, 3, 1);
    assert!(t.store.insert_console_session(&current).await.unwrap());
    t.store
        .change_password(&account.id, "another hash", NOW)
        .await
        .unwrap();
    let ended = t
        .store
        .live_console_session(&current.digest, live_at(0, 0))
        .await;
    assert_eq!(ended.unwrap(), None);
    let after = t.store.account_by_id(&account.id).await.unwrap().unwrap();
    assert_eq!(after.credential_generation, 2);
    assert_eq!(after.tokens_not_before, NOW);
}

async fn a_log_in_racing_a_password_change_leaves_no_session_behind(t: TestStore) {
    let account = account(&t.store).await;
    for round in 0..200u8 {
        let generation = i64::from(round);
        let login = {
            let store = Arc::clone(&t.store);
            let stored = session(&account, round, generation);
            tokio::spawn(async move { store.insert_console_session(&stored).await.unwrap() })
        };
        let change = {
            let store = Arc::clone(&t.store);
            let id = account.id.clone();
            tokio::spawn(async move { store.change_password(&id, "hash", NOW).await.unwrap() })
        };
        let stored = login.await.unwrap();
        change.await.unwrap();
        // Whichever came first, the session is not live after the change.
        let live = t
            .store
            .live_console_session(&[round; 32], live_at(0, 0))
            .await;
        assert_eq!(live.unwrap(), None, "round {round} (stored: {stored})");
    }
}

async fn log_out_and_purge_delete_sessions(t: TestStore) {
    let account = account(&t.store).await;
    let first = session(&account, 1, 0);
    let second = session(&account, 2, 0);
    t.store.insert_console_session(&first).await.unwrap();
    t.store.insert_console_session(&second).await.unwrap();
    assert!(t.store.delete_console_session(&first.digest).await.unwrap());
    assert!(!t.store.delete_console_session(&first.digest).await.unwrap());
    assert_eq!(
        t.store
            .purge_console_sessions(live_at(NOW, NOW))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        t.store
            .purge_console_sessions(live_at(NOW + 1, NOW))
            .await
            .unwrap(),
        1
    );
    let gone = t
        .store
        .live_console_session(&second.digest, live_at(0, 0))
        .await;
    assert_eq!(gone.unwrap(), None);
}
