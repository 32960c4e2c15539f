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
//! Pending entries go before the stand-alone ones of the same round (their
//! acts committed first); a round that fails is retried with the two apart,
//! and while chaining fails `/readyz` says so ([`Store::audit_failing`]).
//! `audit_pending` refuses `UPDATE` like the log; an entry is unchained only
//! between its act's commit and the next round.

use super::{millis, values, Backend, Result, Store, StoreError};
use crate::audit::{chain_hash, Entry, Event, Head};
use chrono::{DateTime, Utc};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
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

/// The chainer; cheap to clone. Its task ends when the last handle is
/// dropped, after chaining what is pending.
#[derive(Clone)]
pub(crate) struct AuditQueue {
    tx: mpsc::Sender<Job>,
    wake: Arc<Notify>,
    /// Why the last round failed, until one succeeds (`/readyz` shows it).
    failing: Arc<std::sync::Mutex<Option<String>>>,
}

impl AuditQueue {
    pub(crate) fn start(db: Db) -> AuditQueue {
        let (tx, rx) = mpsc::channel(MAX_BATCH * 4);
        let q = AuditQueue { tx, wake: Arc::new(Notify::new()), failing: Default::default() };
        tokio::spawn(chainer(db, rx, q.wake.clone(), q.failing.clone()));
        q
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

type Failing = Arc<std::sync::Mutex<Option<String>>>;

/// What the chainer writes with (not a [`Store`]: the task must not keep
/// its own queue alive).
#[derive(Clone)]
pub(crate) struct Db {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
}

async fn chainer(db: Db, mut rx: mpsc::Receiver<Job>, wake: Arc<Notify>, failing: Failing) {
    loop {
        let jobs = tokio::select! {
            job = rx.recv() => match job {
                Some(first) => super::take_batch(first, &mut rx, MAX_BATCH, usize::MAX, |_| 1),
                None => break,
            },
            _ = wake.notified() => Vec::new(),
            _ = tokio::time::sleep(SWEEP) => Vec::new(),
        };
        if jobs.is_empty() && !has_pending(&db.pool).await.unwrap_or(true) {
            continue;
        }
        let ok = round(&db, jobs, &wake).await;
        *failing.lock().unwrap_or_else(|e| e.into_inner()) = ok.err();
    }
    // The last handle is gone: leave nothing pending that can be chained now.
    if let Err(e) = flush(&db).await {
        tracing::warn!(error = %e, "audit entries left pending at shutdown; the next start chains them");
    }
}

/// Chain what is pending, then `jobs`, in one transaction; on failure each
/// apart, so neither holds the other back. `Err` names a failure.
async fn round(db: &Db, jobs: Vec<Job>, wake: &Notify) -> std::result::Result<(), String> {
    let events: Vec<(&Event, DateTime<Utc>)> = jobs.iter().map(|j| (&j.event, j.at)).collect();
    let e = match chain(db, &events, true).await {
        Ok((seqs, pending)) => {
            for (job, seq) in jobs.into_iter().zip(seqs) {
                let _ = job.reply.send(Ok(seq));
            }
            if pending as i64 == PENDING_PAGE {
                wake.notify_one(); // more than a page waits
            }
            return Ok(());
        }
        Err(e) => e.to_string(),
    };
    tracing::warn!(entries = jobs.len(), error = %e, "audit entries not chained together; apart");
    let mut failed = chain(db, &[], true).await.err().map(|e| format!("pending entries: {e}"));
    for job in jobs {
        let r = chain(db, &[(&job.event, job.at)], false).await.map(|(s, _)| s[0]);
        if let Err(e) = &r {
            failed.get_or_insert_with(|| format!("entries: {e}"));
        }
        let _ = job.reply.send(r);
    }
    if let Some(f) = &failed {
        tracing::error!(error = %f, "audit entries cannot be chained");
    }
    failed.map_or(Ok(()), Err)
}

async fn has_pending(pool: &AnyPool) -> Result<bool> {
    Ok(sqlx::query("SELECT 1 FROM audit_pending LIMIT 1").fetch_optional(pool).await?.is_some())
}

/// Chain everything pending now (a bounded number of pages).
async fn flush(db: &Db) -> Result<()> {
    for _ in 0..100 {
        if !has_pending(&db.pool).await? || (chain(db, &[], true).await?.1 as i64) < PENDING_PAGE {
            break;
        }
    }
    Ok(())
}

/// In one transaction: up to a page of pending entries (when `pending`),
/// then `events`. Pending entries go first: their acts committed before
/// these events were handed over (a user's creation before their sign-in).
/// Returns the events' numbers and how many pending entries were chained.
async fn chain(db: &Db, events: &[(&Event, DateTime<Utc>)], pending: bool) -> Result<(Vec<i64>, usize)> {
    let mut tx = db.pool.begin().await?;
    // The lock every append takes first; returns the head after whoever held it.
    let head =
        sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash").fetch_one(&mut *tx).await?;
    let mut tail: (i64, String) = (head.try_get("seq")?, head.try_get("hash")?);
    let rows = if pending {
        sqlx::query("SELECT id, at, actor, role, action, object, detail FROM audit_pending ORDER BY id LIMIT $1")
            .bind(PENDING_PAGE)
            .fetch_all(&mut *tx)
            .await?
    } else {
        Vec::new()
    };
    if !rows.is_empty() {
        // By id: a row committed since the SELECT waits for the next round.
        let sql = format!("DELETE FROM audit_pending WHERE id IN {}", values(db.backend, 1, rows.len()));
        let mut q = sqlx::query(&sql);
        for r in &rows {
            q = q.bind(r.try_get::<i64, _>("id")?);
        }
        if q.execute(&mut *tx).await?.rows_affected() != rows.len() as u64 {
            // Someone else took one, which the head lock rules out: chain nothing.
            return Err(sqlx::Error::RowNotFound.into());
        }
    }
    let mut entries = rows.iter().map(Fields::read).collect::<Result<Vec<_>>>()?;
    entries.extend(events.iter().map(|(e, at)| Fields::of(e, millis(*at))));
    let seqs = append_chained(&mut tx, db.backend, &mut tail, &entries).await?;
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(tail.0)
        .bind(&tail.1)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok((seqs[rows.len()..].to_vec(), rows.len()))
}

/// An entry's fields before it is chained.
struct Fields {
    at: i64,
    actor: String,
    role: String,
    action: String,
    object: String,
    detail: String,
}

impl Fields {
    fn read(r: &AnyRow) -> Result<Fields> {
        Ok(Fields {
            at: r.try_get("at")?,
            actor: r.try_get("actor")?,
            role: r.try_get("role")?,
            action: r.try_get("action")?,
            object: r.try_get("object")?,
            detail: r.try_get("detail")?,
        })
    }

    /// Bind the fields, in their order, to the next six parameters.
    fn bind<'q>(&'q self, q: Query<'q, Any, AnyArguments<'q>>) -> Query<'q, Any, AnyArguments<'q>> {
        q.bind(self.at).bind(&self.actor).bind(&self.role).bind(&self.action).bind(&self.object).bind(&self.detail)
    }

    fn of(e: &Event, at: i64) -> Fields {
        Fields {
            at,
            actor: e.actor.clone(),
            role: e.role.clone(),
            action: e.action.clone(),
            object: e.object.clone(),
            detail: e.detail.to_string(),
        }
    }
}

/// Entries appended in one statement at most (9 parameters each).
const INSERT_ROWS: usize = 500;

/// Append `entries` after `tail` (the head's number and hash), in order, a
/// multi-row insert at a time, moving `tail` on; their numbers.
async fn append_chained(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    tail: &mut (i64, String),
    entries: &[Fields],
) -> Result<Vec<i64>> {
    let mut chained = Vec::with_capacity(entries.len());
    for r in entries {
        let seq = tail.0 + 1;
        let hash = chain_hash(&tail.1, seq, r.at, &r.actor, &r.role, &r.action, &r.object, &r.detail);
        chained.push((seq, std::mem::replace(&mut tail.1, hash.clone()), hash));
        tail.0 = seq;
    }
    for (rows, fields) in chained.chunks(INSERT_ROWS).zip(entries.chunks(INSERT_ROWS)) {
        let sql = format!(
            "INSERT INTO audit_log (seq, at, actor, role, action, object, detail, prev_hash, hash) VALUES {}",
            values(backend, rows.len(), 9)
        );
        let mut q = sqlx::query(&sql);
        for ((seq, prev, hash), f) in rows.iter().zip(fields) {
            q = f.bind(q.bind(*seq)).bind(prev).bind(hash);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(chained.iter().map(|c| c.0).collect())
}

/// Record `e` at `at` inside `tx`, the transaction of the act it records:
/// it commits (or not) with the act and is chained just after. Call
/// [`Store::audit_wake`] once `tx` is committed.
pub(crate) async fn append_in(tx: &mut Transaction<'_, Any>, e: &Event, at: DateTime<Utc>) -> Result<()> {
    let r = Fields::of(e, millis(at));
    let q = sqlx::query(
        "INSERT INTO audit_pending (at, actor, role, action, object, detail) VALUES ($1, $2, $3, $4, $5, $6)",
    );
    r.bind(q).execute(&mut **tx).await?;
    Ok(())
}

fn entry(r: &AnyRow) -> Result<Entry> {
    let f = Fields::read(r)?;
    Ok(Entry {
        seq: r.try_get("seq")?,
        at: f.at,
        actor: f.actor,
        role: f.role,
        action: f.action,
        object: f.object,
        detail: f.detail,
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

    /// Chain every entry pending now (readers call this first; a cheap
    /// read when nothing is pending).
    pub async fn audit_flush(&self) -> Result<()> {
        flush(&Db { pool: self.pool().clone(), backend: self.backend }).await
    }

    /// Why audit entries cannot be chained, while that lasts.
    pub fn audit_failing(&self) -> Option<String> {
        self.audit.failing.lock().unwrap_or_else(|e| e.into_inner()).clone()
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
        let checked = match v.finish() {
            Ok(n) => n,
            Err(broken) => return Ok(Err(broken)),
        };
        // The chain holds; the decisions must agree with it.
        match self.decisions_disagree().await? {
            Some(broken) => Ok(Err(broken)),
            None => Ok(Ok(checked)),
        }
    }

    /// Remove entries older than `before` from the front of the chain; the
    /// last removed becomes the base verification starts from.
    pub async fn audit_prune(&self, before: DateTime<Utc>) -> Result<u64> {
        let mut tx = self.pool().begin().await?;
        // Lock the head first, as appends do.
        sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1").execute(&mut *tx).await?;
        // Entries are chained in commit order, so times are not strictly
        // rising: remove only what comes before the first entry still inside
        // the proof period.
        let keep = sqlx::query("SELECT MIN(seq) AS m FROM audit_log WHERE at >= $1")
            .bind(millis(before))
            .fetch_one(&mut *tx)
            .await?;
        let keep_from: Option<i64> = keep.try_get("m")?;
        let last = sqlx::query("SELECT seq, hash FROM audit_log WHERE seq < $1 ORDER BY seq DESC LIMIT 1")
            .bind(keep_from.unwrap_or(i64::MAX))
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
