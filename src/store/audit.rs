//! The audit log in the store: appended inside the transaction of the act
//! it records (a decision and its entry commit together or not at all),
//! chained through the one-row `audit_head`, whose lock also orders appends
//! from several instances.

use super::{millis, Result, Store};
use crate::audit::{chain_hash, Entry, Event, Head};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

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
    /// Record `e` on its own.
    pub async fn audit(&self, e: &Event, at: DateTime<Utc>) -> Result<i64> {
        let mut tx = self.pool().begin().await?;
        let seq = append_in(&mut tx, e, at).await?;
        tx.commit().await?;
        Ok(seq)
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

    /// Check the whole chain, a page at a time.
    pub async fn audit_verify(&self) -> Result<std::result::Result<u64, crate::audit::Broken>> {
        let head = self.audit_head().await?;
        let mut all = Vec::new();
        let mut after = head.base_seq;
        loop {
            let page = self.audit_entries(after, 10_000).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            all.extend(page);
        }
        // Entries are read in seq order; a row whose seq was changed shows as a gap or a break.
        Ok(crate::audit::verify(&head, all))
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
