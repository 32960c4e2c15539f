//! The audit log in the store: appended inside the transaction of the act
//! it records (a decision and its entry commit together or not at all),
//! chained through the one-row `audit_head`, whose lock also orders appends
//! from several instances. Entries that stand alone (views, sign-ins,
//! sweeps) go through one writer task that appends all those waiting in one
//! transaction: the head is locked once and the disk flushed once for many.

use super::{millis, Result, Store, StoreError};
use crate::audit::{chain_hash, Entry, Event, Head};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, Row, Transaction};
use tokio::sync::{mpsc, oneshot};

/// Stand-alone entries appended in one transaction at most.
const MAX_BATCH: usize = 256;

struct Job {
    event: Event,
    at: DateTime<Utc>,
    reply: oneshot::Sender<Result<i64>>,
}

/// The writer of stand-alone entries; cheap to clone. Its task ends when
/// the last handle is dropped.
#[derive(Clone)]
pub(crate) struct AuditQueue {
    tx: mpsc::Sender<Job>,
}

impl AuditQueue {
    pub(crate) fn start(pool: AnyPool) -> AuditQueue {
        let (tx, rx) = mpsc::channel(MAX_BATCH * 4);
        tokio::spawn(write(pool, rx));
        AuditQueue { tx }
    }

    async fn append(&self, event: Event, at: DateTime<Utc>) -> Result<i64> {
        let (reply, answer) = oneshot::channel();
        self.tx.send(Job { event, at, reply }).await.map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }
}

async fn write(pool: AnyPool, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.recv().await {
        let jobs = super::take_batch(first, &mut rx, MAX_BATCH, usize::MAX, |_| 1);
        match append_all(&pool, &jobs).await {
            Ok(seqs) => {
                for (job, seq) in jobs.into_iter().zip(seqs) {
                    let _ = job.reply.send(Ok(seq));
                }
            }
            Err(e) => {
                tracing::warn!(entries = jobs.len(), error = %e, "audit entries not appended together; one by one");
                for job in jobs {
                    let r = append_all(&pool, std::slice::from_ref(&job)).await.map(|s| s[0]);
                    let _ = job.reply.send(r);
                }
            }
        }
    }
}

async fn append_all(pool: &AnyPool, jobs: &[Job]) -> Result<Vec<i64>> {
    let mut tx = pool.begin().await?;
    let mut seqs = Vec::with_capacity(jobs.len());
    for j in jobs {
        seqs.push(append_in(&mut tx, &j.event, j.at).await?);
    }
    tx.commit().await?;
    Ok(seqs)
}

/// Append `e` at `at` inside `tx`; returns its number.
pub(crate) async fn append_in(tx: &mut Transaction<'_, Any>, e: &Event, at: DateTime<Utc>) -> Result<i64> {
    let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut **tx)
        .await?;
    let (seq, prev): (i64, String) = (head.try_get("seq")?, head.try_get("hash")?);
    let at = millis(at);
    let detail = e.detail.to_string();
    let hash = chain_hash(&prev, seq, at, &e.actor, &e.role, &e.action, &e.object, &detail);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, role, action, object, detail, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(seq)
    .bind(at)
    .bind(&e.actor)
    .bind(&e.role)
    .bind(&e.action)
    .bind(&e.object)
    .bind(&detail)
    .bind(&prev)
    .bind(&hash)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(&hash).execute(&mut **tx).await?;
    Ok(seq)
}

fn entry(r: &AnyRow) -> Result<Entry> {
    Ok(Entry {
        seq: r.try_get("seq")?,
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        role: r.try_get("role")?,
        action: r.try_get("action")?,
        object: r.try_get("object")?,
        detail: r.try_get("detail")?,
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}

const ENTRY_COLUMNS: &str = "seq, at, actor, role, action, object, detail, prev_hash, hash";

impl Store {
    /// Record `e` on its own; resolves once it is committed.
    pub async fn audit(&self, e: &Event, at: DateTime<Utc>) -> Result<i64> {
        self.audit.append(e.clone(), at).await
    }

    pub async fn audit_head(&self) -> Result<Head> {
        let r = sqlx::query("SELECT seq, hash, base_seq, base_hash FROM audit_head WHERE id = 1")
            .fetch_one(self.pool())
            .await?;
        Ok(Head {
            base_seq: r.try_get("base_seq")?,
            base_hash: r.try_get("base_hash")?,
            seq: r.try_get("seq")?,
            hash: r.try_get("hash")?,
        })
    }

    /// Entries after `after`, oldest first, at most `limit`.
    pub async fn audit_entries(&self, after: i64, limit: i64) -> Result<Vec<Entry>> {
        let rows = sqlx::query(&format!("SELECT {ENTRY_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"))
            .bind(after)
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(entry).collect()
    }

    /// The newest entries first, at most `limit`, before `before` when given.
    pub async fn audit_recent(&self, before: Option<i64>, limit: i64) -> Result<Vec<Entry>> {
        let rows =
            sqlx::query(&format!("SELECT {ENTRY_COLUMNS} FROM audit_log WHERE seq < $1 ORDER BY seq DESC LIMIT $2"))
                .bind(before.unwrap_or(i64::MAX))
                .bind(limit)
                .fetch_all(self.pool())
                .await?;
        rows.iter().map(entry).collect()
    }

    /// Check the whole chain up to the head as read now, a page at a time
    /// (entries appended meanwhile are left for the next check).
    pub async fn audit_verify(&self) -> Result<std::result::Result<u64, crate::audit::Broken>> {
        let head = self.audit_head().await?;
        let mut v = crate::audit::Verifier::new(&head);
        let mut after = head.base_seq;
        while after < head.seq {
            let page = sqlx::query(&format!(
                "SELECT {ENTRY_COLUMNS} FROM audit_log WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT 10000"
            ))
            .bind(after)
            .bind(head.seq)
            .fetch_all(self.pool())
            .await?;
            let Some(last) = page.last() else { break };
            after = last.try_get("seq")?;
            // Entries are read in seq order; a row whose seq was changed shows as a gap or a break.
            for r in &page {
                if let Err(broken) = v.feed(&entry(r)?) {
                    return Ok(Err(broken));
                }
            }
        }
        Ok(v.finish())
    }

    /// Remove entries older than `before` from the front of the chain; the
    /// last removed becomes the base verification starts from.
    pub async fn audit_prune(&self, before: DateTime<Utc>) -> Result<u64> {
        let mut tx = self.pool().begin().await?;
        // Lock the head first, as appends do.
        sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1").execute(&mut *tx).await?;
        let last = sqlx::query("SELECT seq, hash FROM audit_log WHERE at < $1 ORDER BY seq DESC LIMIT 1")
            .bind(millis(before))
            .fetch_optional(&mut *tx)
            .await?;
        let Some(last) = last else {
            tx.rollback().await?;
            return Ok(0);
        };
        let (seq, hash): (i64, String) = (last.try_get("seq")?, last.try_get("hash")?);
        let n = sqlx::query("DELETE FROM audit_log WHERE seq <= $1").bind(seq).execute(&mut *tx).await?.rows_affected();
        sqlx::query("UPDATE audit_head SET base_seq = $1, base_hash = $2 WHERE id = 1")
            .bind(seq)
            .bind(&hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(n)
    }
}
