//! The analyst-maintained input folders (watchlists, trends): finding their
//! files and reporting what is wrong in them, with where.

use std::fmt;
use std::path::{Path, PathBuf};

/// A problem found while loading a list, with where.
///
/// `Display` leaves out the offending value (it may be a listed person's
/// date of birth or document number); [`Problem::with_value`] shows it, for
/// whoever asked for it explicitly (`check --show-values`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub line: u64,
    pub column: Option<String>,
    pub message: String,
    pub value: Option<String>,
}

impl Problem {
    /// The problem with the offending value, if there is one.
    pub fn with_value(&self) -> String {
        match &self.value {
            Some(v) => format!("{self}: {v:?}"),
            None => self.to_string(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(c) => write!(f, "{}:{}: {}: {}", self.file, self.line, c, self.message),
            None => write!(f, "{}:{}: {}", self.file, self.line, self.message),
        }
    }
}

/// Every `*.ext` below `dir`, sorted, so loading is deterministic.
pub fn files_with_extension(dir: &Path, ext: &str) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d)? {
            let p = e?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().and_then(|x| x.to_str()) == Some(ext) {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}
