//! The service pipeline, the same for every source (spool, HTTP, Kafka):
//! bytes -> decode -> too old? -> dedupe -> multi-part tracking -> scope ->
//! screen -> store. A message is committed to the store with its passengers
//! and hits in one transaction, or found to be there already; only then
//! may the source let go of it (delete the file, answer 202, commit the
//! offset).

use crate::events::{Events, MessageOutcome, MessageScreened, MessageSkipped};
use crate::formats::decode::{decode_bytes, Decoded};
use crate::metrics::Metrics;
use crate::model::ReadMessage;
use crate::screening::{Outcome, Screener};
use crate::store::{Ingested, Recorded, Store, StoreError};
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// Where time comes from: the system's, or a test's.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// What became of one message.
#[derive(Debug, Clone, PartialEq)]
pub enum Processed {
    Stored {
        message_id: String,
        passengers: usize,
        hits: usize,
    },
    Duplicate {
        message_id: String,
    },
    OutOfScope {
        message_id: String,
    },
    TooOld {
        message_id: String,
    },
    /// The message could not be read: the reason in full (for the sender)
    /// and without values (for logs and the dead-letter header).
    Rejected {
        line: usize,
        reason: String,
        redacted: String,
    },
}

impl Processed {
    pub fn outcome(&self) -> MessageOutcome {
        match self {
            Processed::Stored { .. } => MessageOutcome::Screened,
            Processed::Duplicate { .. } => MessageOutcome::Duplicate,
            Processed::OutOfScope { .. } => MessageOutcome::OutOfScope,
            Processed::TooOld { .. } => MessageOutcome::TooOld,
            Processed::Rejected { .. } => MessageOutcome::Rejected,
        }
    }
}

/// `line N: reason` for every rejected message among `results`: in full
/// (for the sender) or without values (for logs and dead-letter headers).
pub fn rejections(results: &[Processed], redacted: bool) -> Vec<String> {
    results
        .iter()
        .filter_map(|r| match r {
            Processed::Rejected { line, reason, redacted: r } => {
                Some(format!("line {line}: {}", if redacted { r } else { reason }))
            }
            _ => None,
        })
        .collect()
}

pub struct Pipeline {
    pub screener: Arc<Screener>,
    pub store: Store,
    pub metrics: Arc<Metrics>,
    pub clock: Arc<dyn Clock>,
    pub retention: chrono::Duration,
}

impl Pipeline {
    /// Read every message in `bytes` and take each to the store.
    /// `source` names where they came from, without personal data.
    pub async fn process(&self, bytes: &[u8], source: &str) -> Result<Vec<Processed>, StoreError> {
        let received_at = self.clock.now();
        let started = std::time::Instant::now();
        let mut out = Vec::new();
        for item in decode_bytes(bytes) {
            let p = match item {
                Decoded::Notice { line, error } => {
                    tracing::warn!(source, line, problem = %error.redacted(), "damage outside any message");
                    continue;
                }
                Decoded::Message { line, result: Err(e), .. } => {
                    Processed::Rejected { line, reason: e.to_string(), redacted: e.redacted() }
                }
                Decoded::Message { result: Ok(rm), part, .. } => {
                    if let Some(part) = &part {
                        self.store.see_part(&part.group, part.number, part.last, received_at + self.retention).await?;
                    }
                    self.one(rm, source, received_at, started).await?
                }
            };
            if let Processed::Rejected { line, redacted, .. } = &p {
                tracing::warn!(source, line, problem = %redacted, "message rejected");
            }
            if !matches!(p, Processed::Stored { .. }) {
                self.metrics.events().skipped(MessageSkipped(p.outcome()));
            }
            out.push(p);
        }
        Ok(out)
    }

    async fn one(
        &self,
        rm: ReadMessage,
        source: &str,
        received_at: DateTime<Utc>,
        started: std::time::Instant,
    ) -> Result<Processed, StoreError> {
        let m = rm.message;
        let message_id = m.message_id.clone();
        if received_at.signed_duration_since(m.sent_at.with_timezone(&Utc)) > self.retention {
            return Ok(Processed::TooOld { message_id });
        }
        // The key of the contract: the message id (PAXLST message ids are
        // built from the sender's references).
        let key = m.message_id.clone();
        if self.store.seen(&key).await? {
            return Ok(Processed::Duplicate { message_id });
        }
        let screener = self.screener.clone();
        let (m, outcome) = tokio::task::spawn_blocking(move || {
            let o = screener.screen(&m);
            (m, o)
        })
        .await
        .expect("screening does not panic");
        let (hits, scope) = match outcome {
            Outcome::Screened { hits, .. } => (hits, "screened"),
            Outcome::OutOfScope { .. } => (Vec::new(), "out_of_scope"),
        };
        let in_scope = scope == "screened";
        let ingested = Ingested {
            key: &key,
            message: &m,
            source,
            outcome: scope,
            hits: &hits,
            keep_passengers: in_scope,
            received_at,
            expires_at: received_at + self.retention,
        };
        Ok(match self.store.record(&ingested).await? {
            Recorded::Duplicate => Processed::Duplicate { message_id },
            Recorded::Stored { .. } if !in_scope => Processed::OutOfScope { message_id },
            Recorded::Stored { passengers, hits: n } => {
                self.metrics.events().screened(MessageScreened { passengers, hits: &hits });
                self.metrics.ingest_latency(started.elapsed().as_secs_f64());
                Processed::Stored { message_id, passengers, hits: n }
            }
        })
    }
}
