//! Session guards: a session is stored only while what it was granted on still holds.

use latchkey_core::ids::{AccountId, ClientId, SessionId};
use latchkey_core::store::{ClientKeyRecord, SessionGuard, SessionRecord};
use latchkey_core::{Kind, Scope};

use crate::client_keys::{self, an_account};
use crate::{TestStore, backend_tests};

backend_tests!(
    a_session_is_stored_only_while_its_guard_holds,
    a_batch_stores_exactly_the_sessions_whose_guards_hold,
    a_client_session_is_read_with_its_own_keys_limits_only,
    a_tokens_standing_is_read_in_one_go
);

const NOW: i64 = 1_900_000_000;

fn session(account: &AccountId, kind: Kind, client_id: &str) -> SessionRecord {
    SessionRecord {
        id: SessionId::generate().unwrap(),
        account_id: account.clone(),
        kind,
        client_id: Some(client_id.into()),
        scope: Scope::parse("").unwrap(),
        created_at: NOW,
        expires_at: None,
        last_used_at: None,
        generation: 0,
        rotates: false,
        rotated_at: None,
        issued_access: None,
        status_idx: None,
    }
}

async fn a_session_is_stored_only_while_its_guard_holds(t: TestStore) {
    let store = &t.store;
    // An account at credential generation 0, with one session.
    let account = an_account(store.as_ref()).await;

    let offline = session(&account, Kind::AccountRefresh, "app");
    let stale = SessionGuard::CredentialGeneration(1);
    assert!(!store.insert_session(&offline, stale).await.unwrap());
    assert!(
        store
            .live_session(&offline.id, NOW)
            .await
            .unwrap()
            .is_none()
    );
    store
        .change_password(&account, "new hash", NOW)
        .await
        .unwrap();
    let current = SessionGuard::CredentialGeneration(1);
    assert!(store.insert_session(&offline, current).await.unwrap());

    let key_id = ClientId::generate().unwrap();
    let client = session(&account, Kind::ClientRefresh, key_id.as_str());
    assert!(
        !store
            .insert_session(&client, SessionGuard::ClientKey)
            .await
            .unwrap()
    );
    let key = ClientKeyRecord {
        id: key_id.clone(),
        ..client_keys::key(&account)
    };
    store.insert_client_key(&key).await.unwrap();
    assert!(
        store
            .insert_session(&client, SessionGuard::ClientKey)
            .await
            .unwrap()
    );
    assert!(store.live_session(&client.id, NOW).await.unwrap().is_some());
}

async fn a_client_session_is_read_with_its_own_keys_limits_only(t: TestStore) {
    let store = &t.store;
    let account = an_account(store.as_ref()).await;
    let key = client_keys::key(&account);
    store.insert_client_key(&key).await.unwrap();
    let client = session(&account, Kind::ClientRefresh, key.id.as_str());
    let guard = SessionGuard::ClientKey;
    assert!(store.insert_session(&client, guard).await.unwrap());
    // An offline login whose application id happens to be the key's id, and a client
    // session of another account naming the key: neither is the key's.
    let offline = session(&account, Kind::AccountRefresh, key.id.as_str());
    let generation = SessionGuard::CredentialGeneration(0);
    assert!(store.insert_session(&offline, generation).await.unwrap());

    let (read, limits) = store
        .live_session_with_key(&client.id, NOW)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.id, client.id);
    let limits = limits.expect("the key's limits are read with its session");
    assert_eq!(limits.expires_at, key.expires_at);
    assert_eq!(limits.allowed_networks, key.allowed_networks);
    // Read again, the limits come from what the store remembers: the same.
    let (_, again) = store
        .live_session_with_key(&client.id, NOW)
        .await
        .unwrap()
        .unwrap();
    let again = again.expect("the key's limits, remembered");
    assert_eq!(again.expires_at, key.expires_at);
    assert_eq!(again.allowed_networks, key.allowed_networks);

    let (read, limits) = store
        .live_session_with_key(&offline.id, NOW)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.kind, Kind::AccountRefresh);
    assert!(limits.is_none());

    assert!(
        store
            .delete_client_key(&account, &key.id, NOW)
            .await
            .unwrap()
    );
    assert!(
        store
            .live_session_with_key(&client.id, NOW)
            .await
            .unwrap()
            .is_none()
    );
}

async fn a_batch_stores_exactly_the_sessions_whose_guards_hold(t: TestStore) {
    let store = &t.store;
    let account = an_account(store.as_ref()).await;
    let key = client_keys::key(&account);
    store.insert_client_key(&key).await.unwrap();
    let held = session(&account, Kind::ClientRefresh, key.id.as_str());
    let no_key = session(
        &account,
        Kind::ClientRefresh,
        ClientId::generate().unwrap().as_str(),
    );
    let offline = session(&account, Kind::AccountRefresh, "app");
    let stale = session(&account, Kind::AccountRefresh, "app");
    // Submitted together, so that they share a group commit where the backend makes one:
    // the refused ones must not hide the stored ones, nor the other way round.
    let (a, b, c, d) = tokio::join!(
        store.insert_session(&held, SessionGuard::ClientKey),
        store.insert_session(&no_key, SessionGuard::ClientKey),
        store.insert_session(&offline, SessionGuard::CredentialGeneration(0)),
        store.insert_session(&stale, SessionGuard::CredentialGeneration(1)),
    );
    assert_eq!(
        [a.unwrap(), b.unwrap(), c.unwrap(), d.unwrap()],
        [true, false, true, false]
    );
    for (s, stored) in [
        (&held, true),
        (&no_key, false),
        (&offline, true),
        (&stale, false),
    ] {
        let found = store.live_session(&s.id, NOW).await.unwrap();
        assert_eq!(found.is_some(), stored, "{:?}", s.id);
    }
}

async fn a_tokens_standing_is_read_in_one_go(t: TestStore) {
    let store = &t.store;
    let account = an_account(store.as_ref()).await;
    let key = client_keys::key(&account);
    store.insert_client_key(&key).await.unwrap();
    let client = session(&account, Kind::ClientRefresh, key.id.as_str());
    assert!(
        store
            .insert_session(&client, SessionGuard::ClientKey)
            .await
            .unwrap()
    );

    let standing = store
        .token_standing(&account, Some(&key.id), Some(&client.id), NOW)
        .await
        .unwrap()
        .expect("the account is there");
    assert_eq!(standing.key_account.as_ref(), Some(&account));
    assert_eq!(standing.session.map(|s| s.id), Some(client.id.clone()));

    // Nothing asked, or nothing there: no key, no session.
    let missing = SessionId::generate().unwrap();
    let unknown_key = ClientId::generate().unwrap();
    for (key_id, sid) in [(None, None), (Some(&unknown_key), Some(&missing))] {
        let standing = store
            .token_standing(&account, key_id, sid, NOW)
            .await
            .unwrap()
            .unwrap();
        assert!(standing.key_account.is_none());
        assert!(standing.session.is_none());
    }

    // A password change moves tokens_not_before; a revoked or expired session is not live.
    store
        .change_password(&account, "new hash", NOW + 5)
        .await
        .unwrap();
    let standing = store
        .token_standing(&account, None, Some(&client.id), NOW + 10)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(standing.tokens_not_before, NOW + 5);
    assert!(
        standing.session.is_none(),
        "a password change revokes every session"
    );

    let gone = AccountId::generate().unwrap();
    assert!(
        store
            .token_standing(&gone, None, None, NOW)
            .await
            .unwrap()
            .is_none()
    );
}
