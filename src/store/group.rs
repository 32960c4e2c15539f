//! Group commit. Every source hands its screened messages to one writer
//! task, which records all that are waiting in one transaction: one disk
//! flush for many messages, instead of one each. A message is acknowledged
//! (file deleted, `202`, offset stored) only when the transaction holding
//! it is committed, so the exactly-once rule is unchanged.
//!
//! If a batch fails, its messages are tried again one by one, so one
//! message the database refuses costs only itself.

use super::{Ingested, Recorded, Result, Store, StoreError};
use tokio::sync::{mpsc, oneshot};

/// Messages in one transaction at most.
pub const MAX_BATCH: usize = 64;
/// Passengers in one transaction at most (a batch stops growing past it).
pub const MAX_BATCH_PASSENGERS: usize = 20_000;

struct Job {
    item: Ingested,
    reply: oneshot::Sender<Result<Recorded>>,
}

/// A handle on the writer task; cheap to clone. The task ends when the
/// last handle is dropped.
#[derive(Clone)]
pub struct GroupCommit {
    tx: mpsc::Sender<Job>,
}

impl GroupCommit {
    /// Start the writer task on the current tokio runtime.
    pub fn start(store: Store) -> GroupCommit {
        let (tx, rx) = mpsc::channel(MAX_BATCH * 4);
        tokio::spawn(write(store, rx));
        GroupCommit { tx }
    }

    /// Record `item` in the next transaction; resolves once it is committed.
    pub async fn record(&self, item: Ingested) -> Result<Recorded> {
        self.submit(item).await?.wait().await
    }

    /// Hand `item` to the writer; the answer comes later, so a caller can
    /// hand over several before waiting for any.
    pub async fn submit(&self, item: Ingested) -> Result<Pending> {
        let (reply, answer) = oneshot::channel();
        self.tx.send(Job { item, reply }).await.map_err(|_| StoreError::Closed)?;
        Ok(Pending(answer))
    }
}

/// A message handed to the writer, not yet known to be committed.
pub struct Pending(oneshot::Receiver<Result<Recorded>>);

impl Pending {
    /// Resolves once the transaction holding the message is committed.
    pub async fn wait(self) -> Result<Recorded> {
        self.0.await.map_err(|_| StoreError::Closed)?
    }
}

async fn write(store: Store, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.recv().await {
        let mut jobs =
            super::take_batch(first, &mut rx, MAX_BATCH, MAX_BATCH_PASSENGERS, |j| j.item.message.passengers.len());
        let items: Vec<&Ingested> = jobs.iter().map(|j| &j.item).collect();
        match store.record_all(&items).await {
            Ok(results) => {
                for (job, r) in jobs.into_iter().zip(results) {
                    let _ = job.reply.send(Ok(r));
                }
            }
            Err(e) if jobs.len() == 1 => {
                let _ = jobs.pop().expect("one job").reply.send(Err(e));
            }
            Err(e) => {
                tracing::warn!(messages = jobs.len(), error = %e, "batch not recorded; recording its messages one by one");
                for job in jobs {
                    let r = store.record(&job.item).await;
                    let _ = job.reply.send(r);
                }
            }
        }
    }
}
