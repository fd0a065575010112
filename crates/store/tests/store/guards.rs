//! Session guards: a session is stored only while what it was granted on still holds.

use latchkey_core::ids::{AccountId, ClientId, SessionId};
use latchkey_core::store::{ClientKeyRecord, SessionGuard, SessionRecord};
use latchkey_core::{Kind, Scope};

use crate::client_keys::{self, an_account};
use crate::{TestStore, backend_tests};

backend_tests!(
    a_session_is_stored_only_while_its_guard_holds,
    a_client_session_is_read_with_its_own_keys_limits_only
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
