//! SQLite only: what the writer leaves in the WAL reaches the database file by itself.

use std::time::Duration;

use latchkey_testkit::Backend;

use crate::TestStore;
use crate::rotation::rotating_sessions;

/// The writer does not checkpoint before 1,000 WAL pages (100 sessions, one transaction
/// each, stay well under), so the database file grows only if the checkpointer copies
/// the new pages into it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn committed_pages_are_checkpointed_into_the_database_file_by_themselves() {
    let test = TestStore::open(Backend::Sqlite).await;
    let file = test.database.sqlite_file().unwrap().to_owned();
    let size = || std::fs::metadata(&file).unwrap().len();
    let before = size();
    rotating_sessions(test.store.as_ref(), 100).await;
    let mut after = size();
    for _ in 0..50 {
        if after > before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        after = size();
    }
    assert!(
        after > before,
        "the database file stayed at {before} bytes after 100 sessions"
    );
}
