//! The audit log in the store, chained through the one-row `audit_head`,
//! whose lock orders appends from every task and instance.
//!
//! One chainer task per store holds that lock, briefly, for everyone:
//! - an act recorded in a transaction of its own (a decision, a forwarding,
//!   a hold) writes its entry to `audit_pending` in that transaction
//!   ([`append_in`]), so the two commit together or not at all and the act
//!   takes no shared lock; the chainer is woken after the commit;
//! - entries that stand alone (views, sign-ins, sweeps) are handed to the
//!   chainer ([`Store::audit`]), which resolves once they are chained;
//! - the chainer appends all those waiting, and everything pending, in one
//!   transaction: the head locked once, the disk flushed once for many. It
//!   also looks every [`SWEEP`] for entries another instance left pending.
//!
//! Readers of the log ([`Store::audit_entries`], [`Store::audit_verify`], ...)
//! chain what is pending first, so they see every act committed before.

use super::{millis, Result, Store, StoreError};
use crate::audit::{chain_hash, Entry, Event, Head};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, Row, Transaction};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, Notify};

/// Stand-alone entries appended in one transaction at most.
const MAX_BATCH: usize = 256;

/// Pending entries chained in one transaction at most.
const PENDING_PAGE: i64 = 1000;

/// How often the chainer looks for pending entries nobody woke it for.
pub const SWEEP: Duration = Duration::from_secs(1);

struct Job {
    event: Event,
    at: DateTime<Utc>,
    reply: oneshot::Sender<Result<i64>>,
}

/// The chainer; cheap to clone. Its task ends when the last handle is dropped.
#[derive(Clone)]
pub(crate) struct AuditQueue {
    tx: mpsc::Sender<Job>,
    wake: Arc<Notify>,
}

impl AuditQueue {
    pub(crate) fn start(pool: AnyPool) -> AuditQueue {
        let (tx, rx) = mpsc::channel(MAX_BATCH * 4);
        let wake = Arc::new(Notify::new());
        tokio::spawn(chainer(pool, rx, wake.clone()));
        AuditQueue { tx, wake }
    }

    async fn append(&self, event: Event, at: DateTime<Utc>) -> Result<i64> {
        let (reply, answer) = oneshot::channel();
        self.tx.send(Job { event, at, reply }).await.map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// Entries were committed to `audit_pending`: chain them soon.
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }
}

async fn chainer(pool: AnyPool, mut rx: mpsc::Receiver<Job>, wake: Arc<Notify>) {
    loop {
        let jobs = tokio::select! {
            job = rx.recv() => match job {
                Some(first) => super::take_batch(first, &mut rx, MAX_BATCH, usize::MAX, |_| 1),
                None => break,
            },
            _ = wake.notified() => Vec::new(),
            _ = tokio::time::sleep(SWEEP) => Vec::new(),
        };
        let events: Vec<(&Event, DateTime<Utc>)> = jobs.iter().map(|j| (&j.event, j.at)).collect();
        match chain(&pool, &events).await {
            Ok((seqs, pending)) => {
                for (job, seq) in jobs.into_iter().zip(seqs) {
                    let _ = job.reply.send(Ok(seq));
                }
                if pending as i64 == PENDING_PAGE {
                    wake.notify_one(); // more than a page waits
                }
            }
            Err(e) if jobs.len() > 1 => {
                tracing::warn!(entries = jobs.len(), error = %e, "audit entries not appended together; one by one");
                for job in jobs {
                    let r = chain(&pool, &[(&job.event, job.at)]).await.map(|(s, _)| s[0]);
                    let _ = job.reply.send(r);
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "audit entries not chained");
                // Pending entries stay pending and are tried again on the next round.
                if let Some(job) = jobs.into_iter().next() {
                    let _ = job.reply.send(Err(e));
                }
            }
        }
    }
}

/// In one transaction: append `events`, then up to a page of pending
/// entries, in that order. Returns the events' numbers and how many pending
/// entries were chained.
async fn chain(pool: &AnyPool, events: &[(&Event, DateTime<Utc>)]) -> Result<(Vec<i64>, usize)> {
    let mut tx = pool.begin().await?;
    // The lock every append takes first; returns the head after whoever held it.
    let head = sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut *tx)
        .await?;
    let mut tail: (i64, String) = (head.try_get("seq")?, head.try_get("hash")?);
    let mut seqs = Vec::with_capacity(events.len());
    for (e, at) in events {
        seqs.push(append_chained(&mut tx, &mut tail, &Row5::of(e, millis(*at))).await?);
    }
    let pending = sqlx::query("SELECT id, at, actor, role, action, object, detail FROM audit_pending ORDER BY id LIMIT $1")
        .bind(PENDING_PAGE)
        .fetch_all(&mut *tx)
        .await?;
    for r in &pending {
        let row = Row5 {
            at: r.try_get("at")?,
            actor: r.try_get("actor")?,
            role: r.try_get("role")?,
            action: r.try_get("action")?,
            object: r.try_get("object")?,
            detail: r.try_get("detail")?,
        };
        append_chained(&mut tx, &mut tail, &row).await?;
        // By id: a row committed since the SELECT must wait for the next round.
        sqlx::query("DELETE FROM audit_pending WHERE id = $1")
            .bind(r.try_get::<i64, _>("id")?)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(tail.0)
        .bind(&tail.1)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok((seqs, pending.len()))
}

/// An entry's fields before it is chained.
struct Row5 {
    at: i64,
    actor: String,
    role: String,
    action: String,
    object: String,
    detail: String,
}

impl Row5 {
    fn of(e: &Event, at: i64) -> Row5 {
        Row5 {
            at,
            actor: e.actor.clone(),
            role: e.role.clone(),
            action: e.action.clone(),
            object: e.object.clone(),
            detail: e.detail.to_string(),
        }
    }
}

/// Append one entry after `tail` (the head's number and hash), moving it on.
async fn append_chained(tx: &mut Transaction<'_, Any>, tail: &mut (i64, String), r: &Row5) -> Result<i64> {
    let seq = tail.0 + 1;
    let hash = chain_hash(&tail.1, seq, r.at, &r.actor, &r.role, &r.action, &r.object, &r.detail);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, role, action, object, detail, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(seq)
    .bind(r.at)
    .bind(&r.actor)
    .bind(&r.role)
    .bind(&r.action)
    .bind(&r.object)
    .bind(&r.detail)
    .bind(&tail.1)
    .bind(&hash)
    .execute(&mut **tx)
    .await?;
    *tail = (seq, hash);
    Ok(seq)
}

/// Record `e` at `at` inside `tx`, the transaction of the act it records:
/// it commits (or not) with the act and is chained just after. Call
/// [`Store::audit_wake`] once `tx` is committed.
pub(crate) async fn append_in(tx: &mut Transaction<'_, Any>, e: &Event, at: DateTime<Utc>) -> Result<()> {
    let r = Row5::of(e, millis(at));
    sqlx::query(
        "INSERT INTO audit_pending (at, actor, role, action, object, detail) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(r.at)
    .bind(&r.actor)
    .bind(&r.role)
    .bind(&r.action)
    .bind(&r.object)
    .bind(&r.detail)
    .execute(&mut **tx)
    .await?;
    Ok(())
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
    /// Record `e` on its own; resolves once it is chained and committed.
    pub async fn audit(&self, e: &Event, at: DateTime<Utc>) -> Result<i64> {
        self.audit.append(e.clone(), at).await
    }

    /// Entries were committed to `audit_pending` ([`append_in`]).
    pub(crate) fn audit_wake(&self) {
        self.audit.wake();
    }

    /// Chain every entry pending now (readers call this first).
    pub async fn audit_flush(&self) -> Result<()> {
        while chain(self.pool(), &[]).await?.1 as i64 == PENDING_PAGE {}
        Ok(())
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
        self.audit_flush().await?;
        let rows = sqlx::query(&format!("SELECT {ENTRY_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"))
            .bind(after)
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(entry).collect()
    }

    /// The newest entries first, at most `limit`, before `before` when given.
    pub async fn audit_recent(&self, before: Option<i64>, limit: i64) -> Result<Vec<Entry>> {
        self.audit_flush().await?;
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
        self.audit_flush().await?;
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
