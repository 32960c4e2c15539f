//! Opening the analyst-maintained inputs — the watchlist folder and the
//! trends folder — as one versioned, validated whole.

use crate::matching::watchlist::{self, files_with_extension, Problem};
use crate::matching::Watchlist;
use crate::screening::TrendSet;
use crate::trends;
use chrono::NaiveDate;
use std::hash::{Hash, Hasher};
use std::path::Path;

/// A content version of the files of a folder: same files, same version.
pub fn folder_version(prefix: &str, dir: &Path, ext: &str) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    if let Ok(files) = files_with_extension(dir, ext) {
        for f in files {
            f.strip_prefix(dir).unwrap_or(&f).to_string_lossy().hash(&mut h);
            std::fs::read(&f).unwrap_or_default().hash(&mut h);
        }
    }
    format!("{prefix}-{:016x}", h.finish())
}

/// Both folders loaded, or every problem found in them.
pub struct Catalog {
    pub watchlist: Watchlist,
    pub trends: TrendSet,
    pub notices: Vec<Problem>,
    pub stats: CatalogStats,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct CatalogStats {
    pub watchlist_files: usize,
    pub entries: usize,
    pub trend_files: usize,
    pub trends: usize,
}

/// Load and validate; `today` decides what is reported as expired.
pub fn open(watchlists: &Path, trends_dir: &Path, today: NaiveDate) -> Result<Catalog, (Vec<Problem>, Vec<Problem>)> {
    let started = std::time::Instant::now();
    let wl = watchlist::load_dir(watchlists, today);
    let read = started.elapsed();
    let tr = trends::load_dir(trends_dir, today);
    let mut problems = wl.problems;
    problems.extend(tr.problems);
    let mut notices = wl.notices;
    notices.extend(tr.notices);
    if !problems.is_empty() {
        return Err((problems, notices));
    }
    let stats = CatalogStats {
        watchlist_files: wl.files,
        entries: wl.entries.len(),
        trend_files: tr.files,
        trends: tr.trends.len(),
    };
    let started = std::time::Instant::now();
    let watchlist = Watchlist::build(wl.entries, folder_version("wl", watchlists, "csv"));
    tracing::info!(
        entries = stats.entries,
        read_ms = read.as_millis() as u64,
        index_ms = started.elapsed().as_millis() as u64,
        "watchlists loaded"
    );
    Ok(Catalog {
        watchlist,
        trends: TrendSet { version: folder_version("tr", trends_dir, "toml"), trends: tr.trends },
        notices,
        stats,
    })
}
