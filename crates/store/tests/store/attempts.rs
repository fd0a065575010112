//! Lockout counters: read, rewritten and written back in one step.

use latchkey_core::store::AttemptCounter;

use crate::{TestStore, backend_tests};

backend_tests!(counters_are_created_rewritten_and_forgotten_in_one_step);

/// The counters of `keys` as `update_attempts` hands them over, changed by nothing.
async fn read(t: &TestStore, keys: &[String]) -> Vec<AttemptCounter> {
    let mut seen = Vec::new();
    t.store
        .update_attempts(keys, &mut |found| seen = found.to_vec())
        .await
        .unwrap();
    seen
}

async fn counters_are_created_rewritten_and_forgotten_in_one_step(t: TestStore) {
    let keys = vec![
        "login:b".to_owned(),
        "addr:a".to_owned(),
        "login:b".to_owned(),
    ];
    // Absent counters come fresh, once each, in key order.
    let fresh = read(&t, &keys).await;
    let names: Vec<&str> = fresh.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(names, ["addr:a", "login:b"]);
    assert!(fresh.iter().all(|c| c.failures == 0 && c.checking == 0));

    // What a change writes is what the next one reads.
    t.store
        .update_attempts(&keys, &mut |found| {
            for (n, c) in found.iter_mut().enumerate() {
                c.checking = 2;
                c.checking_until = Some(160);
                c.failures = u32::try_from(n).unwrap();
                c.updated_at = 100;
            }
        })
        .await
        .unwrap();
    let written = read(&t, &keys).await;
    assert_eq!(
        written
            .iter()
            .map(|c| (c.failures, c.checking, c.checking_until, c.updated_at))
            .collect::<Vec<_>>(),
        [(0, 2, Some(160), 100), (1, 2, Some(160), 100)]
    );

    // A counter left with nothing to remember is deleted; the other is kept.
    t.store
        .update_attempts(&keys, &mut |found| {
            for c in found.iter_mut() {
                c.checking = 0;
            }
        })
        .await
        .unwrap();
    assert_eq!(t.store.purge_attempts(i64::MAX).await.unwrap(), 1);
}
