//! Group commit: many concurrent writes of one kind written in one transaction.
//!
//! Every client-credentials grant inserts a refresh session, and every refresh of a
//! rotating session moves it to its next generation. One transaction per write spends
//! most of its time on the commit (SQLite's WAL frames and locks, PostgreSQL's WAL
//! flush, ≈ 3 ms of fsync here) and, for SQLite, on the hops to its single writer
//! thread. A [`Batcher`] takes what is queued when its writer comes free (up to
//! [`MAX_BATCH`] rows), writes them in one transaction, and answers each caller with its
//! own result only after the commit, so an acknowledged write is as durable as before.
//! Under light load a batch is a single row and nothing waits.

use std::future::Future;

use latchkey_core::StoreError;
use tokio::sync::{mpsc, oneshot};

/// Most rows in one batch (13 bind parameters each stays well under both backends'
/// limits).
pub(crate) const MAX_BATCH: usize = 256;

type Ack<R> = oneshot::Sender<Result<R, StoreError>>;

/// Queues rows for a writer task that writes them in batches; each row's caller gets
/// the `R` the write gave for that row.
#[derive(Debug)]
pub(crate) struct Batcher<T, R = ()> {
    queue: mpsc::Sender<(T, Ack<R>)>,
}

impl<T, R> Clone for Batcher<T, R> {
    fn clone(&self) -> Self {
        Self {
            queue: self.queue.clone(),
        }
    }
}

impl<T: Clone + Send + 'static, R: Send + 'static> Batcher<T, R> {
    /// Starts the writer task. `write` writes a non-empty batch in one transaction, in
    /// order, and returns one result per row, in the same order.
    pub(crate) fn spawn<W, F>(write: W) -> Self
    where
        W: Fn(Vec<T>) -> F + Send + Sync + 'static,
        F: Future<Output = Result<Vec<R>, StoreError>> + Send,
    {
        let (queue, mut pending) = mpsc::channel::<(T, Ack<R>)>(MAX_BATCH * 4);
        tokio::spawn(async move {
            while let Some(first) = pending.recv().await {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match pending.try_recv() {
                        Ok(next) => batch.push(next),
                        Err(_) => break,
                    }
                }
                let (rows, acks): (Vec<T>, Vec<Ack<R>>) = batch.into_iter().unzip();
                if acks.len() == 1 {
                    one_by_one(&write, rows, acks).await;
                    continue;
                }
                match write(rows.clone()).await {
                    Ok(results) if results.len() == acks.len() => {
                        for (result, ack) in results.into_iter().zip(acks) {
                            let _ = ack.send(Ok(result));
                        }
                    }
                    Ok(results) => {
                        let cause = format!("{} results for {} rows", results.len(), acks.len());
                        for ack in acks {
                            let _ = ack.send(Err(StoreError::Other(anyhow::anyhow!("{cause}"))));
                        }
                    }
                    // The database is away: every caller gets that answer at once.
                    Err(StoreError::Unavailable(cause)) => {
                        for ack in acks {
                            let cause = anyhow::anyhow!("{cause:#}");
                            let _ = ack.send(Err(StoreError::Unavailable(cause)));
                        }
                    }
                    // One row was refused (the transaction was rolled back): each on its
                    // own, in the same order, so that it fails alone.
                    Err(_) => one_by_one(&write, rows, acks).await,
                }
            }
        });
        Self { queue }
    }

    /// Writes `row` with the next batch; returns its result once that batch is committed.
    pub(crate) async fn submit(&self, row: T) -> Result<R, StoreError> {
        let (ack, done) = oneshot::channel();
        let closed = || StoreError::Unavailable(anyhow::anyhow!("a batch writer stopped"));
        self.queue.send((row, ack)).await.map_err(|_| closed())?;
        done.await.map_err(|_| closed())?
    }
}

/// Writes each row in its own transaction and answers its caller.
async fn one_by_one<T, R, W, F>(write: &W, rows: Vec<T>, acks: Vec<Ack<R>>)
where
    W: Fn(Vec<T>) -> F,
    F: Future<Output = Result<Vec<R>, StoreError>>,
{
    for (row, ack) in rows.into_iter().zip(acks) {
        let result = write(vec![row]).await.and_then(|results| {
            results
                .into_iter()
                .next()
                .ok_or_else(|| StoreError::Other(anyhow::anyhow!("no result for the row")))
        });
        let _ = ack.send(result);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// A batch holding a refused row is rolled back and its rows written one by one: the
    /// refused row fails alone, every other caller gets its own result.
    #[tokio::test]
    async fn a_refused_row_fails_alone_and_the_others_get_their_own_results() {
        let batches = Arc::new(Mutex::new(Vec::new()));
        let seen = batches.clone();
        let batcher = Batcher::spawn(move |rows: Vec<u32>| {
            seen.lock().unwrap().push(rows.len());
            let refused = rows.contains(&7);
            async move {
                if refused {
                    return Err(StoreError::Other(anyhow::anyhow!("row 7 refused")));
                }
                Ok(rows.into_iter().map(|n| n * 10).collect())
            }
        });
        let callers: Vec<_> = (0..20)
            .map(|n| {
                let batcher = batcher.clone();
                tokio::spawn(async move { batcher.submit(n).await })
            })
            .collect();
        for (n, caller) in (0..20).zip(callers) {
            match caller.await.unwrap() {
                Ok(result) => assert_eq!(result, n * 10),
                Err(StoreError::Other(_)) => assert_eq!(n, 7),
                Err(other) => panic!("row {n}: {other:?}"),
            }
        }
        assert!(batches.lock().unwrap().iter().any(|&len| len > 1));
    }
}
