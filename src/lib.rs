//! paxscreen: Advance Passenger Information screening.
//!
//! Modules, one concern each, dependencies pointing down the list:
//! * [`ingest`] — getting messages in (replay of files);
//! * [`screening`] — one message in, hits out;
//! * [`catalog`] — opening watchlist and trend folders as a versioned whole;
//! * [`matching`] — watchlist entries, name normalisation and comparison, the index;
//! * [`trends`] — weighted risk characteristics;
//! * [`generate`] — synthetic manifests and watchlists for tests and benchmarks;
//! * [`formats`] — the wire formats (JSON contract, PAXLST);
//! * [`reference`] — airports, countries, home region;
//! * [`model`] — the domain model.

pub mod catalog;
pub mod formats;
pub mod generate;
pub mod ingest;
pub mod matching;
pub mod model;
pub mod reference;
pub mod screening;
pub mod trends;
