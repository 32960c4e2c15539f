//! The spool folder (service.md section 2), read as untrusted input: a
//! file placed there is screened and then deleted; names beginning with
//! `.` are being written and left alone (write `.NAME`, rename to `NAME`
//! when complete). Every other entry is handled: files in subfolders are
//! screened like the others (the emptied subfolders removed), a name that
//! is not UTF-8 is screened under an escaped name, anything that is not a
//! regular file (a link, a pipe) is rejected. A file that cannot be read,
//! or holds a message that cannot be, moves to `rejected/` beside a
//! `NAME.reason` file, under a name of its own (an earlier rejected file
//! of the same name is never overwritten). A file is deleted only after
//! its messages are in the store, so a crash in between screens it again
//! and the store finds the duplicates.
//!
//! The purge ([`Spool::purge`]) covers everything under the folder, by the
//! time each entry was received (first seen, kept in the store), never by
//! its modification time, which the writer controls.

use crate::pipeline::{rejections, Pipeline};
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The largest spool file read; a larger one is rejected unread.
pub const MAX_SPOOL_FILE: u64 = 64 * 1024 * 1024;

/// Subfolders followed this deep; a deeper one is left to the purge whole.
pub const MAX_DEPTH: usize = 8;

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

/// An entry's name relative to the spool folder, as text: bytes that are
/// not UTF-8 escaped (`\xff`), so every entry has a name to log and to
/// key its receipt by.
pub fn entry_name(rel: &Path) -> String {
    let bytes = rel.as_os_str().as_bytes();
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes.escape_ascii().to_string(),
    }
}

fn hidden(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n.as_bytes().starts_with(b"."))
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

    /// The complete entries to screen, in name order, subfolders followed
    /// (not through links), `rejected/` and names beginning with `.` left out.
    fn waiting(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut dirs = vec![(self.dir.clone(), 0)];
        while let Some((dir, depth)) = dirs.pop() {
            let Ok(rd) = std::fs::read_dir(&dir) else { continue };
            for e in rd.flatten() {
                let path = e.path();
                if hidden(&path) || path == self.rejected_dir() {
                    continue;
                }
                match std::fs::symlink_metadata(&path) {
                    Ok(m) if m.is_dir() && depth < MAX_DEPTH => dirs.push((path, depth + 1)),
                    Ok(m) if m.is_dir() => {
                        tracing::warn!(dir = %entry_name(self.rel(&path)), "spool subfolder too deep: left to the purge");
                    }
                    Ok(_) => out.push(path),
                    Err(_) => {} // gone meanwhile
                }
            }
        }
        out.sort();
        out
    }

    fn rel<'a>(&self, path: &'a Path) -> &'a Path {
        path.strip_prefix(&self.dir).unwrap_or(path)
    }

    /// Screen every complete file in the folder once, in name order.
    pub async fn pass(&self, pipeline: &Pipeline) -> Result<Pass, StoreError> {
        let mut pass = Pass::default();
        for path in self.waiting() {
            let name = entry_name(self.rel(&path));
            let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
            pass.files += 1;
            let why = if !meta.is_file() {
                Some("not a regular file (a link, a pipe or a device): not read".to_string())
            } else if meta.len() > MAX_SPOOL_FILE {
                Some(format!("larger than {} MiB: not read", MAX_SPOOL_FILE >> 20))
            } else {
                match std::fs::read(&path) {
                    Err(e) => Some(format!("cannot be read: {e}")),
                    Ok(bytes) => {
                        let results = pipeline.process(&bytes, &format!("spool:{name}")).await?;
                        let reasons = rejections(&results, false);
                        if reasons.is_empty() && !results.is_empty() {
                            remove(&path);
                            None
                        } else if results.is_empty() {
                            Some("no message in the file".to_string())
                        } else {
                            Some(reasons.join("\n"))
                        }
                    }
                }
            };
            if let Some(why) = why {
                self.reject(&pipeline.store, &path, &name, &why, pipeline.clock.now()).await?;
                pass.rejected_files += 1;
            }
        }
        self.remove_empty_subfolders();
        Ok(pass)
    }

    /// Move an entry to `rejected/` under a name no other rejected entry
    /// has, with its reason beside it (the reason may quote the file: it is
    /// passenger data too, and expires with it); both keep the entry's receipt.
    async fn reject(
        &self,
        store: &Store,
        path: &Path,
        name: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let received = store.spool_receipt(name, now).await?;
        let dir = self.rejected_dir();
        let flat = name.replace('/', "%2F");
        let moved = std::fs::create_dir_all(&dir).and_then(|_| place(path, &dir, &flat));
        match moved {
            Ok(kept) => {
                let kept_name = kept.to_string_lossy().into_owned();
                let text = format!("received_at: {}\nfile: {name}\n{reason}\n", received.to_rfc3339());
                let reason_file = dir.join(format!("{kept_name}.reason"));
                if let Err(e) = write_new(&reason_file, text.as_bytes()) {
                    tracing::error!(file = %kept_name, error = %e, "cannot write a rejected spool file's reason");
                }
                for entry in [format!("rejected/{kept_name}"), format!("rejected/{kept_name}.reason")] {
                    store.set_spool_receipt(&entry, received).await?;
                }
                tracing::warn!(file = %name, kept = %kept_name, "spool file rejected");
            }
            Err(e) => {
                // Never screen it again in a loop: it goes, and the log says so.
                tracing::error!(file = %name, error = %e, "cannot move a rejected spool file; deleted");
                remove(path);
            }
        }
        store.forget_spool_receipt(name).await
    }

    fn remove_empty_subfolders(&self) {
        let Ok(rd) = std::fs::read_dir(&self.dir) else { return };
        for e in rd.flatten() {
            let path = e.path();
            if path != self.rejected_dir() && !hidden(&path) && e.file_type().is_ok_and(|t| t.is_dir()) {
                remove_empty(&path, 0);
            }
        }
    }

    /// Delete every entry under the folder received at or before `cutoff`:
    /// files waiting or being written, rejected files and their reasons,
    /// links, anything in subfolders. An entry not seen before is noted
    /// as received `seen_at`. Emptied subfolders go too. The number deleted.
    pub async fn purge(&self, store: &Store, cutoff: DateTime<Utc>, seen_at: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut leaves = Vec::new();
        let mut dirs = vec![(self.dir.clone(), 0)];
        while let Some((dir, depth)) = dirs.pop() {
            let Ok(rd) = std::fs::read_dir(&dir) else { continue };
            for e in rd.flatten() {
                let path = e.path();
                let is_dir = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir());
                if is_dir && depth < MAX_DEPTH * 4 {
                    dirs.push((path, depth + 1));
                } else {
                    leaves.push((path, is_dir));
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        let mut deleted = 0;
        for (path, is_dir) in leaves {
            let name = entry_name(self.rel(&path));
            let received = store.spool_receipt(&name, seen_at).await?;
            if received > cutoff {
                seen.insert(name);
                continue;
            }
            let gone = if is_dir { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
            match gone {
                Ok(()) => deleted += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    tracing::error!(file = %name, error = %e, "an expired spool entry cannot be deleted");
                    seen.insert(name);
                    continue;
                }
            }
            store.forget_spool_receipt(&name).await?;
        }
        // Receipts of entries gone otherwise (screened and deleted).
        for (name, _) in store.spool_receipts().await? {
            if !seen.contains(&name) && std::fs::symlink_metadata(self.dir.join(&name)).is_err() {
                store.forget_spool_receipt(&name).await?;
            }
        }
        self.remove_empty_subfolders();
        Ok(deleted)
    }
}

/// Link `path` into `dir` as `name`, or `name~1`, `name~2`, ... whichever
/// is free (a link never replaces an existing name), then drop the old
/// name; the name used.
fn place(path: &Path, dir: &Path, name: &str) -> std::io::Result<PathBuf> {
    for n in 0..10_000u32 {
        let candidate = if n == 0 { name.to_string() } else { format!("{name}~{n}") };
        let dest = dir.join(&candidate);
        if std::fs::symlink_metadata(dir.join(format!("{candidate}.reason"))).is_ok() {
            continue;
        }
        match std::fs::hard_link(path, &dest) {
            Ok(()) => {
                std::fs::remove_file(path)?;
                return Ok(PathBuf::from(candidate));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("10,000 rejected files of this name"))
}

fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    std::fs::OpenOptions::new().write(true).create_new(true).open(path)?.write_all(bytes)
}

/// Remove `dir` and its subfolders if they hold no file.
fn remove_empty(dir: &Path, depth: usize) {
    if depth > MAX_DEPTH * 4 {
        return;
    }
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                remove_empty(&e.path(), depth + 1);
            }
        }
    }
    let _ = std::fs::remove_dir(dir); // fails, as it should, when not empty
}

fn remove(path: &Path) {
    if let Err(e) = std::fs::remove_file(path) {
        tracing::error!(file = %entry_name(path), error = %e, "cannot delete a screened spool file");
    }
}
