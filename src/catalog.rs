//! Opening the analyst-maintained inputs — the watchlist folder and the
//! trends folder — as one versioned, validated whole.

pub use crate::inputs::Problem;

use crate::digest::sha256_hex;
use crate::inputs::files_with_extension;
use crate::matching::watchlist;
use crate::matching::Watchlist;
use crate::trends::{self, TrendSet};
use chrono::NaiveDate;
use std::fmt::Write;
use std::path::Path;

/// The content version of a folder's `*.ext` files: `sha256:` and the
/// SHA-256 of the lines `sha256sum` prints for them, relative paths sorted
/// bytewise, so anyone can recompute it from the files:
///
/// ```sh
/// (cd watchlists && find . -type f -name '*.csv' | sed 's|^\./||' | LC_ALL=C sort \
///   | xargs -d '\n' sha256sum) | sha256sum
/// ```
pub fn folder_version(dir: &Path, ext: &str) -> std::io::Result<String> {
    let mut files: Vec<(String, std::path::PathBuf)> = files_with_extension(dir, ext)?
        .into_iter()
        .map(|f| (f.strip_prefix(dir).unwrap_or(&f).to_string_lossy().replace('\\', "/"), f))
        .collect();
    files.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut manifest = String::new();
    for (name, path) in files {
        let _ = writeln!(manifest, "{}  {name}", sha256_hex(&std::fs::read(&path)?));
    }
    Ok(format!("sha256:{}", sha256_hex(manifest.as_bytes())))
}

/// Both folders loaded, or every problem found in them.
pub struct Catalog {
    pub watchlist: Watchlist,
    pub trends: TrendSet,
    pub notices: Vec<Problem>,
    pub stats: CatalogStats,
}

#[derive(Debug, Clone, Default)]
pub struct CatalogStats {
    pub watchlist_files: usize,
    pub entries: usize,
    /// Entries per list name.
    pub per_list: std::collections::BTreeMap<String, usize>,
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
        per_list: wl.entries.iter().fold(Default::default(), |mut m, e| {
            *m.entry(e.list.to_string()).or_default() += 1;
            m
        }),
        trend_files: tr.files,
        trends: tr.trends.len(),
    };
    let problem = |dir: &Path, message: String| Problem {
        file: dir.display().to_string(),
        line: 0,
        column: None,
        message,
        value: None,
    };
    let versions = (folder_version(watchlists, "csv"), folder_version(trends_dir, "toml"));
    let (wl_version, tr_version) = match versions {
        (Ok(w), Ok(t)) => (w, t),
        (w, t) => {
            let mut problems = Vec::new();
            for (dir, r) in [(watchlists, w), (trends_dir, t)] {
                if let Err(e) = r {
                    problems.push(problem(dir, format!("cannot read for its version: {e}")));
                }
            }
            return Err((problems, notices));
        }
    };
    let started = std::time::Instant::now();
    let watchlist = match Watchlist::build(wl.entries, wl_version) {
        Ok(w) => w,
        Err(e) => return Err((vec![problem(watchlists, e.to_string())], notices)),
    };
    tracing::info!(
        entries = stats.entries,
        read_ms = read.as_millis() as u64,
        index_ms = started.elapsed().as_millis() as u64,
        "watchlists loaded"
    );
    Ok(Catalog { watchlist, trends: TrendSet { version: tr_version, trends: tr.trends }, notices, stats })
}
