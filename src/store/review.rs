//! Decisions, legal holds and the alerts outbox, applied atomically.
//!
//! A decision is one transaction: the hit's state moves only from the state
//! the decision was made on, and only if the caller did not make the first
//! decision (a conditional `UPDATE`, so of two concurrent decisions exactly
//! one wins); the decision row (whose trigger checks the four-eyes rule
//! once more, in the database); the audit entry; and, for the second
//! confirmation, the alert in the outbox.

use super::audit::append_in;
use super::{millis, Result, Store, StoreError};
use crate::audit::Event;
use crate::review::{self, Decision, HitState, Refused};
use crate::store::Principal;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use sqlx::{Any, Row, Transaction};

/// A decision made on a hit, as the hit page shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DecisionRow {
    pub step: i64,
    pub user: String,
    pub decision: String,
    /// `null` once the data has expired.
    pub reason: Option<String>,
    pub decided_at: String,
}

/// What a decision did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    pub state: HitState,
    /// The alert put in the outbox (second confirmation).
    pub alert: Option<i64>,
}

impl Store {
    /// Apply `decision` by `who` to hit `id` at `now`; `Ok(Err(_))` when the
    /// rules refuse it. `seen` is the state the reviewer saw (the console
    /// always sends it): if the hit moved since, the decision is refused
    /// rather than taken as the next review.
    pub async fn decide(
        &self,
        id: i64,
        who: &Principal,
        decision: Decision,
        reason: Option<&str>,
        seen: Option<HitState>,
        now: DateTime<Utc>,
    ) -> Result<std::result::Result<Decided, Refused>> {
        let reason = match review::check_reason(decision, reason) {
            Ok(r) => r,
            Err(e) => return Ok(Err(e)),
        };
        let Some(current) = self.hit_state(id).await? else { return Ok(Err(Refused::NotFound)) };
        let Some(mv) = review::next(seen.unwrap_or(current.0), decision) else { return Ok(Err(Refused::State)) };
        if mv.step == 2 && current.1 == Some(who.user_id) {
            return Ok(Err(Refused::FourEyes));
        }
        let at = millis(now);
        let mut tx = self.pool().begin().await?;
        // The write comes first: it takes the lock, and it is the check.
        let moved = sqlx::query(
            "UPDATE hits SET state = $1, first_user_id = COALESCE(first_user_id, $2) \
             WHERE id = $3 AND state = $4 AND expires_at > $5 AND (first_user_id IS NULL OR first_user_id <> $2)",
        )
        .bind(mv.to.as_str())
        .bind(who.user_id)
        .bind(id)
        .bind(mv.from.as_str())
        .bind(at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved == 0 {
            tx.rollback().await?;
            // Another reviewer was first, the data expired, or (a race of one
            // person with themselves) the first decision is the caller's.
            let now_state = self.hit_state(id).await?;
            let mine = now_state.as_ref().is_some_and(|s| s.1 == Some(who.user_id) && s.0 == HitState::ConfirmedOnce);
            return Ok(Err(if mine && mv.step == 2 { Refused::FourEyes } else { Refused::State }));
        }
        let inserted = sqlx::query(
            "INSERT INTO decisions (hit_id, step, user_id, user_name, decision, reason, decided_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(mv.step)
        .bind(who.user_id)
        .bind(&who.name)
        .bind(decision.as_str())
        .bind(reason.as_deref())
        .bind(at)
        .execute(&mut *tx)
        .await;
        if let Err(e) = inserted {
            if e.to_string().contains("four_eyes") {
                tx.rollback().await?;
                return Ok(Err(Refused::FourEyes));
            }
            return Err(e.into());
        }
        let alert = if mv.to == HitState::Confirmed { Some(enqueue_alert(&mut tx, id, at).await?) } else { None };
        let detail = json!({
            "decision": decision.as_str(), "step": mv.step, "from": mv.from, "to": mv.to,
            "reason_given": reason.is_some(), "alert": alert,
            // The decision row's fields, so `audit verify` finds a row edited later.
            "user_id": who.user_id, "decided_at": at,
        });
        append_in(&mut tx, &Event::new(&who.name, who.role.as_str(), "decide", format!("hit:{id}"), detail), now)
            .await?;
        tx.commit().await?;
        self.audit_wake();
        Ok(Ok(Decided { state: mv.to, alert }))
    }

    /// (state, first reviewer) of a hit.
    async fn hit_state(&self, id: i64) -> Result<Option<(HitState, Option<i64>)>> {
        let r = sqlx::query("SELECT state, first_user_id FROM hits WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        r.map(|r| Ok((super::hit_state(r.try_get("state")?)?, r.try_get("first_user_id")?))).transpose()
    }

    /// The decisions made on a hit, first review first.
    pub async fn decisions(&self, id: i64) -> Result<Vec<DecisionRow>> {
        let rows = sqlx::query(
            "SELECT step, user_name, decision, reason, decided_at FROM decisions WHERE hit_id = $1 ORDER BY step",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DecisionRow {
                    step: r.try_get("step")?,
                    user: r.try_get("user_name")?,
                    decision: r.try_get("decision")?,
                    reason: r.try_get("reason")?,
                    decided_at: super::from_millis(r.try_get("decided_at")?).to_rfc3339(),
                })
            })
            .collect()
    }

    /// Place (`Some(reason)`) or lift (`None`) a legal hold on a confirmed
    /// or forwarded hit: its data then outlives the retention period.
    pub async fn set_legal_hold(
        &self,
        id: i64,
        who: &Principal,
        case: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<std::result::Result<(), Refused>> {
        let mut tx = self.pool().begin().await?;
        let n = sqlx::query(
            "UPDATE hits SET legal_hold = $1, hold_reason = $2 \
             WHERE id = $3 AND state IN ('confirmed', 'forwarded') AND (legal_hold = 1 OR expires_at > $4)",
        )
        .bind(case.is_some() as i64)
        .bind(case)
        .bind(id)
        .bind(millis(now))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            tx.rollback().await?;
            let exists = self.hit_state(id).await?.is_some();
            return Ok(Err(if exists { Refused::State } else { Refused::NotFound }));
        }
        // The case reference is recorded; it names an investigation, not the passenger.
        let detail = json!({ "hold": case.is_some(), "case": case });
        append_in(&mut tx, &Event::new(&who.name, who.role.as_str(), "legal_hold", format!("hit:{id}"), detail), now)
            .await?;
        tx.commit().await?;
        self.audit_wake();
        Ok(Ok(()))
    }
}

/// Put the alert for a confirmed hit in the outbox: only what the border
/// needs (service.md section 4).
async fn enqueue_alert(tx: &mut Transaction<'_, Any>, id: i64, at: i64) -> Result<i64> {
    let r = sqlx::query(
        "SELECT h.kind, h.list, h.entry_id, h.category, h.trend_id, h.version, h.score, h.flight_number, \
         h.departure_airport, h.arrival_airport, h.arrival_time, h.expires_at, p.data AS passenger \
         FROM hits h LEFT JOIN passengers p ON p.id = h.passenger_id WHERE h.id = $1",
    )
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    let reviewers: Vec<String> = sqlx::query("SELECT user_name FROM decisions WHERE hit_id = $1 ORDER BY step")
        .bind(id)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| r.try_get("user_name"))
        .collect::<std::result::Result<_, _>>()?;
    let passenger: Value =
        r.try_get::<Option<String>, _>("passenger")?.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or(Value::Null);
    let pick = |k: &str| passenger.get(k).cloned().unwrap_or(Value::Null);
    let kind: String = r.try_get("kind")?;
    let reason = if kind == "watchlist" {
        json!({"kind": kind, "list": r.try_get::<Option<String>, _>("list")?,
               "entry_id": r.try_get::<Option<String>, _>("entry_id")?,
               "category": r.try_get::<Option<String>, _>("category")?,
               "version": r.try_get::<String, _>("version")?, "score": r.try_get::<f64, _>("score")?})
    } else {
        json!({"kind": kind, "trend_id": r.try_get::<Option<String>, _>("trend_id")?,
               "version": r.try_get::<String, _>("version")?, "score": r.try_get::<f64, _>("score")?})
    };
    let expires_at: i64 = r.try_get("expires_at")?;
    let payload = json!({
        "hit_id": id,
        "passenger": {
            "surname": pick("surname"), "given_names": pick("given_names"),
            "date_of_birth": pick("date_of_birth"), "document": pick("document"),
        },
        "flight": {
            "number": r.try_get::<String, _>("flight_number")?,
            "departure_airport": r.try_get::<String, _>("departure_airport")?,
            "arrival_airport": r.try_get::<String, _>("arrival_airport")?,
            "arrival_time": super::from_millis(r.try_get("arrival_time")?).to_rfc3339(),
        },
        "reason": reason,
        "reviewers": reviewers,
        "confirmed_at": super::from_millis(at).to_rfc3339(),
    });
    let row = sqlx::query(
        "INSERT INTO alerts (hit_id, payload, created_at, expires_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(id)
    .bind(payload.to_string())
    .bind(at)
    .bind(expires_at)
    .fetch_one(&mut **tx)
    .await
    .map_err(StoreError::from)?;
    Ok(row.try_get("id")?)
}
