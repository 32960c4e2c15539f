//! Decisions cross-checked against the audit log: every decision row must
//! match the `decide` entry written in its transaction, and every such
//! entry must still have its row. The triggers refuse edits; this finds
//! them when the triggers were dropped (someone with the database file).

use super::{Result, Store};
use serde_json::Value;
use sqlx::Row;
use std::collections::HashMap;

/// What a `decide` entry says about its decision.
struct Recorded {
    actor: String,
    decision: String,
    user_id: Option<i64>,
    decided_at: Option<i64>,
}

impl Store {
    /// The first decision that differs from its audit entry, or an entry
    /// whose decision is gone; `None` when all agree. Decisions older than
    /// the oldest entry kept (pruned after the proof period) are not checked.
    pub(crate) async fn decisions_disagree(&self) -> Result<Option<crate::audit::Broken>> {
        use crate::audit::Broken;
        // One snapshot for every read: a decision and its entry commit together
        // (the entry pending, then moved to the log at once), so in one
        // snapshot a decision without its entry, or the reverse, is tampering,
        // not a decision committed between two reads.
        let mut tx = self.pool().begin().await?;
        if self.backend() == super::Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").execute(&mut *tx).await?;
        }
        let oldest = sqlx::query("SELECT MIN(at) AS m FROM audit_log").fetch_one(&mut *tx).await?;
        let Some(oldest) = oldest.try_get::<Option<i64>, _>("m")? else { return Ok(None) };
        let mut entries: HashMap<(i64, i64), Recorded> = HashMap::new();
        let rows = sqlx::query(
            "SELECT actor, object, detail FROM audit_log WHERE action = 'decide' \
             UNION ALL SELECT actor, object, detail FROM audit_pending WHERE action = 'decide'",
        )
        .fetch_all(&mut *tx)
        .await?;
        for r in &rows {
            let object: String = r.try_get("object")?;
            let Some(hit) = object.strip_prefix("hit:").and_then(|h| h.parse::<i64>().ok()) else { continue };
            let detail: Value = serde_json::from_str(&r.try_get::<String, _>("detail")?).unwrap_or(Value::Null);
            let Some(step) = detail["step"].as_i64() else { continue };
            entries.insert(
                (hit, step),
                Recorded {
                    actor: r.try_get("actor")?,
                    decision: detail["decision"].as_str().unwrap_or_default().to_string(),
                    user_id: detail["user_id"].as_i64(),
                    decided_at: detail["decided_at"].as_i64(),
                },
            );
        }
        let rows = sqlx::query(
            "SELECT hit_id, step, user_id, user_name, decision, decided_at FROM decisions ORDER BY hit_id, step",
        )
        .fetch_all(&mut *tx)
        .await?;
        tx.rollback().await?;
        for r in &rows {
            let (hit, step): (i64, i64) = (r.try_get("hit_id")?, r.try_get("step")?);
            let decided_at: i64 = r.try_get("decided_at")?;
            let broken = |problem: &str| Broken::Decision { hit, step, problem: problem.to_string() };
            let Some(e) = entries.remove(&(hit, step)) else {
                if decided_at >= oldest {
                    return Ok(Some(broken("has no audit entry (added behind the service's back)")));
                }
                continue;
            };
            let user_name: String = r.try_get("user_name")?;
            let decision: String = r.try_get("decision")?;
            let user_id: i64 = r.try_get("user_id")?;
            let differs = e.actor != user_name
                || e.decision != decision
                || e.user_id.is_some_and(|u| u != user_id)
                || e.decided_at.is_some_and(|t| t != decided_at);
            if differs {
                return Ok(Some(broken("differs from its audit entry (edited)")));
            }
        }
        if let Some(((hit, step), _)) = entries.into_iter().min_by_key(|(k, _)| *k) {
            return Ok(Some(Broken::Decision { hit, step, problem: "is gone from the store (deleted)".into() }));
        }
        Ok(None)
    }
}
