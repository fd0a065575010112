//! Concurrent rotations, which the store groups into one transaction: each keeps the
//! compare-and-set's answer it would have had alone.

use std::sync::Arc;

use latchkey_core::Store;
use latchkey_core::ids::SessionId;
use latchkey_core::store::{IssuedAccess, SessionGuard, SessionRecord};
use latchkey_core::{Kind, Scope};

use crate::{TestStore, backend_tests, insert_account};

backend_tests!(
    concurrent_rotations_of_different_sessions_all_succeed,
    two_concurrent_rotations_of_one_session_have_exactly_one_winner,
    in_a_batch_a_stale_or_revoked_session_loses_alone,
);

const NOW: i64 = 1_900_000_000;

pub(crate) async fn rotating_sessions(store: &dyn Store, count: usize) -> Vec<SessionId> {
    let account = insert_account(store, "ada@example.com", NOW, None).await;
    let mut ids = Vec::new();
    for _ in 0..count {
        let session = SessionRecord {
            id: SessionId::generate().unwrap(),
            account_id: account.id.clone(),
            kind: Kind::ClientRefresh,
            client_id: Some("a".repeat(40)),
            scope: Scope::parse("").unwrap(),
            created_at: NOW,
            expires_at: Some(NOW + 3600),
            last_used_at: None,
            generation: 0,
            rotates: true,
            rotated_at: None,
            issued_access: None,
            status_idx: None,
        };
        let guard = SessionGuard::CredentialGeneration(0);
        assert!(store.insert_session(&session, guard).await.unwrap());
        ids.push(session.id);
    }
    ids
}

/// Rotates `id` from generation `from`, on its own task.
fn rotate(
    store: &Arc<dyn Store>,
    id: &SessionId,
    from: u64,
    jti: String,
) -> tokio::task::JoinHandle<Option<SessionRecord>> {
    let (store, id) = (store.clone(), id.clone());
    tokio::spawn(async move {
        let access = IssuedAccess {
            jti,
            expires_at: NOW + 300,
            scope: Scope::parse("").unwrap(),
        };
        store.rotate_session(&id, from, &access, NOW).await.unwrap()
    })
}

async fn concurrent_rotations_of_different_sessions_all_succeed(t: TestStore) {
    let ids = rotating_sessions(&*t.store, 300).await;
    let tasks: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| rotate(&t.store, id, 0, format!("jti-{i}")))
        .collect();
    for (i, (task, id)) in tasks.into_iter().zip(&ids).enumerate() {
        let rotated = task.await.unwrap().expect("every rotation wins");
        assert_eq!((&rotated.id, rotated.generation), (id, 1));
        assert_eq!(rotated.issued_access.unwrap().jti, format!("jti-{i}"));
        assert_eq!(rotated.rotated_at, Some(NOW));
    }
}

async fn two_concurrent_rotations_of_one_session_have_exactly_one_winner(t: TestStore) {
    let ids = rotating_sessions(&*t.store, 100).await;
    let pairs: Vec<_> = ids
        .iter()
        .map(|id| {
            (
                rotate(&t.store, id, 0, "first".into()),
                rotate(&t.store, id, 0, "second".into()),
            )
        })
        .collect();
    for ((first, second), id) in pairs.into_iter().zip(&ids) {
        let (first, second) = (first.await.unwrap(), second.await.unwrap());
        let winner = match (first, second) {
            (Some(winner), None) | (None, Some(winner)) => winner,
            both => panic!("expected exactly one winner, got {both:?}"),
        };
        assert_eq!(winner.generation, 1);
        let stored = t.store.live_session(id, NOW).await.unwrap().unwrap();
        assert_eq!(stored.generation, 1);
        assert_eq!(stored.issued_access, winner.issued_access);
    }
}

/// A batch of different sessions, some presented at a generation they no longer have and
/// one revoked: those lose, each of the others wins with its own values.
async fn in_a_batch_a_stale_or_revoked_session_loses_alone(t: TestStore) {
    let ids = rotating_sessions(&*t.store, 120).await;
    let revoked = &ids[0];
    assert!(t.store.revoke_session_by_id(revoked, NOW).await.unwrap());
    let stale = |i: usize| i % 3 == 1;
    let tasks: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| rotate(&t.store, id, u64::from(stale(i)), format!("jti-{i}")))
        .collect();
    for (i, (task, id)) in tasks.into_iter().zip(&ids).enumerate() {
        let rotated = task.await.unwrap();
        if i == 0 || stale(i) {
            assert!(rotated.is_none(), "session {i} must lose");
            continue;
        }
        let rotated = rotated.expect("a current session wins");
        assert_eq!((&rotated.id, rotated.generation), (id, 1));
        assert_eq!(rotated.issued_access.unwrap().jti, format!("jti-{i}"));
    }
    let untouched = t.store.live_session(&ids[1], NOW).await.unwrap().unwrap();
    assert_eq!(untouched.generation, 0, "a losing rotation changes nothing");
}
