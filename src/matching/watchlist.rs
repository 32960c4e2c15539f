//! Watchlists: the CSV contract (section 2), loading with every refusal
//! rule, and the entries as the matcher uses them.

pub use crate::inputs::{files_with_extension, Problem};
pub use crate::model::PartialDate;

use super::compare::{confusable_document, normalise_document, PreparedName};
use crate::formats::special::is_special_category;
use crate::reference::reference;
use chrono::NaiveDate;
use compact_str::CompactString;
use rayon::prelude::*;
use std::path::Path;

/// A listed document number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedDocument {
    pub issuer: Option<String>,
    /// Uppercase letters and digits.
    pub number: String,
    /// With reading confusions folded.
    pub confusable: String,
}

/// One watchlist entry, ready for matching.
#[derive(Debug, Clone)]
pub struct Entry {
    // Inline strings (no allocation for short ones): a list holds millions of entries.
    pub list: CompactString,
    pub entry_id: CompactString,
    pub category: CompactString,
    /// Primary name first, then aliases. Empty for document-only entries.
    pub names: Vec<PreparedName>,
    pub date_of_birth: Option<PartialDate>,
    pub nationality: Option<CompactString>,
    pub documents: Vec<ListedDocument>,
    pub valid_until: Option<NaiveDate>,
    /// File and line it came from.
    pub source: CompactString,
}

impl Entry {
    pub fn is_valid_on(&self, day: NaiveDate) -> bool {
        self.valid_until.map_or(true, |v| day <= v)
    }
}

/// The result of loading a folder of lists.
#[derive(Debug, Default)]
pub struct Loaded {
    pub entries: Vec<Entry>,
    /// Refusals: the folder must not be used while there are any.
    pub problems: Vec<Problem>,
    /// Remarks that do not refuse the folder (entries already expired, ...).
    pub notices: Vec<Problem>,
    pub files: usize,
}

const COLUMNS: &[&str] = &[
    "list",
    "entry_id",
    "surname",
    "given_names",
    "aliases",
    "date_of_birth",
    "nationality",
    "document_numbers",
    "category",
    "valid_until",
];

/// Load every list under `dir`. `today` decides which entries are reported as expired.
pub fn load_dir(dir: &Path, today: NaiveDate) -> Loaded {
    let mut loaded = Loaded::default();
    let files = match files_with_extension(dir, "csv") {
        Ok(f) => f,
        Err(e) => {
            loaded.problems.push(Problem {
                value: None,
                file: dir.display().to_string(),
                line: 0,
                column: None,
                message: format!("cannot read folder: {e}"),
            });
            return loaded;
        }
    };
    if files.is_empty() {
        loaded.problems.push(Problem {
            value: None,
            file: dir.display().to_string(),
            line: 0,
            column: None,
            message: "no *.csv watchlist files".into(),
        });
    }
    for f in files {
        loaded.files += 1;
        match std::fs::read(&f) {
            Ok(bytes) => load_csv(&bytes, &f.display().to_string(), today, &mut loaded),
            Err(e) => loaded.problems.push(Problem {
                value: None,
                file: f.display().to_string(),
                line: 0,
                column: None,
                message: format!("cannot read: {e}"),
            }),
        }
    }
    // entry_id is unique within a list, across files.
    let mut seen = rustc_hash::FxHashMap::default();
    for e in &loaded.entries {
        if let Some(first) = seen.insert((e.list.clone(), e.entry_id.clone()), e.source.clone()) {
            let (file, line) = split_source(&e.source);
            loaded.problems.push(Problem {
                value: None,
                file,
                line,
                column: Some("entry_id".into()),
                message: format!("duplicate entry_id {:?} in list {:?} (first at {first})", e.entry_id, e.list),
            });
        }
    }
    loaded
}

fn split_source(s: &str) -> (String, u64) {
    match s.rsplit_once(':') {
        Some((f, l)) => (f.to_string(), l.parse().unwrap_or(0)),
        None => (s.to_string(), 0),
    }
}

/// Parse one list file.
pub fn load_csv(bytes: &[u8], file: &str, today: NaiveDate, out: &mut Loaded) {
    let mut rdr = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let headers = match rdr.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            out.problems.push(Problem {
                value: None,
                file: file.into(),
                line: 1,
                column: None,
                message: format!("unreadable header: {e}"),
            });
            return;
        }
    };
    let mut col = std::collections::HashMap::new();
    let mut refused = false;
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim();
        if is_special_category(h) {
            out.problems.push(Problem {
                value: None,
                file: file.into(),
                line: 1,
                column: Some(h.into()),
                message: "special-category personal data (GDPR art. 9) must not be used or stored: remove the column"
                    .into(),
            });
            refused = true;
        }
        col.insert(h.to_string(), i);
    }
    for c in COLUMNS {
        if !col.contains_key(*c) {
            out.problems.push(Problem {
                value: None,
                file: file.into(),
                line: 1,
                column: Some(c.to_string()),
                message: "required column missing from header".into(),
            });
            refused = true;
        }
    }
    if refused {
        return;
    }
    // Records are read in file order a chunk at a time; a chunk is prepared
    // (validated, names normalised: most of the load) in parallel while the
    // next is read. A chunk bounds the records held at once; a malformed
    // record keeps its place, so problems come in line order.
    // Lines are counted from the bytes where each record begins: the csv
    // crate's own line numbers are off with CRLF line ends and after quotes.
    let mut lines = LineCounter { bytes, at: 0, line: 1 };
    let mut records = rdr.records();
    let mut read_chunk = || -> Vec<Result<(u64, csv::StringRecord), Problem>> {
        records
            .by_ref()
            .take(LOAD_CHUNK)
            .map(|rec| match rec {
                Ok(r) => Ok((r.position().map_or(0, |p| lines.line_at(p.byte())), r)),
                Err(e) => Err(Problem {
                    value: None,
                    file: file.into(),
                    line: e.position().map_or(0, |p| lines.line_at(p.byte())),
                    column: None,
                    message: format!("malformed CSV record: {e}"),
                }),
            })
            .collect()
    };
    let mut chunk = read_chunk();
    while !chunk.is_empty() {
        let (next, rows) = rayon::join(&mut read_chunk, || {
            chunk
                .into_par_iter()
                .map(|rec| match rec {
                    Ok((line, rec)) => parse_row(&rec, line, &col, file, today),
                    Err(p) => Row { entry: None, problems: vec![p], notice: None },
                })
                .collect::<Vec<Row>>()
        });
        for row in rows {
            out.problems.extend(row.problems);
            out.notices.extend(row.notice);
            out.entries.extend(row.entry);
        }
        chunk = next;
    }
}

/// The line of a byte offset, counted forward from the last one asked.
struct LineCounter<'a> {
    bytes: &'a [u8],
    at: usize,
    line: u64,
}

impl LineCounter<'_> {
    fn line_at(&mut self, byte: u64) -> u64 {
        let mut byte = (byte as usize).min(self.bytes.len());
        // An error may point at the line end before its record: the record begins after it.
        while byte < self.bytes.len() && matches!(self.bytes[byte], b'\r' | b'\n') {
            byte += 1;
        }
        if byte < self.at {
            (self.at, self.line) = (0, 1);
        }
        self.line += self.bytes[self.at..byte].iter().filter(|b| **b == b'\n').count() as u64;
        self.at = byte;
        self.line
    }
}

/// Records prepared in parallel at a time while loading.
const LOAD_CHUNK: usize = 16_384;

/// What one CSV record of a watchlist gives.
struct Row {
    entry: Option<Entry>,
    problems: Vec<Problem>,
    notice: Option<Problem>,
}

/// An optional field: empty is none; a value `parse` refuses is a problem
/// naming what was expected.
fn optional<'a, T>(
    get: impl Fn(&str) -> &'a str,
    column: &str,
    parse: impl FnOnce(&str) -> Option<T>,
    expected: &str,
    bad: &mut impl FnMut(&str, String, Option<&str>),
) -> Option<T> {
    let value = get(column);
    if value.is_empty() {
        return None;
    }
    let parsed = parse(value);
    if parsed.is_none() {
        bad(column, expected.to_string(), Some(value));
    }
    parsed
}

/// Validate one record and prepare its entry (refused with every problem named).
fn parse_row(
    rec: &csv::StringRecord,
    line: u64,
    col: &std::collections::HashMap<String, usize>,
    file: &str,
    today: NaiveDate,
) -> Row {
    let mut row = Row { entry: None, problems: Vec::new(), notice: None };
    let get = |c: &str| rec.get(col[c]).unwrap_or("").trim();
    let mut bad = |column: &str, message: String, value: Option<&str>| {
        row.problems.push(Problem {
            file: file.into(),
            line,
            column: Some(column.into()),
            message,
            value: value.map(Into::into),
        });
    };
    let list = get("list");
    if list.is_empty() {
        bad("list", "must not be empty".into(), None);
    }
    let entry_id = get("entry_id");
    if entry_id.is_empty() {
        bad("entry_id", "must not be empty".into(), None);
    }
    let date_of_birth = optional(get, "date_of_birth", PartialDate::parse, "not YYYY-MM-DD, YYYY-MM or YYYY", &mut bad);
    let nationality =
        optional(get, "nationality", |s| reference().normalise_country(s), "not an alpha-3 country code", &mut bad);
    let valid_until = optional(get, "valid_until", crate::model::parse_date, "not YYYY-MM-DD", &mut bad);
    let mut documents = Vec::new();
    for d in get("document_numbers").split(';').map(str::trim).filter(|d| !d.is_empty()) {
        let (issuer, number) = match d.split_once(':') {
            Some((i, n)) => match reference().normalise_country(i) {
                Some(c) => (Some(c), n),
                None => {
                    bad("document_numbers", format!("unknown issuer {i:?}"), Some(d));
                    continue;
                }
            },
            None => (None, d),
        };
        let number = normalise_document(number);
        if number.len() < 4 {
            bad("document_numbers", "document number too short to screen".into(), Some(d));
            continue;
        }
        let confusable = confusable_document(&number);
        documents.push(ListedDocument { issuer, number, confusable });
    }
    let mut names = Vec::new();
    let primary = PreparedName::new(get("surname"), get("given_names"));
    if !primary.is_empty() {
        names.push(primary);
    }
    for alias in get("aliases").split(';').map(str::trim).filter(|a| !a.is_empty()) {
        let n = PreparedName::parse_full(alias);
        if !n.is_empty() {
            names.push(n);
        }
    }
    if names.len() > 255 {
        bad("aliases", format!("{} names for one entry: at most 255", names.len()), None);
    }
    if names.is_empty() && documents.is_empty() {
        bad("surname", "an entry needs a name or a document number".into(), None);
    }
    let category = get("category");
    if category.is_empty() {
        bad("category", "must not be empty".into(), None);
    }
    if !row.problems.is_empty() {
        return row;
    }
    if let Some(v) = valid_until {
        if v < today {
            row.notice = Some(Problem {
                value: None,
                file: file.into(),
                line,
                column: Some("valid_until".into()),
                message: format!("entry {entry_id} expired on {v}: loaded, never screened after that date"),
            });
        }
    }
    row.entry = Some(Entry {
        list: list.into(),
        entry_id: entry_id.into(),
        category: category.into(),
        names,
        date_of_birth,
        nationality: nationality.map(Into::into),
        documents,
        valid_until,
        source: compact_str::format_compact!("{file}:{line}"),
    });
    row
}
