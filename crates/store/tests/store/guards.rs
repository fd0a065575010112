//! Session guards: a session is stored only while what it was granted on still holds.

use latchkey_core::ids::{AccountId, ClientId, SessionId};
use latchkey_core::secret::SecretDigest;
use latchkey_core::store::{ClientKeyRecord, SessionGuard, SessionRecord};
use latchkey_core::{Kind, Scope};

use crate::rotation::rotating_sessions;
use crate::{TestStore, backend_tests};

backend_tests!(a_session_is_stored_only_while_its_guard_holds);

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
    }
}

async fn a_session_is_stored_only_while_its_guard_holds(t: TestStore) {
    let store = &t.store;
    // An account at credential generation 0, with one session.
    let first = rotating_sessions(store.as_ref(), 1).await;
    let account = store
        .live_session(&first[0], NOW)
        .await
        .unwrap()
        .unwrap()
        .account_id;

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
        account_id: account.clone(),
        name: None,
        secret_digest: SecretDigest::from_bytes(vec![0; 32]),
        scope: Scope::parse("").unwrap(),
        created_at: NOW,
        last_used_at: None,
        rotation: None,
        expires_at: None,
        allowed_networks: Default::default(),
        last_used_ip: None,
        previous_secret: None,
        dpop_bound: false,
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
