//! Replay: read test flight manifests from files and folders, screen every
//! passenger, write hits as JSON Lines. Same input, same output, byte for
//! byte: files are read in sorted order, messages screened in parallel but
//! written in input order.

use crate::events::{Events, MessageOutcome, MessageScreened, MessageSkipped};
use crate::formats::decode::{decode, Decoded};
use crate::formats::paxlst::{Part, PartTracker};
use crate::formats::MessageError;
use crate::model::ReadMessage;
use crate::screening::{Hit, HitKind, Outcome, Screener};
use rayon::prelude::*;
use rustc_hash::FxHashSet;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where a message came from: file and line (1 for whole-file messages).
#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub file: String,
    pub line: usize,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// What kind of problem a [`Rejection`] is.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RejectionKind {
    /// A path that is not a regular file or could not be read: skipped.
    PathSkipped,
    /// A whole message refused.
    MessageRejected,
    /// A person left unscreened (no usable name and no document).
    PassengerRejected,
    /// A defective field dropped; the person was screened on the rest.
    FieldDropped,
    /// Damage or a remark on a message, or outside any message.
    Warning,
}

/// A problem met while reading, for the carrier (in full, in the rejects
/// file) and for the terminal (redacted).
#[derive(Debug, Clone, Serialize)]
pub struct Rejection {
    pub kind: RejectionKind,
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    pub error: String,
    /// The error without the offending value, for logs.
    #[serde(skip)]
    pub redacted: String,
}

/// How many redacted problems a summary keeps to show; the rest are counted
/// (and all of them are in the rejects file).
pub const SAMPLE: usize = 50;

/// Totals of one replay.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Summary {
    pub files: usize,
    /// Paths that were not regular files or could not be read.
    pub skipped_paths: usize,
    pub messages: usize,
    pub duplicates: usize,
    pub rejected_messages: usize,
    pub out_of_scope: usize,
    /// Received too long after they were sent (the service only; a replay judges no age).
    pub too_old: usize,
    pub unknown_departure_airports: usize,
    pub passengers: usize,
    pub rejected_passengers: usize,
    /// Defective fields dropped from persons who were screened on the rest.
    pub fields_dropped: usize,
    /// Persons screened whose record was damaged (their hits say so).
    pub damaged_passengers: usize,
    pub special_category_fields_discarded: usize,
    /// Per sender, so the privacy officer can take it up with the carrier.
    pub special_category_by_sender: BTreeMap<String, usize>,
    pub unknown_fields_dropped: usize,
    pub warnings: usize,
    /// Multi-part PAXLST transmissions with parts that never arrived.
    pub incomplete_multipart: Vec<String>,
    pub hits: usize,
    pub watchlist_hits_by_list: BTreeMap<String, usize>,
    pub trend_hits_by_trend: BTreeMap<String, usize>,
    pub passengers_with_hits: usize,
    /// The first problems met, redacted (no values): `source: error`.
    pub sample: Vec<String>,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "files read              {}", self.files)?;
        writeln!(f, "  skipped (not files)   {}", self.skipped_paths)?;
        writeln!(f, "messages                {}", self.messages)?;
        writeln!(f, "  duplicates skipped    {}", self.duplicates)?;
        writeln!(f, "  rejected              {}", self.rejected_messages)?;
        writeln!(f, "  out of scope          {}", self.out_of_scope)?;
        writeln!(f, "  unknown departure     {}", self.unknown_departure_airports)?;
        writeln!(f, "passengers screened     {}", self.passengers)?;
        writeln!(f, "  rejected (skipped)    {}", self.rejected_passengers)?;
        writeln!(f, "  damaged (flagged)     {}", self.damaged_passengers)?;
        writeln!(f, "fields dropped          {}", self.fields_dropped)?;
        writeln!(f, "special-category fields discarded {}", self.special_category_fields_discarded)?;
        for (s, n) in &self.special_category_by_sender {
            writeln!(f, "  from sender {s:<10} {n}")?;
        }
        writeln!(f, "unknown fields dropped  {}", self.unknown_fields_dropped)?;
        writeln!(f, "warnings                {}", self.warnings)?;
        for g in &self.incomplete_multipart {
            writeln!(f, "  incomplete multi-part {g}")?;
        }
        writeln!(f, "hits                    {} ({} passengers)", self.hits, self.passengers_with_hits)?;
        for (l, n) in &self.watchlist_hits_by_list {
            writeln!(f, "  list  {l:<20} {n}")?;
        }
        for (t, n) in &self.trend_hits_by_trend {
            writeln!(f, "  trend {t:<20} {n}")?;
        }
        Ok(())
    }
}

/// The files a replay reads: the given files, and every regular file below
/// the given folders, each folder's files sorted. Names beginning with `.`
/// are left out. Anything that is not a regular file (a FIFO, a socket, a
/// device), a broken link, a link loop or an unreadable folder is skipped
/// and named in the second list; it never stops the others.
pub fn collect_files(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<(PathBuf, String)>) {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    let mut seen_dirs = FxHashSet::default();
    for p in paths {
        walk(p, true, &mut files, &mut skipped, &mut seen_dirs);
    }
    (files, skipped)
}

fn walk(
    path: &Path,
    given: bool,
    files: &mut Vec<PathBuf>,
    skipped: &mut Vec<(PathBuf, String)>,
    seen_dirs: &mut FxHashSet<PathBuf>,
) {
    let hidden = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'));
    if hidden && !given {
        return;
    }
    // Follows links; a loop or a dangling link is an error here.
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            let why = match e.kind() {
                std::io::ErrorKind::NotFound => "no such file or folder (or a broken link)".to_string(),
                _ if e.raw_os_error() == Some(40) => "too many levels of symbolic links (a link loop)".to_string(),
                _ => format!("cannot be read: {e}"),
            };
            skipped.push((path.to_path_buf(), why));
            return;
        }
    };
    if meta.is_dir() {
        let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if !seen_dirs.insert(real) {
            skipped.push((path.to_path_buf(), "a folder already read (a link loop?)".into()));
            return;
        }
        let entries = match std::fs::read_dir(path) {
            Ok(rd) => rd,
            Err(e) => {
                skipped.push((path.to_path_buf(), format!("folder cannot be read: {e}")));
                return;
            }
        };
        let mut children: Vec<PathBuf> = Vec::new();
        for e in entries {
            match e {
                Ok(e) => children.push(e.path()),
                Err(e) => skipped.push((path.to_path_buf(), format!("folder entry cannot be read: {e}"))),
            }
        }
        children.sort();
        for c in children {
            walk(&c, false, files, skipped, seen_dirs);
        }
    } else if meta.is_file() {
        files.push(path.to_path_buf());
    } else {
        skipped.push((path.to_path_buf(), "not a regular file (a FIFO, socket or device): skipped".into()));
    }
}

/// One message read, with its source and, for multi-part PAXLST, its part.
pub type Read = (Source, Result<ReadMessage, MessageError>, Option<Part>);

/// Options of one replay.
pub struct Replay<'a> {
    pub screener: &'a Screener,
    pub hits_out: Box<dyn Write + 'a>,
    /// Every problem in full (with the offending values), for the carrier.
    pub rejects_out: Option<Box<dyn Write + 'a>>,
    /// Called once per file read, for a progress display.
    pub on_file: Option<Box<dyn FnMut() + 'a>>,
}

/// Messages screened together in parallel (then written in order), and the
/// most persons held at once: memory stays bounded whatever the input.
const CHUNK: usize = 256;
const CHUNK_PERSONS: usize = 50_000;

/// What a replay has read and not yet screened.
struct Pending {
    messages: Vec<(Source, ReadMessage)>,
    persons: usize,
}

impl<'a> Replay<'a> {
    /// Screen `files`; paths skipped while collecting them are reported first.
    pub fn run(mut self, files: &[PathBuf], skipped: &[(PathBuf, String)]) -> std::io::Result<Summary> {
        let mut summary = Summary { files: files.len(), ..Default::default() };
        for (path, why) in skipped {
            self.skip_path(&mut summary, &path.display().to_string(), why.clone())?;
        }
        let mut seen = FxHashSet::default();
        let mut parts = PartTracker::default();
        let mut pending = Pending { messages: Vec::with_capacity(CHUNK), persons: 0 };
        for f in files {
            let name = f.display().to_string();
            let decoded = std::fs::File::open(f).and_then(|file| decode(std::io::BufReader::new(file)));
            let items = match decoded {
                Ok(items) => items,
                Err(e) => {
                    self.skip_path(&mut summary, &name, format!("cannot be read: {e}"))?;
                    continue;
                }
            };
            for item in items {
                let item = match item {
                    Ok(i) => i,
                    Err(e) => {
                        // A read error part-way: what was read is kept, the rest of the file is lost.
                        self.skip_path(&mut summary, &name, format!("read failed part-way: {e}"))?;
                        break;
                    }
                };
                let (line, res, part) = match item {
                    Decoded::Notice { line, error } => {
                        let source = format!("{name}:{line}");
                        self.report(
                            &mut summary,
                            RejectionKind::Warning,
                            &source,
                            None,
                            error.to_string(),
                            error.redacted(),
                        )?;
                        continue;
                    }
                    Decoded::Message { line, result, part, .. } => (line, result, part),
                };
                let source = Source { file: name.clone(), line };
                summary.messages += 1;
                if let Some(p) = &part {
                    parts.see(p);
                }
                match res {
                    Err(e) => {
                        summary.skipped(MessageSkipped(MessageOutcome::Rejected));
                        self.report(
                            &mut summary,
                            RejectionKind::MessageRejected,
                            &source.to_string(),
                            None,
                            e.to_string(),
                            e.redacted(),
                        )?;
                    }
                    Ok(rm) => {
                        if !seen.insert(rm.message.message_id.clone()) {
                            summary.skipped(MessageSkipped(MessageOutcome::Duplicate));
                            continue;
                        }
                        pending.persons += rm.message.passengers.len();
                        pending.messages.push((source, rm));
                        if pending.messages.len() == CHUNK || pending.persons >= CHUNK_PERSONS {
                            self.flush(&mut pending, &mut summary)?;
                        }
                    }
                }
            }
            if let Some(tick) = self.on_file.as_mut() {
                tick();
            }
        }
        self.flush(&mut pending, &mut summary)?;
        summary.incomplete_multipart.extend(parts.incomplete_described());
        self.hits_out.flush()?;
        if let Some(r) = self.rejects_out.as_mut() {
            r.flush()?;
        }
        Ok(summary)
    }

    /// A path left out (or left unfinished): counted and reported.
    fn skip_path(&mut self, summary: &mut Summary, source: &str, why: String) -> std::io::Result<()> {
        summary.skipped_paths += 1;
        self.report(summary, RejectionKind::PathSkipped, source, None, why.clone(), why)
    }

    /// Count a problem, keep it in the sample (redacted) while there is
    /// room, and write it in full to the rejects file.
    fn report(
        &mut self,
        summary: &mut Summary,
        kind: RejectionKind,
        source: &str,
        message_id: Option<&str>,
        error: String,
        redacted: String,
    ) -> std::io::Result<()> {
        if summary.sample.len() < SAMPLE {
            summary.sample.push(format!("{source}: {redacted}"));
        }
        if let Some(r) = self.rejects_out.as_mut() {
            let rej =
                Rejection { kind, source: source.to_string(), message_id: message_id.map(Into::into), error, redacted };
            serde_json::to_writer(&mut *r, &rej)?;
            r.write_all(b"\n")?;
        }
        Ok(())
    }

    fn flush(&mut self, pending: &mut Pending, summary: &mut Summary) -> std::io::Result<()> {
        let screener = self.screener;
        let outcomes: Vec<Outcome> = pending.messages.par_iter().map(|(_, rm)| screener.screen(&rm.message)).collect();
        pending.persons = 0;
        for ((source, rm), outcome) in pending.messages.drain(..).zip(outcomes) {
            let r = &rm.report;
            let m = &rm.message;
            let at = source.to_string();
            let id = Some(m.message_id.as_str());
            for e in &r.rejected_passengers {
                self.report(summary, RejectionKind::PassengerRejected, &at, id, e.to_string(), e.redacted())?;
            }
            for e in &r.field_defects {
                self.report(summary, RejectionKind::FieldDropped, &at, id, e.to_string(), e.redacted())?;
            }
            for e in &r.warnings {
                self.report(summary, RejectionKind::Warning, &at, id, e.to_string(), e.redacted())?;
            }
            summary.warnings += r.warnings.len();
            summary.fields_dropped += r.field_defects.len();
            summary.unknown_fields_dropped += r.unknown_fields_dropped;
            if !r.special_category_discarded.is_empty() {
                summary.special_category_fields_discarded += r.special_category_discarded.len();
                *summary.special_category_by_sender.entry(m.sender.clone()).or_default() +=
                    r.special_category_discarded.len();
            }
            match outcome {
                Outcome::OutOfScope { .. } => summary.skipped(MessageSkipped(MessageOutcome::OutOfScope)),
                Outcome::Screened { hits, unknown_airport } => {
                    summary.unknown_departure_airports += unknown_airport as usize;
                    summary.damaged_passengers += m.passengers.iter().filter(|p| p.damaged).count();
                    summary.rejected_passengers += r.rejected_passengers.len();
                    self.write_hits(&hits)?;
                    summary.screened(MessageScreened { passengers: m.passengers.len(), hits: &hits });
                }
            }
        }
        Ok(())
    }

    fn write_hits(&mut self, hits: &[Hit]) -> std::io::Result<()> {
        for h in hits {
            serde_json::to_writer(&mut self.hits_out, h)?;
            self.hits_out.write_all(b"\n")?;
        }
        Ok(())
    }
}

/// The replay summary counts the same events as the service's metrics.
impl Events for Summary {
    fn skipped(&mut self, e: MessageSkipped) {
        match e.0 {
            MessageOutcome::Duplicate => self.duplicates += 1,
            MessageOutcome::Rejected => self.rejected_messages += 1,
            MessageOutcome::OutOfScope => self.out_of_scope += 1,
            MessageOutcome::TooOld => self.too_old += 1,
            MessageOutcome::Screened => {}
        }
    }

    fn screened(&mut self, e: MessageScreened<'_>) {
        self.passengers += e.passengers;
        self.hits += e.hits.len();
        let mut last = None;
        for h in e.hits {
            match h.kind {
                HitKind::Watchlist => {
                    *self.watchlist_hits_by_list.entry(h.list.clone().unwrap_or_default()).or_default() += 1
                }
                HitKind::Trend => {
                    *self.trend_hits_by_trend.entry(h.trend_id.clone().unwrap_or_default()).or_default() += 1
                }
            }
            if last != Some(h.passenger) {
                self.passengers_with_hits += 1;
                last = Some(h.passenger);
            }
        }
    }
}

impl Summary {
    /// Whether anything was refused or left out: a message, a person, a path.
    pub fn anything_rejected(&self) -> bool {
        self.rejected_messages + self.rejected_passengers + self.skipped_paths > 0
    }
}
