//! paxscreen: Advance Passenger Information screening.
//!
//! Modules, one concern each, dependencies pointing down the list:
//! * `serve` — the service wired together (feature `service`, on by default);
//! * `web` — the JSON API and the operations endpoints;
//! * `retention` — expiry of passenger data; `reload` — hot reload of the lists;
//! * `forward` — confirmed hits to the border, exactly once (outbox, file or Kafka);
//! * [`ingest`] — getting messages in: replay of files, the spool folder, Kafka;
//! * `pipeline` — one path for every source: decode, dedupe, screen, store;
//! * `store` — the durable store (SQLite or PostgreSQL); `auth` — tokens, passwords, roles;
//! * [`review`] — the four-eyes states and moves; [`audit`] — the hash-chained audit trail;
//! * `metrics` — Prometheus; `readiness` — what `/readyz` reports; [`config`] — the service configuration;
//! * `kafka_client` — librdkafka client settings, one builder for every client;
//! * `clock` — where time comes from (the system's, or a test's);
//! * [`events`] — what happens to a message, counted alike by replay and the service;
//! * [`screening`] — one message in, hits out;
//! * [`travellers`] — which flight and which traveller a transmission is about;
//! * [`catalog`] — opening watchlist and trend folders as a versioned whole;
//! * [`matching`] — watchlist entries, name normalisation and comparison, the index;
//! * [`trends`] — weighted risk characteristics;
//! * [`inputs`] — the analyst-maintained folders: their files and their problems;
//! * [`generate`] — synthetic manifests and watchlists for tests and benchmarks;
//! * [`formats`] — the wire formats (JSON contract, PAXLST);
//! * [`reference`] — airports, countries, home region;
//! * [`model`] — the domain model.

pub mod audit;
pub mod catalog;
#[cfg(feature = "service")]
pub mod clock;
pub mod config;
pub mod digest;
pub mod events;
pub mod formats;
pub mod generate;
pub mod ingest;
pub mod inputs;
pub mod matching;
pub mod model;
pub mod reference;
pub mod review;
pub mod screening;
pub mod travellers;
pub mod trends;

#[cfg(feature = "service")]
pub mod auth;
#[cfg(feature = "service")]
pub mod forward;
#[cfg(feature = "service")]
pub mod kafka_client;
#[cfg(feature = "service")]
pub mod metrics;
#[cfg(feature = "service")]
pub mod oidc;
#[cfg(feature = "service")]
pub mod operator;
#[cfg(feature = "service")]
pub mod pipeline;
#[cfg(feature = "service")]
pub mod readiness;
#[cfg(feature = "service")]
pub mod reload;
#[cfg(feature = "service")]
pub mod retention;
#[cfg(feature = "service")]
pub mod serve;
#[cfg(feature = "service")]
pub mod store;
#[cfg(feature = "service")]
pub mod web;
