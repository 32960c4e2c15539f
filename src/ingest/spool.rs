//! The spool folder (service.md section 2): a file placed there is screened
//! and then deleted; names beginning with `.` are ignored (write `.NAME`,
//! rename to `NAME` when complete). A file that cannot be read, or holds a
//! message that cannot be, moves to `rejected/` beside a `NAME.reason`
//! file. A file is deleted only after its messages are in the store, so a
//! crash in between screens it again and the store finds the duplicates.

use crate::pipeline::{rejections, Pipeline};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The largest spool file read; a larger one is rejected unread.
pub const MAX_SPOOL_FILE: u64 = 64 * 1024 * 1024;

pub struct Spool {
    pub dir: PathBuf,
    pub poll: Duration,
}

/// What one pass over the folder did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub files: usize,
    pub rejected_files: usize,
}

impl Spool {
    pub fn rejected_dir(&self) -> PathBuf {
        self.dir.join("rejected")
    }

    /// Watch the folder until `stop` is cancelled; a pass in progress is finished first.
    pub async fn run(&self, pipeline: &Pipeline, stop: CancellationToken) {
        if let Err(e) = std::fs::create_dir_all(self.rejected_dir()) {
            tracing::error!(dir = %self.dir.display(), error = %e, "cannot create the spool folder");
        }
        loop {
            if let Err(e) = self.pass(pipeline).await {
                tracing::error!(error = %e, "spool pass failed; retrying");
            }
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(self.poll) => {}
            }
        }
    }

    /// Screen every complete file in the folder once, in name order.
    pub async fn pass(&self, pipeline: &Pipeline) -> Result<Pass, crate::store::StoreError> {
        let mut pass = Pass::default();
        let mut names: Vec<PathBuf> = match std::fs::read_dir(&self.dir) {
            Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(_) => return Ok(pass),
        };
        names.sort();
        for path in names {
            let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_string) else { continue };
            if name.starts_with('.') {
                continue;
            }
            let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
            if meta.is_dir() {
                continue;
            }
            pass.files += 1;
            if !meta.is_file() {
                self.reject(&path, &name, "not a regular file");
                pass.rejected_files += 1;
                continue;
            }
            if meta.len() > MAX_SPOOL_FILE {
                self.reject(&path, &name, &format!("larger than {} MiB: not read", MAX_SPOOL_FILE >> 20));
                pass.rejected_files += 1;
                continue;
            }
            let bytes = match std::fs::read(&path) {
                Ok(b) => b,
                Err(e) => {
                    self.reject(&path, &name, &format!("cannot be read: {e}"));
                    pass.rejected_files += 1;
                    continue;
                }
            };
            let results = pipeline.process(&bytes, &format!("spool:{name}")).await?;
            let reasons = rejections(&results, false);
            if reasons.is_empty() && !results.is_empty() {
                remove(&path);
            } else {
                let why = if results.is_empty() { "no message in the file".to_string() } else { reasons.join("\n") };
                self.reject(&path, &name, &why);
                pass.rejected_files += 1;
            }
        }
        Ok(pass)
    }

    /// Move a file to `rejected/` with its reason beside it (the reason may
    /// quote the file: it is passenger data too, and expires with it).
    fn reject(&self, path: &Path, name: &str, reason: &str) {
        let dir = self.rejected_dir();
        let kept = std::fs::create_dir_all(&dir)
            .and_then(|_| std::fs::write(dir.join(format!("{name}.reason")), format!("{reason}\n")))
            .and_then(|_| std::fs::rename(path, dir.join(name)));
        if let Err(e) = kept {
            // Never screen it again in a loop: it goes, and the log says so.
            tracing::error!(file = name, error = %e, "cannot move a rejected spool file; deleted");
            remove(path);
        }
        tracing::warn!(file = name, "spool file rejected");
    }

    /// Delete rejected files (and their reasons) modified before `cutoff`.
    pub fn purge_rejected(&self, cutoff: std::time::SystemTime) -> u64 {
        let Ok(rd) = std::fs::read_dir(self.rejected_dir()) else { return 0 };
        let mut n = 0;
        for e in rd.flatten() {
            let old = e.metadata().and_then(|m| m.modified()).is_ok_and(|t| t <= cutoff);
            if old && std::fs::remove_file(e.path()).is_ok() {
                n += 1;
            }
        }
        n
    }
}

fn remove(path: &Path) {
    if let Err(e) = std::fs::remove_file(path) {
        tracing::error!(file = %path.display(), error = %e, "cannot delete a screened spool file");
    }
}
