//! The alerts outbox: alerts wait here until the forwarder has delivered
//! them; then the hit is `forwarded` and the delivery is in the audit log.

use super::audit::append_in;
use super::{from_millis, millis, Result, Store};
use crate::audit::Event;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use sqlx::Row;

/// An alert waiting to be delivered.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingAlert {
    pub id: i64,
    pub hit_id: i64,
    pub payload: Value,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A delivered alert, as border guards read it.
#[derive(Debug, Clone, Serialize)]
pub struct AlertRow {
    pub alert_id: i64,
    pub hit_id: i64,
    pub delivered_at: String,
    /// `null` once the data has expired.
    pub alert: Option<Value>,
}

impl Store {
    /// The ids of the hits under a legal hold: their alerts outlive the
    /// retention period, in the outbox and in the alerts file alike.
    pub async fn held_hits(&self) -> Result<std::collections::HashSet<i64>> {
        let rows = sqlx::query("SELECT id FROM hits WHERE legal_hold <> 0").fetch_all(self.pool()).await?;
        rows.iter().map(|r| Ok(r.try_get::<i64, _>("id")?)).collect()
    }

    /// Take a lease of `lease` on up to `limit` undelivered alerts, oldest
    /// first, that no other forwarder holds. `taken_over` is true for an
    /// alert leased before (a forwarder failed or died with it): it may
    /// have been delivered already, and the sink must be asked.
    pub async fn claim_alerts(
        &self,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: i64,
    ) -> Result<Vec<(PendingAlert, bool)>> {
        // One statement: of two forwarders, each alert goes to one (the
        // other finds the lease taken when it re-checks the row).
        let rows = sqlx::query(
            "UPDATE alerts SET claimed_until = $1, claims = claims + 1 WHERE id IN ( \
               SELECT id FROM alerts WHERE delivered_at IS NULL AND payload IS NOT NULL \
               AND (claimed_until IS NULL OR claimed_until < $2) ORDER BY id LIMIT $3) \
             AND delivered_at IS NULL AND (claimed_until IS NULL OR claimed_until < $2) \
             RETURNING id, hit_id, payload, created_at, expires_at, claims",
        )
        .bind(millis(now + lease))
        .bind(millis(now))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let mut out = rows
            .iter()
            .map(|r| {
                let text: String = r.try_get("payload")?;
                let alert = PendingAlert {
                    id: r.try_get("id")?,
                    hit_id: r.try_get("hit_id")?,
                    payload: serde_json::from_str(&text).unwrap_or(Value::Null),
                    created_at: from_millis(r.try_get("created_at")?),
                    expires_at: from_millis(r.try_get("expires_at")?),
                };
                Ok((alert, r.try_get::<i64, _>("claims")? > 1))
            })
            .collect::<Result<Vec<_>>>()?;
        out.sort_by_key(|(a, _)| a.id);
        Ok(out)
    }

    /// Note that alert `id` was delivered to `to`: the hit becomes
    /// `forwarded`, the disclosure is audited. False if it was noted before.
    pub async fn alert_delivered(&self, id: i64, hit_id: i64, to: &str, now: DateTime<Utc>) -> Result<bool> {
        let mut tx = self.pool().begin().await?;
        let n = sqlx::query("UPDATE alerts SET delivered_at = $1 WHERE id = $2 AND delivered_at IS NULL")
            .bind(millis(now))
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query("UPDATE hits SET state = 'forwarded' WHERE id = $1 AND state = 'confirmed'")
            .bind(hit_id)
            .execute(&mut *tx)
            .await?;
        let detail = json!({ "alert": id, "to": to });
        append_in(&mut tx, &Event::system("forward", format!("hit:{hit_id}"), detail), now).await?;
        tx.commit().await?;
        self.audit_wake();
        Ok(true)
    }

    /// Count a failed delivery of alert `id`.
    pub async fn alert_failed(&self, id: i64) -> Result<()> {
        sqlx::query("UPDATE alerts SET attempts = attempts + 1 WHERE id = $1").bind(id).execute(self.pool()).await?;
        Ok(())
    }

    /// Delivered alerts, newest first, before alert `before` when given.
    pub async fn delivered_alerts(&self, before: Option<i64>, limit: i64) -> Result<Vec<AlertRow>> {
        let rows = sqlx::query(
            "SELECT id, hit_id, payload, delivered_at FROM alerts \
             WHERE delivered_at IS NOT NULL AND id < $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let text: Option<String> = r.try_get("payload")?;
                Ok(AlertRow {
                    alert_id: r.try_get("id")?,
                    hit_id: r.try_get("hit_id")?,
                    delivered_at: from_millis(r.try_get("delivered_at")?).to_rfc3339(),
                    alert: text.and_then(|t| serde_json::from_str(&t).ok()),
                })
            })
            .collect()
    }
}
