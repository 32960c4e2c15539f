//! Reading hits: the queue (no personal data) and one hit in full.

use super::{from_millis, hit_state, Result, Store};
use crate::review::HitState;
use serde::Serialize;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::Row;

/// One page of the queue query.
#[derive(Debug, Clone, Default)]
pub struct HitQuery {
    pub state: Option<HitState>,
    pub limit: u32,
    /// `ARRIVAL_ID` of the last hit of the previous page.
    pub cursor: Option<String>,
    /// Leave out hits whose first decision was this user's.
    pub not_first_reviewer: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FlightRef {
    pub number: String,
    pub departure_airport: String,
    pub arrival_airport: String,
    pub arrival_time: String,
}

/// A hit in the queue: references only, no personal data.
#[derive(Debug, Clone, Serialize)]
pub struct HitSummary {
    pub id: i64,
    pub kind: String,
    pub state: HitState,
    pub flight: FlightRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trend_id: Option<String>,
    pub score: f64,
    pub received_at: String,
    pub expires_at: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub input_damaged: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct HitPage {
    pub hits: Vec<HitSummary>,
    pub next: Option<String>,
}

/// A hit with the passenger, the explanation and the decisions so far.
#[derive(Debug, Clone, Serialize)]
pub struct HitDetail {
    #[serde(flatten)]
    pub summary: HitSummary,
    pub category: Option<String>,
    pub version: String,
    pub threshold: f64,
    pub message_id: Option<String>,
    pub passenger_index: i64,
    /// The passenger's contract fields; `null` once the data has expired.
    pub passenger: Option<Value>,
    /// `null` once the data has expired.
    pub explanation: Option<Value>,
    pub decisions: Vec<super::DecisionRow>,
}

const COLUMNS: &str = "h.id, h.kind, h.state, h.flight_number, h.departure_airport, h.arrival_airport, \
    h.arrival_time, h.list, h.entry_id, h.trend_id, h.score, h.received_at, h.expires_at, h.input_damaged";

fn summary(r: &AnyRow) -> Result<HitSummary> {
    let time = |c: &str| -> Result<String> { Ok(from_millis(r.try_get(c)?).to_rfc3339()) };
    Ok(HitSummary {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        state: hit_state(r.try_get("state")?)?,
        flight: FlightRef {
            number: r.try_get("flight_number")?,
            departure_airport: r.try_get("departure_airport")?,
            arrival_airport: r.try_get("arrival_airport")?,
            arrival_time: time("arrival_time")?,
        },
        list: r.try_get("list")?,
        entry_id: r.try_get("entry_id")?,
        trend_id: r.try_get("trend_id")?,
        score: r.try_get("score")?,
        received_at: time("received_at")?,
        expires_at: time("expires_at")?,
        input_damaged: r.try_get::<i64, _>("input_damaged")? != 0,
    })
}

/// `ARRIVAL_ID` -> (arrival, id).
fn parse_cursor(c: &str) -> Option<(i64, i64)> {
    let (a, i) = c.split_once('_')?;
    Some((a.parse().ok()?, i.parse().ok()?))
}

impl Store {
    /// The queue, the nearest arrival first, a page at a time. `None` when
    /// the cursor is not one this store gave.
    pub async fn hits(&self, q: &HitQuery) -> Result<Option<HitPage>> {
        let limit = q.limit.clamp(1, 1000) as i64;
        let (after_arrival, after_id) = match &q.cursor {
            None => (i64::MIN, i64::MIN),
            Some(c) => match parse_cursor(c) {
                Some(p) => p,
                None => return Ok(None),
            },
        };
        let state_filter = if q.state.is_some() { "AND h.state = $4" } else { "AND $4 = $4" };
        let user_filter = if q.not_first_reviewer.is_some() {
            "AND (h.first_user_id IS NULL OR h.first_user_id <> $5)"
        } else {
            "AND $5 = $5"
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM hits h WHERE (h.arrival_time > $1 OR (h.arrival_time = $1 AND h.id > $2)) \
             {state_filter} {user_filter} ORDER BY h.arrival_time, h.id LIMIT $3"
        );
        let query = sqlx::query(&sql)
            .bind(after_arrival)
            .bind(after_id)
            .bind(limit + 1)
            .bind(q.state.map_or("", HitState::as_str))
            .bind(q.not_first_reviewer.unwrap_or(0));
        let rows = query.fetch_all(self.pool()).await?;
        let mut hits = rows.iter().map(summary).collect::<Result<Vec<_>>>()?;
        let next = if hits.len() as i64 > limit {
            hits.truncate(limit as usize);
            let last = hits.last().expect("a page");
            let arrival = chrono::DateTime::parse_from_rfc3339(&last.flight.arrival_time)
                .map(|t| t.timestamp_millis())
                .unwrap_or_default();
            Some(format!("{arrival}_{}", last.id))
        } else {
            None
        };
        Ok(Some(HitPage { hits, next }))
    }

    /// One hit in full, or `None`.
    pub async fn hit(&self, id: i64) -> Result<Option<HitDetail>> {
        let sql = format!(
            "SELECT {COLUMNS}, h.category, h.version, h.threshold, h.explanation, h.passenger_idx, \
             m.message_id AS message_ref, p.data AS passenger \
             FROM hits h LEFT JOIN messages m ON m.id = h.message_id LEFT JOIN passengers p ON p.id = h.passenger_id \
             WHERE h.id = $1"
        );
        let Some(r) = sqlx::query(&sql).bind(id).fetch_optional(self.pool()).await? else { return Ok(None) };
        let decisions = self.decisions(id).await?;
        let json = |c: &str| -> Result<Option<Value>> {
            let text: Option<String> = r.try_get(c)?;
            Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
        };
        Ok(Some(HitDetail {
            summary: summary(&r)?,
            category: r.try_get("category")?,
            version: r.try_get("version")?,
            threshold: r.try_get("threshold")?,
            message_id: r.try_get("message_ref")?,
            passenger_index: r.try_get("passenger_idx")?,
            passenger: json("passenger")?,
            explanation: json("explanation")?,
            decisions,
        }))
    }

    /// Counts for tests and the exactly-once checks: (messages, passengers, hits).
    pub async fn counts(&self) -> Result<(i64, i64, i64)> {
        let n = |t: &'static str| async move {
            let r = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {t}")).fetch_one(self.pool()).await?;
            Ok::<i64, super::StoreError>(r.try_get("n")?)
        };
        Ok((n("messages").await?, n("passengers").await?, n("hits").await?))
    }
}
