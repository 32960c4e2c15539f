//! Expiry (service.md section 5): passenger data goes `retention.hours`
//! after receipt, from the store (physically), from the spool's rejected
//! files and from the alerts file. Each sweep that erased something is in
//! the audit log; audit entries older than the proof period go too. `serve` sweeps on its own; `paxscreen purge --as-of` runs one sweep
//! as a drill.

use crate::audit::Event;
use crate::clock::Clock;
use crate::ingest::spool::Spool;
use crate::metrics::Metrics;
use crate::store::{Purged, Store, StoreError};
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How long the parts of a multi-part message may take to arrive before the
/// message is reported incomplete.
pub const PARTS_WAIT_MINUTES: i64 = 15;

/// The expiry job of `serve`: a sweep every `every`, then the review-queue
/// gauge brought up to date (a sweep moves hits to `expired`) and the
/// multi-part messages still missing parts reported.
pub struct Sweeper {
    /// The store swept.
    pub store: Store,
    /// The spool whose rejected files expire too.
    pub spool: Arc<Spool>,
    /// Where the counts go.
    pub metrics: Arc<Metrics>,
    /// How long passenger data is kept after receipt.
    pub retention: chrono::Duration,
    /// The alerts file, when alerts go to a file.
    pub alerts_file: Option<PathBuf>,
    /// How long the audit log and the proof of disclosure are kept.
    pub audit_years: u32,
    /// The time of each sweep.
    pub clock: Arc<dyn Clock>,
    /// How often.
    pub every: Duration,
}

impl Sweeper {
    /// Sweep until `stop`; a failed sweep is logged and tried again next time.
    pub async fn run(self, stop: CancellationToken) {
        let mut reported = std::collections::HashSet::new();
        loop {
            let swept = sweep(
                &self.store,
                &self.spool,
                self.retention,
                self.alerts_file.as_deref(),
                self.audit_years,
                self.clock.now(),
                Some(&self.metrics),
            )
            .await;
            if let Err(e) = swept {
                tracing::error!(error = %e, "expiry sweep failed; retrying");
            }
            if let Ok(counts) = self.store.queue_counts().await {
                self.metrics.review_queue(&counts);
            }
            self.report_incomplete_parts(&mut reported).await;
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(self.every) => {}
            }
        }
    }

    /// Log each multi-part message that still misses parts after
    /// [`PARTS_WAIT_MINUTES`] once, and keep the gauge of them current.
    async fn report_incomplete_parts(&self, reported: &mut std::collections::HashSet<String>) {
        let received_by = self.clock.now() - chrono::Duration::minutes(PARTS_WAIT_MINUTES);
        match self.store.incomplete_parts(received_by + self.retention).await {
            Ok(groups) => {
                self.metrics.multipart_incomplete(groups.len());
                for g in &groups {
                    if reported.insert(g.clone()) {
                        // The group is the sender's references: no personal data.
                        tracing::warn!(group = %g, "multi-part message incomplete: its passengers were screened, the missing parts never arrived");
                    }
                }
                reported.retain(|g| groups.contains(g));
            }
            Err(e) => tracing::error!(error = %e, "multi-part messages not checked"),
        }
    }
}

/// What one sweep removed, store and files together.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub store: Purged,
    pub spool_files: u64,
    pub alert_lines: u64,
    pub audit_entries: u64,
}

/// One sweep as of `now`: the store's expired rows, every spool entry
/// received longer than the retention ago, the alerts file's expired lines
/// (but those of hits under a legal hold).
pub async fn sweep(
    store: &Store,
    spool: &Spool,
    retention: chrono::Duration,
    alerts_file: Option<&Path>,
    audit_years: u32,
    now: DateTime<Utc>,
    metrics: Option<&Metrics>,
) -> Result<Swept, StoreError> {
    let purged = store.purge(now).await?;
    // An entry first seen now is received now, even in a drill that
    // purges as of a later time.
    let spool_files = spool.purge(store, now - retention, now.min(Utc::now())).await?;
    let held = store.held_hits().await?;
    let alert_lines = match alerts_file {
        Some(f) => crate::forward::purge_alerts_file(f, now, &held).unwrap_or_else(|e| {
            tracing::error!(error = %e, file = %f.display(), "expired alerts not removed from the alerts file");
            0
        }),
        None => 0,
    };
    let audit_entries =
        store.audit_prune(now - chrono::Duration::days(365 * audit_years as i64 + audit_years as i64 / 4 + 1)).await?;
    if purged != Purged::default() || spool_files > 0 || alert_lines > 0 || audit_entries > 0 {
        let detail = serde_json::json!({
            "passengers": purged.passengers, "messages": purged.messages, "hits_expired": purged.hits_expired,
            "explanations": purged.explanations, "decision_reasons": purged.reasons, "alerts": purged.alerts,
            "spool_files": spool_files, "alert_lines": alert_lines, "audit_entries": audit_entries,
        });
        store.audit(&Event::system("purge", "expired data", detail), now).await?;
    }
    if let Some(m) = metrics {
        m.purged("passengers", purged.passengers);
        m.purged("messages", purged.messages);
        m.purged("hits_expired", purged.hits_expired);
        m.purged("explanations", purged.explanations);
        m.purged("decision_reasons", purged.reasons);
        m.purged("alerts", purged.alerts);
        m.purged("spool_files", spool_files);
        m.purged("alert_lines", alert_lines);
        m.purged("audit_entries", audit_entries);
    }
    if purged != Purged::default() || spool_files > 0 || alert_lines > 0 || audit_entries > 0 {
        tracing::info!(
            passengers = purged.passengers,
            messages = purged.messages,
            hits_expired = purged.hits_expired,
            explanations = purged.explanations,
            spool_files,
            alert_lines,
            audit_entries,
            "expired data deleted"
        );
    }
    Ok(Swept { store: purged, spool_files, alert_lines, audit_entries })
}
