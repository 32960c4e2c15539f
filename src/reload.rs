//! Hot reload of watchlists and trends: every few seconds the folders' files
//! are looked at (names, sizes, modification times, inodes); when that
//! changed, or a file was modified too recently to trust its time (as git
//! does with its index), their content versions are computed; a new version is loaded beside the one in
//! service and swapped in atomically, so consumption never pauses. A version
//! that fails to load leaves the last good one in service, logged as an
//! error and counted (`paxscreen_reload_failures_total`).

use crate::catalog::{self, folder_version};
use crate::metrics::Metrics;
use crate::screening::Screener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tokio_util::sync::CancellationToken;

pub struct Reloader {
    pub watchlists: PathBuf,
    pub trends: PathBuf,
    pub threshold: f64,
    pub every: Duration,
    pub screener: Arc<Screener>,
    pub metrics: Arc<Metrics>,
    /// The folders as last looked at, and when.
    last: Mutex<Option<(Vec<FileStamp>, SystemTime)>>,
}

/// A file as `stat` shows it: enough to notice a change without reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileStamp {
    path: PathBuf,
    len: u64,
    modified: Option<SystemTime>,
    inode: u64,
}

/// A file modified this close to the look is read again next time: its
/// time may not tell a later change apart.
const RACY: Duration = Duration::from_secs(2);

fn stamps(dir: &Path, ext: &str) -> std::io::Result<Vec<FileStamp>> {
    use std::os::unix::fs::MetadataExt;
    let mut out = Vec::new();
    for path in crate::inputs::files_with_extension(dir, ext)? {
        let m = std::fs::metadata(&path)?;
        out.push(FileStamp { len: m.len(), modified: m.modified().ok(), inode: m.ino(), path });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
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
    pub fn new(
        watchlists: PathBuf,
        trends: PathBuf,
        threshold: f64,
        every: Duration,
        screener: Arc<Screener>,
        metrics: Arc<Metrics>,
    ) -> Reloader {
        Reloader { watchlists, trends, threshold, every, screener, metrics, last: Mutex::new(None) }
    }

    /// Whether the folders look as they did at the last check.
    fn looks_unchanged(&self) -> bool {
        let now = SystemTime::now();
        let found = stamps(&self.watchlists, "csv").and_then(|mut w| {
            w.extend(stamps(&self.trends, "toml")?);
            Ok(w)
        });
        let mut last = self.last.lock().expect("not poisoned");
        let Ok(found) = found else {
            *last = None;
            return false;
        };
        let same = last.as_ref().is_some_and(|(before, at)| {
            *before == found
                && found.iter().all(|f| f.modified.is_some_and(|m| at.duration_since(m).is_ok_and(|d| d > RACY)))
        });
        *last = Some((found, now));
        same
    }

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
        if self.looks_unchanged() {
            return Check::Unchanged;
        }
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
