//! Tests of the hasher: hashes, verification, the threads and the queue.

use super::*;

const LIMITS: QueueLimits = QueueLimits {
    total: 64,
    per_source: 8,
};

#[tokio::test]
async fn a_hash_verifies_its_password_only() {
    let hasher = PasswordHasher::new(2, LIMITS).unwrap();
    let password = Password::new("correct horse battery".into()).unwrap();
    let hash = hasher.hash(&password, None).await.unwrap();
    assert!(hash.starts_with("$argon2id$v=19$m=12288,t=3,p=1$"));
    assert!(hasher.verify(&password, Some(&hash), None).await.unwrap());
    let wrong = Password::for_login("wrong horse battery".into());
    assert!(!hasher.verify(&wrong, Some(&hash), None).await.unwrap());
}

#[tokio::test]
async fn hashes_made_by_the_argon2_crate_still_verify() {
    use argon2::password_hash::{PasswordHasher as _, SaltString};
    let salt = SaltString::encode_b64(b"sixteen byte slt").unwrap();
    let stored = Argon2::default()
        .hash_password(b"correct horse battery", &salt)
        .unwrap()
        .to_string();
    let hasher = PasswordHasher::new(1, LIMITS).unwrap();
    let right = Password::for_login("correct horse battery".into());
    assert!(hasher.verify(&right, Some(&stored), None).await.unwrap());
    let wrong = Password::for_login("correct horse battery!".into());
    assert!(!hasher.verify(&wrong, Some(&stored), None).await.unwrap());
    assert!(
        hasher
            .verify(&right, Some("$argon2id$garbage"), None)
            .await
            .is_err()
    );
}

#[test]
fn a_hash_made_with_more_memory_does_not_grow_the_threads_memory() {
    let mut memory = Memory::new();
    let own = params().unwrap();
    with_memory(&mut memory, &own, |blocks| {
        assert_eq!(blocks.len(), own.block_count())
    });
    let older = Params::new(19_456, 2, 1, None).unwrap();
    with_memory(&mut memory, &older, |blocks| {
        assert_eq!(blocks.len(), older.block_count())
    });
    assert_eq!(memory.len(), own.block_count(), "kept at today's size");
}

#[cfg(target_os = "linux")]
#[test]
fn hashing_threads_run_at_idle_priority() {
    use thread_priority::unix::{NormalThreadSchedulePolicy, ThreadSchedulePolicy};
    let policy = std::thread::spawn(|| {
        lower_priority();
        thread_priority::unix::thread_schedule_policy().unwrap()
    })
    .join()
    .unwrap();
    let idle = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle);
    assert_eq!(policy, idle);
}

/// A job whose caller went away before its turn (the request was dropped) is not
/// run; one refused by a full queue is answered at once.
#[tokio::test]
async fn abandoned_jobs_are_skipped_and_a_full_queue_answers_busy() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let hasher = PasswordHasher::new(
        1,
        QueueLimits {
            total: 2,
            per_source: 2,
        },
    )
    .unwrap();
    // Hold the only thread until told.
    let (release, hold) = std::sync::mpsc::channel::<()>();
    let held = {
        let hasher = hasher.clone();
        tokio::spawn(async move {
            hasher
                .run(None, move |_| {
                    let _ = hold.recv();
                    Ok(())
                })
                .await
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let runs = Arc::new(AtomicUsize::new(0));
    let counted = |runs: &Arc<AtomicUsize>| {
        let runs = Arc::clone(runs);
        move |_: &mut Memory| {
            runs.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    };
    // Queued, then dropped by its caller.
    let abandoned = hasher.run(None, counted(&runs));
    assert!(
        tokio::time::timeout(std::time::Duration::ZERO, abandoned)
            .await
            .is_err()
    );
    let kept = {
        let (hasher, job) = (hasher.clone(), counted(&runs));
        tokio::spawn(async move { hasher.run(None, job).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    // Two waiting (the abandoned one still holds its place): full.
    let refused = hasher.run(None, counted(&runs)).await;
    assert!(
        matches!(refused, Err(Error::Busy { retry_after: 1, .. })),
        "{refused:?}"
    );
    release.send(()).unwrap();
    held.await.unwrap().unwrap();
    kept.await.unwrap().unwrap();
    assert_eq!(runs.load(Ordering::SeqCst), 1, "only the kept job ran");
}

#[tokio::test]
async fn an_unknown_account_never_verifies() {
    let hasher = PasswordHasher::new(1, LIMITS).unwrap();
    let password = Password::for_login("latchkey dummy password, never matches".into());
    assert!(!hasher.verify(&password, None, None).await.unwrap());
}
