//! Expiry (service.md section 5): passenger data goes `retention.hours`
//! after receipt, from the store (physically) and from the spool's rejected
//! files. `serve` sweeps on its own; `paxscreen purge --as-of` runs one sweep
//! as a drill.

use crate::ingest::spool::Spool;
use crate::metrics::Metrics;
use crate::store::{Purged, Store, StoreError};
use chrono::{DateTime, Utc};

/// What one sweep removed, store and files together.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub store: Purged,
    pub spool_files: u64,
}

/// One sweep as of `now`: the store's expired rows, and rejected spool
/// files older than the retention.
pub async fn sweep(
    store: &Store,
    spool: &Spool,
    retention: chrono::Duration,
    now: DateTime<Utc>,
    metrics: Option<&Metrics>,
) -> Result<Swept, StoreError> {
    let purged = store.purge(now).await?;
    let cutoff: std::time::SystemTime = (now - retention).into();
    let spool_files = spool.purge_rejected(cutoff);
    if let Some(m) = metrics {
        m.purged("passengers", purged.passengers);
        m.purged("messages", purged.messages);
        m.purged("hits_expired", purged.hits_expired);
        m.purged("explanations", purged.explanations);
        m.purged("spool_files", spool_files);
    }
    if purged != Purged::default() || spool_files > 0 {
        tracing::info!(
            passengers = purged.passengers,
            messages = purged.messages,
            hits_expired = purged.hits_expired,
            explanations = purged.explanations,
            spool_files,
            "expired data deleted"
        );
    }
    Ok(Swept { store: purged, spool_files })
}
