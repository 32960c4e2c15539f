//! Watchlist matching: normalisation, comparison, the candidate index and
//! the exhaustive reference matcher that serves as its oracle.

pub mod cjk;
pub mod compare;
pub mod evaluate;
pub mod index;
pub mod nicknames;
pub mod normalize;
pub mod phonetic;
pub mod readings;
pub mod segment;
pub mod similarity;
pub mod variation;
pub mod watchlist;
pub mod xscript;

pub use index::{PreparedPassenger, Watchlist, WatchlistMatch, DEFAULT_THRESHOLD};
