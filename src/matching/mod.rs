//! Watchlist matching: normalisation, comparison, the candidate index and
//! the exhaustive reference matcher that serves as its oracle.

pub mod compare;
pub mod evaluate;
pub mod index;
pub mod normalize;
pub mod watchlist;

pub use index::{PreparedPassenger, Watchlist, WatchlistMatch, DEFAULT_THRESHOLD};
