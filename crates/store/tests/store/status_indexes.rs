//! Status-list indexes: reservations never overlap (also between two stores on one
//! database, as two instances), and what ended shows in the changes.

use std::collections::HashSet;
use std::sync::Arc;

use latchkey_core::Store;
use latchkey_store::StoreOptions;

use crate::rotation::rotating_sessions;
use crate::{TestStore, backend_tests, insert_account};

backend_tests!(
    concurrent_reservations_from_two_stores_never_share_an_index,
    concurrent_ends_of_one_login_era_end_every_era_but_the_current,
    a_revoked_session_shows_in_the_changes_from_its_revocation_on,
);

const NOW: i64 = 1_900_000_000;

async fn concurrent_reservations_from_two_stores_never_share_an_index(t: TestStore) {
    let other = latchkey_store::open(t.database.url(), &StoreOptions::default())
        .await
        .unwrap();
    let stores: [Arc<dyn Store>; 2] = [Arc::clone(&t.store), other];
    let mut seen = HashSet::new();
    for _ in 0..200 {
        let tasks: Vec<_> = (0..8u64)
            .map(|i| {
                let store = Arc::clone(&stores[(i % 2) as usize]);
                tokio::spawn(async move { (store.reserve_status_indexes(3).await.unwrap(), 3) })
            })
            .collect();
        for task in tasks {
            let (first, count) = task.await.unwrap();
            for idx in first..first + count {
                assert!(seen.insert(idx), "index {idx} handed out twice");
            }
        }
    }
    let reserved_until = t.store.status_changes(NOW).await.unwrap().reserved_until;
    assert_eq!(seen.iter().max().copied(), Some(reserved_until - 1));
}

async fn concurrent_ends_of_one_login_era_end_every_era_but_the_current(t: TestStore) {
    let store = &t.store;
    let first = store.reserve_status_indexes(1).await.unwrap();
    let account = insert_account(&**store, "ada@example.com", NOW, Some(first)).await;
    let rounds = 200u64;
    for round in 0..rounds {
        let now = NOW + i64::try_from(round).unwrap() + 1;
        let (a, b) = (Arc::clone(store), Arc::clone(store));
        let (id_a, id_b) = (account.id.clone(), account.id.clone());
        let one = tokio::spawn(async move { a.refuse_tokens_before(&id_a, now).await.unwrap() });
        let two = tokio::spawn(async move { b.change_password(&id_b, "hash", now).await.unwrap() });
        one.await.unwrap();
        two.await.unwrap();
    }
    let current = store
        .account_by_id(&account.id)
        .await
        .unwrap()
        .unwrap()
        .status_idx
        .unwrap();
    let ended: HashSet<u64> = store
        .status_changes(i64::MIN)
        .await
        .unwrap()
        .ended
        .into_iter()
        .collect();
    // Each end took one new index after `first`: every era but the current one ended.
    let eras: HashSet<u64> = (first..=first + 2 * rounds).collect();
    assert!(!ended.contains(&current));
    assert_eq!(ended.len() as u64, 2 * rounds);
    let mut all = ended.clone();
    all.insert(current);
    assert_eq!(all, eras);
}

async fn a_revoked_session_shows_in_the_changes_from_its_revocation_on(t: TestStore) {
    let store = &t.store;
    // Sessions made before their index was given (as the tests' helper makes them) name
    // none and never show; give them some through a grant-like path instead.
    let ids = rotating_sessions(store.as_ref(), 2).await;
    let live = store.live_session(&ids[0], NOW).await.unwrap().unwrap();
    assert_eq!(live.status_idx, None);
    assert!(store.revoke_session_by_id(&ids[0], NOW + 5).await.unwrap());
    assert!(store.status_changes(NOW).await.unwrap().ended.is_empty());

    let mut session = live.clone();
    session.id = latchkey_core::ids::SessionId::generate().unwrap();
    session.status_idx = Some(store.reserve_status_indexes(1).await.unwrap());
    let guard = latchkey_core::store::SessionGuard::CredentialGeneration(0);
    assert!(store.insert_session(&session, guard).await.unwrap());
    assert!(
        store
            .revoke_session_by_id(&session.id, NOW + 10)
            .await
            .unwrap()
    );
    let idx = session.status_idx.unwrap();
    assert_eq!(store.status_changes(NOW + 10).await.unwrap().ended, [idx]);
    assert!(
        store
            .status_changes(NOW + 11)
            .await
            .unwrap()
            .ended
            .is_empty()
    );
    let back = store.sessions(&live.account_id, NOW).await.unwrap();
    assert!(back.iter().all(|s| s.id != session.id));
}
