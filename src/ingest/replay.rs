//! Replay: read test flight manifests from files and folders, screen every
//! passenger, write hits as JSON Lines. Same input, same output, byte for
//! byte: files are read in sorted order, messages screened in parallel but
//! written in input order.

use crate::formats::paxlst::{self, Part, PartTracker};
use crate::formats::{self, api_json, Format, MessageError};
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

/// A message refused, or a person of it skipped.
#[derive(Debug, Clone, Serialize)]
pub struct Rejection {
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    pub error: String,
    /// The error without the offending value, for logs.
    #[serde(skip)]
    pub redacted: String,
}

/// Totals of one replay.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Summary {
    pub files: usize,
    pub messages: usize,
    pub duplicates: usize,
    pub rejected_messages: usize,
    pub out_of_scope: usize,
    pub unknown_departure_airports: usize,
    pub passengers: usize,
    pub rejected_passengers: usize,
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
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "files read              {}", self.files)?;
        writeln!(f, "messages                {}", self.messages)?;
        writeln!(f, "  duplicates skipped    {}", self.duplicates)?;
        writeln!(f, "  rejected              {}", self.rejected_messages)?;
        writeln!(f, "  out of scope          {}", self.out_of_scope)?;
        writeln!(f, "  unknown departure     {}", self.unknown_departure_airports)?;
        writeln!(f, "passengers screened     {}", self.passengers)?;
        writeln!(f, "  rejected (skipped)    {}", self.rejected_passengers)?;
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
/// the given folders, sorted. Format is told by content, not by name.
pub fn collect_files(paths: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut stack = vec![p.clone()];
            let mut found = Vec::new();
            while let Some(d) = stack.pop() {
                for e in std::fs::read_dir(&d)? {
                    let path = e?.path();
                    if path.is_dir() {
                        stack.push(path);
                    } else if !path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.')) {
                        found.push(path);
                    }
                }
            }
            found.sort();
            out.extend(found);
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{}: no such file or folder", p.display()),
            ));
        }
    }
    Ok(out)
}

/// Split one file into messages, each with its source. JSON files hold one
/// message (possibly pretty-printed) or one per line.
pub fn read_file(path: &Path) -> std::io::Result<Vec<Read>> {
    let bytes = std::fs::read(path)?;
    Ok(read_bytes(&bytes, &path.display().to_string()))
}

/// One message read from a file, with its source and, for multi-part
/// PAXLST, its part.
pub type Read = (Source, Result<ReadMessage, MessageError>, Option<Part>);

pub fn read_bytes(bytes: &[u8], file: &str) -> Vec<Read> {
    let src = |line| Source { file: file.to_string(), line };
    match formats::detect(bytes) {
        None if bytes.iter().all(|b| b.is_ascii_whitespace()) => vec![],
        None => vec![(src(1), Err(MessageError::UnknownFormat), None)],
        Some(Format::Paxlst) => {
            paxlst::read_messages(bytes).into_iter().map(|m| (src(m.line), m.result, m.part)).collect()
        }
        Some(Format::Json) => {
            // One document per file, unless it is JSON Lines.
            if let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) {
                return vec![(src(1), api_json::read_value(v), None)];
            }
            let text = String::from_utf8_lossy(bytes);
            let lines: Vec<(usize, &str)> = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()).collect();
            let pretty = lines.first().is_some_and(|(_, l)| l.trim() == "{");
            if pretty || lines.len() <= 1 {
                return vec![(src(1), api_json::read(bytes), None)];
            }
            lines.into_iter().map(|(i, l)| (src(i + 1), api_json::read(l.as_bytes()), None)).collect()
        }
    }
}

/// Options of one replay.
pub struct Replay<'a> {
    pub screener: &'a Screener,
    pub hits_out: Box<dyn Write + 'a>,
    pub rejects_out: Option<Box<dyn Write + 'a>>,
    pub progress: Option<indicatif::ProgressBar>,
}

/// Messages screened together in parallel (then written in order).
const CHUNK: usize = 256;

impl<'a> Replay<'a> {
    pub fn run(mut self, files: &[PathBuf]) -> std::io::Result<(Summary, Vec<Rejection>)> {
        let mut summary = Summary { files: files.len(), ..Default::default() };
        let mut rejections = Vec::new();
        let mut seen = FxHashSet::default();
        let mut parts = PartTracker::default();
        let mut pending: Vec<(Source, ReadMessage)> = Vec::with_capacity(CHUNK);
        for f in files {
            for (source, res, part) in read_file(f)? {
                summary.messages += 1;
                if let Some(p) = &part {
                    parts.see(p);
                }
                match res {
                    Err(e) => {
                        summary.rejected_messages += 1;
                        rejections.push(Rejection {
                            source: source.to_string(),
                            message_id: None,
                            error: e.to_string(),
                            redacted: e.redacted(),
                        });
                    }
                    Ok(rm) => {
                        if !seen.insert(rm.message.message_id.clone()) {
                            summary.duplicates += 1;
                            continue;
                        }
                        pending.push((source, rm));
                        if pending.len() == CHUNK {
                            self.flush(&mut pending, &mut summary, &mut rejections)?;
                        }
                    }
                }
            }
            if let Some(pb) = &self.progress {
                pb.inc(1);
            }
        }
        self.flush(&mut pending, &mut summary, &mut rejections)?;
        for (group, missing, final_seen) in parts.incomplete() {
            let what = match (missing.is_empty(), final_seen) {
                (false, _) => format!("parts {missing:?} missing"),
                (true, false) => "final part (…:F) never arrived".to_string(),
                (true, true) => unreachable!("complete groups are not listed"),
            };
            summary.incomplete_multipart.push(format!("{group}: {what}"));
        }
        self.hits_out.flush()?;
        if let Some(r) = self.rejects_out.as_mut() {
            for rej in &rejections {
                serde_json::to_writer(&mut *r, rej)?;
                r.write_all(b"\n")?;
            }
            r.flush()?;
        }
        if let Some(pb) = &self.progress {
            pb.finish_and_clear();
        }
        Ok((summary, rejections))
    }

    fn flush(
        &mut self,
        pending: &mut Vec<(Source, ReadMessage)>,
        summary: &mut Summary,
        rejections: &mut Vec<Rejection>,
    ) -> std::io::Result<()> {
        let screener = self.screener;
        let outcomes: Vec<Outcome> = pending.par_iter().map(|(_, rm)| screener.screen(&rm.message)).collect();
        for ((source, rm), outcome) in pending.drain(..).zip(outcomes) {
            let r = &rm.report;
            let m = &rm.message;
            for e in &r.rejected_passengers {
                rejections.push(Rejection {
                    source: source.to_string(),
                    message_id: Some(m.message_id.clone()),
                    error: e.to_string(),
                    redacted: e.redacted(),
                });
            }
            summary.warnings += r.warnings.len();
            summary.unknown_fields_dropped += r.unknown_fields_dropped;
            if !r.special_category_discarded.is_empty() {
                summary.special_category_fields_discarded += r.special_category_discarded.len();
                *summary.special_category_by_sender.entry(m.sender.clone()).or_default() +=
                    r.special_category_discarded.len();
            }
            match outcome {
                Outcome::OutOfScope { .. } => summary.out_of_scope += 1,
                Outcome::Screened { hits, unknown_airport } => {
                    summary.unknown_departure_airports += unknown_airport as usize;
                    summary.passengers += m.passengers.len();
                    summary.rejected_passengers += r.rejected_passengers.len();
                    self.write_hits(&hits, summary)?;
                }
            }
        }
        Ok(())
    }

    fn write_hits(&mut self, hits: &[Hit], summary: &mut Summary) -> std::io::Result<()> {
        let mut last = None;
        for h in hits {
            serde_json::to_writer(&mut self.hits_out, h)?;
            self.hits_out.write_all(b"\n")?;
            summary.hits += 1;
            match h.kind {
                HitKind::Watchlist => {
                    *summary.watchlist_hits_by_list.entry(h.list.clone().unwrap_or_default()).or_default() += 1
                }
                HitKind::Trend => {
                    *summary.trend_hits_by_trend.entry(h.trend_id.clone().unwrap_or_default()).or_default() += 1
                }
            }
            if last != Some(h.passenger) {
                summary.passengers_with_hits += 1;
                last = Some(h.passenger);
            }
        }
        Ok(())
    }
}
