//! When each entry under the spool folder was received (first seen), so
//! the purge goes by the age of receipt and never trusts a file's
//! modification time, which whoever writes the file sets.

use super::{from_millis, millis, Result, Store};
use chrono::{DateTime, Utc};
use sqlx::Row;

impl Store {
    /// Note `entry` (a path relative to the spool folder) as received at
    /// `at`, unless it was seen before; its receipt time.
    pub async fn spool_receipt(&self, entry: &str, at: DateTime<Utc>) -> Result<DateTime<Utc>> {
        sqlx::query("INSERT INTO spool_receipts (entry, received_at) VALUES ($1, $2) ON CONFLICT (entry) DO NOTHING")
            .bind(entry)
            .bind(millis(at))
            .execute(self.pool())
            .await?;
        let r = sqlx::query("SELECT received_at FROM spool_receipts WHERE entry = $1")
            .bind(entry)
            .fetch_one(self.pool())
            .await?;
        Ok(from_millis(r.try_get("received_at")?))
    }

    /// Note `entry` as received at `at`, replacing what was known (a file
    /// moved to a new name keeps the receipt of the name it came under).
    pub async fn set_spool_receipt(&self, entry: &str, at: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "INSERT INTO spool_receipts (entry, received_at) VALUES ($1, $2) \
             ON CONFLICT (entry) DO UPDATE SET received_at = excluded.received_at",
        )
        .bind(entry)
        .bind(millis(at))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Forget an entry that is gone (screened and deleted, or purged).
    pub async fn forget_spool_receipt(&self, entry: &str) -> Result<()> {
        sqlx::query("DELETE FROM spool_receipts WHERE entry = $1").bind(entry).execute(self.pool()).await?;
        Ok(())
    }

    /// Every entry with a receipt.
    pub async fn spool_receipts(&self) -> Result<Vec<(String, DateTime<Utc>)>> {
        let rows = sqlx::query("SELECT entry, received_at FROM spool_receipts").fetch_all(self.pool()).await?;
        rows.iter().map(|r| Ok((r.try_get("entry")?, from_millis(r.try_get("received_at")?)))).collect()
    }
}
