//! Hot reload of watchlists and trends: the folders' content versions are
//! checked every few seconds; a new version is loaded beside the one in
//! service and swapped in atomically, so consumption never pauses. A version
//! that fails to load leaves the last good one in service, logged as an
//! error and counted (`paxscreen_reload_failures_total`).

use crate::catalog::{self, folder_version};
use crate::metrics::Metrics;
use crate::screening::Screener;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub struct Reloader {
    pub watchlists: PathBuf,
    pub trends: PathBuf,
    pub threshold: f64,
    pub every: Duration,
    pub screener: Arc<Screener>,
    pub metrics: Arc<Metrics>,
}

/// What one check did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    Unchanged,
    Reloaded {
        watchlist: String,
        trends: String,
    },
    /// The new version was refused; the old one stays.
    Failed {
        problems: usize,
    },
}

impl Reloader {
    pub async fn run(self, stop: CancellationToken) {
        let me = Arc::new(self);
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(me.every) => {}
            }
            let m = me.clone();
            let _ = tokio::task::spawn_blocking(move || m.check()).await;
        }
    }

    /// Load the folders again if their content changed.
    pub fn check(&self) -> Check {
        let current = (self.screener.watchlist().version.clone(), self.screener.trends().version.clone());
        let found = (folder_version(&self.watchlists, "csv"), folder_version(&self.trends, "toml"));
        if let (Ok(w), Ok(t)) = &found {
            if (w, t) == (&current.0, &current.1) {
                return Check::Unchanged;
            }
        }
        match catalog::open(&self.watchlists, &self.trends, chrono::Utc::now().date_naive()) {
            Ok(c) => {
                self.metrics.watchlist_entries(&c.stats.per_list);
                let (w, t) = (c.watchlist.version.clone(), c.trends.version.clone());
                if w != current.0 {
                    self.screener.reload_watchlist(c.watchlist.with_threshold(self.threshold));
                }
                if t != current.1 {
                    self.screener.reload_trends(c.trends);
                }
                tracing::info!(watchlist = %w, trends = %t, "watchlists and trends reloaded");
                Check::Reloaded { watchlist: w, trends: t }
            }
            Err((problems, _)) => {
                self.metrics.reload_failed("catalog");
                for p in problems.iter().take(20) {
                    // Display leaves the values out.
                    tracing::error!(problem = %p, "watchlist or trend problem");
                }
                tracing::error!(
                    problems = problems.len(),
                    watchlist = %current.0,
                    trends = %current.1,
                    "new watchlists or trends REFUSED: the last good version stays in service"
                );
                Check::Failed { problems: problems.len() }
            }
        }
    }
}
