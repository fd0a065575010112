//! Group commit: many concurrent inserts of one kind of row written by one statement in
//! one transaction.
//!
//! Every client-credentials grant inserts a refresh session. One transaction per session
//! spends most of its time on the commit (SQLite's WAL frames and locks, PostgreSQL's
//! WAL flush, ≈ 3 ms of fsync here) and, for SQLite, on the hops to its single writer
//! thread. A [`Batcher`] takes what is queued when its writer comes free (up to
//! [`MAX_BATCH`] rows), writes them with one multi-row `INSERT`, and answers each caller
//! only after the commit, so an acknowledged session is as durable as before. Under
//! light load a batch is a single row and nothing waits.

use std::future::Future;

use latchkey_core::StoreError;
use tokio::sync::{mpsc, oneshot};

/// Most rows in one batch (13 bind parameters each stays well under both backends'
/// limits).
pub(crate) const MAX_BATCH: usize = 256;

type Ack = oneshot::Sender<Result<(), StoreError>>;

/// Queues rows for a writer task that inserts them in batches.
#[derive(Debug, Clone)]
pub(crate) struct Batcher<T> {
    queue: mpsc::Sender<(T, Ack)>,
}

impl<T: Clone + Send + 'static> Batcher<T> {
    /// Starts the writer task; `write` inserts a non-empty batch in one transaction.
    pub(crate) fn spawn<W, F>(write: W) -> Self
    where
        W: Fn(Vec<T>) -> F + Send + 'static,
        F: Future<Output = Result<(), StoreError>> + Send,
    {
        let (queue, mut pending) = mpsc::channel::<(T, Ack)>(MAX_BATCH * 4);
        tokio::spawn(async move {
            while let Some(first) = pending.recv().await {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match pending.try_recv() {
                        Ok(next) => batch.push(next),
                        Err(_) => break,
                    }
                }
                let (rows, acks): (Vec<T>, Vec<Ack>) = batch.into_iter().unzip();
                if acks.len() == 1 {
                    let row = rows.into_iter().next();
                    for (row, ack) in row.into_iter().zip(acks) {
                        let _ = ack.send(write(vec![row]).await);
                    }
                    continue;
                }
                match write(rows.clone()).await {
                    Ok(()) => {
                        for ack in acks {
                            let _ = ack.send(Ok(()));
                        }
                    }
                    // The database is away: every caller gets that answer at once.
                    Err(StoreError::Unavailable(cause)) => {
                        for ack in acks {
                            let cause = anyhow::anyhow!("{cause:#}");
                            let _ = ack.send(Err(StoreError::Unavailable(cause)));
                        }
                    }
                    // One row was refused: each on its own, so that it fails alone.
                    Err(_) => {
                        for (row, ack) in rows.into_iter().zip(acks) {
                            let _ = ack.send(write(vec![row]).await);
                        }
                    }
                }
            }
        });
        Self { queue }
    }

    /// Inserts `row` with the next batch; returns once that batch is committed.
    pub(crate) async fn insert(&self, row: T) -> Result<(), StoreError> {
        let (ack, done) = oneshot::channel();
        let closed = || StoreError::Unavailable(anyhow::anyhow!("the session writer stopped"));
        self.queue.send((row, ack)).await.map_err(|_| closed())?;
        done.await.map_err(|_| closed())?
    }
}
