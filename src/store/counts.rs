//! Messages counted per day of receipt and outcome: what was screened and
//! what was refused (duplicate, out of scope, too old, unreadable), for the
//! console, the API and the operators. Counts only, never personal data, so
//! they outlive the retention.

use super::{Result, Store};
use crate::events::MessageOutcome;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{Any, Executor, Row};
use std::collections::BTreeMap;

/// One day's counts, by outcome (every outcome present, zero or not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayCounts {
    /// The day of receipt (UTC).
    pub day: NaiveDate,
    /// Messages by outcome name (`screened`, `duplicate`, `out_of_scope`, `too_old`, `rejected`).
    pub outcomes: BTreeMap<&'static str, i64>,
}

const UPSERT: &str = "INSERT INTO message_counts (day, outcome, n) VALUES ($1, $2, $3) \
     ON CONFLICT (day, outcome) DO UPDATE SET n = message_counts.n + excluded.n";

/// Add `n` messages with `outcome` received at `at`, inside a transaction
/// of the caller's (the one that records the message).
pub(super) async fn add_in<'e, E>(ex: E, at: DateTime<Utc>, outcome: MessageOutcome, n: i64) -> Result<()>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query(UPSERT).bind(at.date_naive().to_string()).bind(outcome.as_str()).bind(n).execute(ex).await?;
    Ok(())
}

impl Store {
    /// Count messages that ended without being recorded (duplicate, too
    /// old, unreadable), received at `at`.
    pub async fn count_outcomes(&self, at: DateTime<Utc>, counts: &[(MessageOutcome, i64)]) -> Result<()> {
        if counts.iter().all(|c| c.1 == 0) {
            return Ok(());
        }
        let mut tx = self.pool().begin().await?;
        for &(outcome, n) in counts.iter().filter(|c| c.1 > 0) {
            add_in(&mut *tx, at, outcome, n).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The counts of the days `from..=to`, oldest first; days without
    /// messages are left out.
    pub async fn message_counts(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<DayCounts>> {
        let rows = sqlx::query(
            "SELECT day, outcome, n FROM message_counts WHERE day >= $1 AND day <= $2 ORDER BY day, outcome",
        )
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(self.pool())
        .await?;
        let mut days: BTreeMap<NaiveDate, BTreeMap<&'static str, i64>> = BTreeMap::new();
        for r in rows {
            let day: String = r.try_get("day")?;
            let day = day.parse().map_err(|_| super::StoreError::Corrupt { what: "message count day" })?;
            let outcome: String = r.try_get("outcome")?;
            let outcome = MessageOutcome::ALL
                .into_iter()
                .find(|o| o.as_str() == outcome)
                .ok_or(super::StoreError::Corrupt { what: "message count outcome" })?;
            let counts = days.entry(day).or_insert_with(|| MessageOutcome::ALL.map(|o| (o.as_str(), 0)).into());
            counts.insert(outcome.as_str(), r.try_get("n")?);
        }
        Ok(days.into_iter().map(|(day, outcomes)| DayCounts { day, outcomes }).collect())
    }
}
