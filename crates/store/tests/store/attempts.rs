//! Lockout counters: read, rewritten and written back in one step; running checks
//! counted and taken back one statement each.

use latchkey_core::store::AttemptCounter;

use crate::{TestStore, backend_tests};

backend_tests!(
    counters_are_created_rewritten_and_forgotten_in_one_step,
    checks_are_counted_and_taken_back_with_stale_state_forgotten,
    concurrent_checks_each_see_those_counted_before_them,
);

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

/// `keys` as owned strings.
fn owned(keys: &[&str]) -> Vec<String> {
    keys.iter().map(|&k| k.to_owned()).collect()
}

/// A counter's key, failures, lock, running checks and their hold.
type State = (String, u32, Option<i64>, u32, Option<i64>);

/// The state of each counter, by key.
fn states(mut counters: Vec<AttemptCounter>) -> Vec<State> {
    counters.sort_by(|a, b| a.key.cmp(&b.key));
    counters
        .into_iter()
        .map(|c| {
            (
                c.key,
                c.failures,
                c.locked_until,
                c.checking,
                c.checking_until,
            )
        })
        .collect()
}

async fn checks_are_counted_and_taken_back_with_stale_state_forgotten(t: TestStore) {
    let keys = owned(&["login:b", "addr:a"]);
    let s = |key: &str, failures, locked, checking, until| {
        (key.to_owned(), failures, locked, checking, until)
    };
    // Absent counters start at one running check, held until the time given.
    let counted = t.store.add_checks(&keys, 100, 160, 0).await.unwrap();
    assert_eq!(
        states(counted),
        [
            s("addr:a", 0, None, 1, Some(160)),
            s("login:b", 0, None, 1, Some(160))
        ]
    );
    let counted = t.store.add_checks(&keys, 101, 161, 0).await.unwrap();
    assert_eq!(
        states(counted),
        [
            s("addr:a", 0, None, 2, Some(161)),
            s("login:b", 0, None, 2, Some(161))
        ]
    );

    // Failures and a lock on both; taking a check back forgets those of `forget` only.
    t.store
        .update_attempts(&keys, &mut |found| {
            for c in found.iter_mut() {
                c.failures = 3;
                c.locked_until = Some(500);
            }
        })
        .await
        .unwrap();
    t.store
        .remove_checks(&keys, &owned(&["login:b"]), 102, 0)
        .await
        .unwrap();
    assert_eq!(
        states(read(&t, &keys).await),
        [
            s("addr:a", 3, Some(500), 1, Some(161)),
            s("login:b", 0, None, 1, Some(161))
        ]
    );
    // Never below none running, and none left running once the hold is over.
    for _ in 0..2 {
        t.store.remove_checks(&keys, &[], 103, 0).await.unwrap();
    }
    assert_eq!(
        states(read(&t, &keys).await),
        [
            s("addr:a", 3, Some(500), 0, None),
            s("login:b", 0, None, 0, None)
        ]
    );
    t.store.add_checks(&keys, 104, 164, 0).await.unwrap();
    let counted = t.store.add_checks(&keys, 170, 230, 0).await.unwrap();
    assert_eq!(
        states(counted),
        [
            s("addr:a", 3, Some(500), 1, Some(230)),
            s("login:b", 0, None, 1, Some(230))
        ],
        "the check begun at 104 was held until 164 only"
    );

    // Failures counted before the window are forgotten as a check is counted.
    let counted = t.store.add_checks(&keys, 180, 240, 175).await.unwrap();
    assert_eq!(
        states(counted)[..1],
        [s("addr:a", 0, None, 2, Some(240))],
        "addr:a was last counted at 170, before the window; the check begun then still runs"
    );
    t.store
        .add_checks(&owned(&["addr:z"]), 190, 250, 0)
        .await
        .unwrap();
    t.store
        .remove_checks(&owned(&["addr:z"]), &[], 191, 0)
        .await
        .unwrap();
    assert_eq!(
        t.store.purge_attempts(i64::MAX).await.unwrap(),
        3,
        "counters with nothing to remember stay until the purge"
    );
}

async fn concurrent_checks_each_see_those_counted_before_them(t: TestStore) {
    // Every concurrent count on the same counters is one step: each sees a different
    // number of running checks, one to as many as there are.
    const AT_ONCE: u32 = 24;
    let keys = owned(&["account:c@1.2.3.4", "addr:1.2.3.4"]);
    for round in 0..10 {
        let now = 1_000 + round * 100;
        let counting: Vec<_> = (0..AT_ONCE)
            .map(|_| {
                let (store, keys) = (t.store.clone(), keys.clone());
                tokio::spawn(async move { store.add_checks(&keys, now, now + 60, 0).await })
            })
            .collect();
        let mut counts = Vec::new();
        for counted in counting {
            counts.push(counted.await.unwrap().unwrap());
        }
        for key in &keys {
            let mut seen: Vec<u32> = counts
                .iter()
                .map(|counters| counters.iter().find(|c| &c.key == key).unwrap().checking)
                .collect();
            seen.sort_unstable();
            assert_eq!(
                seen,
                (1..=AT_ONCE).collect::<Vec<_>>(),
                "{key}, round {round}"
            );
        }
        let taking_back: Vec<_> = (0..AT_ONCE)
            .map(|_| {
                let (store, keys) = (t.store.clone(), keys.clone());
                tokio::spawn(async move { store.remove_checks(&keys, &[], now + 1, 0).await })
            })
            .collect();
        for taken_back in taking_back {
            taken_back.await.unwrap().unwrap();
        }
        assert!(read(&t, &keys).await.iter().all(|c| c.checking == 0));
    }
}
