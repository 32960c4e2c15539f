//! What several commands share: the list folders, dates, the catalogue.

use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use clap::Args;
use paxscreen::catalog;
use std::path::PathBuf;

/// The analyst-maintained folders.
#[derive(Args, Clone)]
pub struct Inputs {
    /// Folder of watchlist CSV files (contract section 2).
    #[arg(long, default_value = "watchlists")]
    pub watchlists: PathBuf,
    /// Folder of trend TOML files (contract section 3).
    #[arg(long, default_value = "trends")]
    pub trends: PathBuf,
}

/// A date given as `YYYY-MM-DD`.
pub fn parse_day(s: &str) -> Result<NaiveDate> {
    paxscreen::model::parse_date(s).with_context(|| format!("not a date YYYY-MM-DD: {s:?}"))
}

/// Today, in UTC.
pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// The lists as of today, every problem printed.
pub fn open_catalog(inputs: &Inputs) -> Result<catalog::Catalog> {
    match catalog::open(&inputs.watchlists, &inputs.trends, today()) {
        Ok(c) => Ok(c),
        Err((problems, _)) => {
            for p in &problems {
                eprintln!("error: {p}");
            }
            bail!("{} problem(s) in watchlists or trends (a list with a bad row is refused whole); run `paxscreen check --show-values` for the values", problems.len())
        }
    }
}
