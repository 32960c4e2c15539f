//! The parts of multi-part PAXLST messages seen so far, so that a message
//! whose parts do not all arrive is reported (the service's counterpart of
//! `replay`'s summary). Group keys are the sender's references, never
//! personal data; rows expire with the passenger data.

use super::{millis, Result, Store};
use crate::formats::paxlst::{Part, PartTracker};
use chrono::{DateTime, Utc};
use sqlx::Row;

impl Store {
    /// Note a part of a multi-part message.
    pub async fn see_part(&self, group: &str, part: u32, last: bool, expires_at: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "INSERT INTO message_parts (group_key, part, last, expires_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (group_key, part) DO NOTHING",
        )
        .bind(group)
        .bind(part as i64)
        .bind(last as i64)
        .bind(millis(expires_at))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The multi-part messages still incomplete among those whose parts
    /// expire by `expiring_by` (received at least as long ago as the caller
    /// waits for stragglers), in words: `GROUP: parts [2] missing`.
    pub async fn incomplete_parts(&self, expiring_by: DateTime<Utc>) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT group_key, part, last FROM message_parts WHERE group_key IN \
             (SELECT group_key FROM message_parts GROUP BY group_key HAVING MIN(expires_at) <= $1)",
        )
        .bind(millis(expiring_by))
        .fetch_all(self.pool())
        .await?;
        let mut tracker = PartTracker::default();
        for r in rows {
            let number: i64 = r.try_get("part")?;
            let number =
                u32::try_from(number).map_err(|_| super::StoreError::Corrupt { what: "message part number" })?;
            tracker.see(&Part { number, last: r.try_get::<i64, _>("last")? != 0, group: r.try_get("group_key")? });
        }
        Ok(tracker.incomplete_described())
    }
}
