//! Client-key lifecycle columns: stored and read back alike on both backends; a rotation
//! keeps the old digest as the previous one, in one statement; a key read with its
//! failed-attempt counters.

use latchkey_core::ids::{AccountId, ClientId};
use latchkey_core::network::Networks;
use latchkey_core::secret::SecretDigest;
use latchkey_core::store::ClientKeyRecord;
use latchkey_core::{Scope, Store};

use crate::rotation::rotating_sessions;
use crate::{TestStore, backend_tests};

backend_tests!(
    lifecycle_columns_round_trip_and_a_rotation_keeps_the_previous_digest,
    a_key_is_read_with_the_counters_that_exist_of_at_most_two,
);

const NOW: i64 = 1_900_000_000;

/// An account at credential generation 0, with one session.
pub(crate) async fn an_account(store: &dyn Store) -> AccountId {
    let first = rotating_sessions(store, 1).await;
    store
        .live_session(&first[0], NOW)
        .await
        .unwrap()
        .unwrap()
        .account_id
}

/// A client key of `account` (with an expiry, networks and the DPoP binding set).
pub(crate) fn key(account: &AccountId) -> ClientKeyRecord {
    ClientKeyRecord {
        id: ClientId::generate().unwrap(),
        account_id: account.clone(),
        name: None,
        secret_digest: SecretDigest::from_bytes(vec![1; 32]),
        scope: Scope::parse("").unwrap(),
        created_at: NOW,
        last_used_at: None,
        rotation: None,
        expires_at: Some(NOW + 90 * 86_400),
        allowed_networks: Networks::parse(&["203.0.113.0/24", "2001:db8::/32"]).unwrap(),
        last_used_ip: None,
        previous_secret: None,
        dpop_bound: true,
    }
}

/// A stored client key (see [`key`]) of a new account.
async fn a_stored_key(store: &dyn Store) -> ClientKeyRecord {
    let account = an_account(store).await;
    let new = key(&account);
    store.insert_client_key(&new).await.unwrap();
    new
}

async fn lifecycle_columns_round_trip_and_a_rotation_keeps_the_previous_digest(t: TestStore) {
    let store = &t.store;
    let new = a_stored_key(store.as_ref()).await;
    let account = new.account_id.clone();
    store
        .touch_client_key(&new.id, NOW + 5, Some("2001:db8::7".parse().unwrap()))
        .await
        .unwrap();
    let read = store.client_key(&new.id).await.unwrap().unwrap();
    assert_eq!(read.expires_at, new.expires_at);
    assert_eq!(read.allowed_networks, new.allowed_networks);
    assert!(read.dpop_bound);
    assert_eq!(read.last_used_at, Some(NOW + 5));
    assert_eq!(read.last_used_ip, Some("2001:db8::7".parse().unwrap()));
    assert!(read.previous_secret.is_none());

    let other = AccountId::generate().unwrap();
    let digest = SecretDigest::from_bytes(vec![2; 32]);
    assert!(
        store
            .rotate_client_secret(&other, &new.id, &digest, NOW + 60)
            .await
            .unwrap()
            .is_none()
    );
    let rotated = store
        .rotate_client_secret(&account, &new.id, &digest, NOW + 60)
        .await
        .unwrap()
        .unwrap();
    assert!(rotated.secret_digest.matches(&digest));
    let previous = rotated.previous_secret.unwrap();
    assert!(previous.digest.matches(&new.secret_digest));
    assert_eq!(previous.expires_at, NOW + 60);
}

async fn a_key_is_read_with_the_counters_that_exist_of_at_most_two(t: TestStore) {
    let store = &t.store;
    let new = a_stored_key(store.as_ref()).await;
    store
        .record_failed_attempt("addr:203.0.113.7", NOW, NOW - 900)
        .await
        .unwrap();
    store
        .lock_attempts("addr:203.0.113.7", NOW + 60)
        .await
        .unwrap();
    let pair = format!("client:{}@203.0.113.7", new.id);
    let id = &new.id;
    let read = |keys: Vec<String>| async move { store.client_key_with_attempts(id, &keys).await };

    let (found, none) = read(vec![]).await.unwrap().unwrap();
    assert_eq!(found.id, new.id);
    assert!(none.is_empty());
    let (_, absent) = read(vec![pair.clone()]).await.unwrap().unwrap();
    assert!(absent.is_empty(), "{absent:?}");
    let (_, both) = read(vec![pair.clone(), "addr:203.0.113.7".into()])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(both.len(), 1);
    assert_eq!(both[0].key, "addr:203.0.113.7");
    assert_eq!(
        (both[0].failures, both[0].locked_until),
        (1, Some(NOW + 60))
    );
    assert!(read(vec![pair.clone(), pair.clone(), pair]).await.is_err());
    let unknown = ClientId::generate().unwrap();
    assert!(
        store
            .client_key_with_attempts(&unknown, &[])
            .await
            .unwrap()
            .is_none()
    );
}
