//! The service pipeline, the same for every source (spool, HTTP, Kafka):
//! bytes -> decode -> too old? -> dedupe -> multi-part tracking -> scope ->
//! screen -> store. A message is committed to the store with its passengers
//! and hits in one transaction, or found to be there already; only then
//! may the source let go of it (delete the file, answer 202, commit the
//! offset).

use crate::clock::Clock;
use crate::events::{Events, MessageOutcome, MessageScreened, MessageSkipped};
use crate::formats::decode::{decode_bytes, Decoded};
use crate::metrics::Metrics;
use crate::model::ReadMessage;
use crate::screening::{Outcome, Screener};
use crate::store::{GroupCommit, Ingested, Recorded, Store, StoreError};
use chrono::{DateTime, Utc};
use std::sync::Arc;

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
    writer: GroupCommit,
}

/// A message read and screened, not yet written: either its outcome is
/// known already, or it waits for the store.
pub struct Prepared {
    step: Step,
    started: std::time::Instant,
}

impl Prepared {
    /// Whether the message could not be read (it will be `Rejected`).
    pub fn is_rejected(&self) -> bool {
        matches!(self.step, Step::Done(Processed::Rejected { .. }))
    }
}

enum Step {
    Done(Processed),
    Record { item: Box<Ingested>, in_scope: bool },
}

impl Pipeline {
    /// A pipeline whose writes go through one group-commit writer (started
    /// here, on the current tokio runtime).
    pub fn new(
        screener: Arc<Screener>,
        store: Store,
        metrics: Arc<Metrics>,
        clock: Arc<dyn Clock>,
        retention: chrono::Duration,
    ) -> Pipeline {
        let writer = GroupCommit::start(store.clone());
        Pipeline { screener, store, metrics, clock, retention, writer }
    }

    /// Read every message in `bytes` and take each to the store.
    /// `source` names where they came from, without personal data.
    pub async fn process(&self, bytes: &[u8], source: &str) -> Result<Vec<Processed>, StoreError> {
        let prepared = self.prepare(bytes, source).await?;
        self.finish(prepared).await
    }

    /// Decode and screen every message in `bytes`; nothing is recorded yet
    /// but the parts of multi-part messages.
    pub async fn prepare(&self, bytes: &[u8], source: &str) -> Result<Vec<Prepared>, StoreError> {
        let received_at = self.clock.now();
        let started = std::time::Instant::now();
        let mut out = Vec::new();
        for item in decode_bytes(bytes) {
            let step = match item {
                Decoded::Notice { line, error } => {
                    tracing::warn!(source, line, problem = %error.redacted(), "damage outside any message");
                    continue;
                }
                Decoded::Message { line, result: Err(e), .. } => {
                    tracing::warn!(source, line, problem = %e.redacted(), "message rejected");
                    Step::Done(Processed::Rejected { line, reason: e.to_string(), redacted: e.redacted() })
                }
                Decoded::Message { result: Ok(rm), part, .. } => {
                    if let Some(part) = &part {
                        self.store.see_part(&part.group, part.number, part.last, received_at + self.retention).await?;
                    }
                    self.screen(rm, source, received_at).await?
                }
            };
            out.push(Prepared { step, started });
        }
        Ok(out)
    }

    /// Record prepared messages: those of one call, and those of every
    /// other caller waiting at the same time, go in one transaction.
    pub async fn finish(&self, prepared: Vec<Prepared>) -> Result<Vec<Processed>, StoreError> {
        // Hand every message to the writer before waiting for any.
        let mut pending = Vec::with_capacity(prepared.len());
        for Prepared { step, started } in prepared {
            pending.push(match step {
                Step::Done(p) => (Err(p), started),
                Step::Record { item, in_scope } => {
                    let (message_id, hits) = (item.message.message_id.clone(), item.hits.clone());
                    let pending = self.writer.submit(*item).await?;
                    (Ok((message_id, hits, pending, in_scope)), started)
                }
            });
        }
        let mut out = Vec::with_capacity(pending.len());
        let mut skipped = Vec::new();
        for (p, started) in pending {
            let p = match p {
                Err(done) => done,
                Ok((message_id, hit_list, pending, in_scope)) => match pending.wait().await? {
                    Recorded::Duplicate => Processed::Duplicate { message_id },
                    Recorded::Stored { .. } if !in_scope => Processed::OutOfScope { message_id },
                    Recorded::Stored { passengers, hits } => {
                        self.metrics.events().screened(MessageScreened { passengers, hits: &hit_list });
                        self.metrics.ingest_latency(started.elapsed().as_secs_f64());
                        Processed::Stored { message_id, passengers, hits }
                    }
                },
            };
            if !matches!(p, Processed::Stored { .. }) {
                self.metrics.events().skipped(MessageSkipped(p.outcome()));
            }
            // Out of scope messages are counted with their record.
            if !matches!(p, Processed::Stored { .. } | Processed::OutOfScope { .. }) {
                skipped.push(p.outcome());
            }
            out.push(p);
        }
        let counts: Vec<(MessageOutcome, i64)> =
            MessageOutcome::ALL.map(|o| (o, skipped.iter().filter(|s| **s == o).count() as i64)).into();
        self.store.count_outcomes(self.clock.now(), &counts).await?;
        Ok(out)
    }

    async fn screen(&self, rm: ReadMessage, source: &str, received_at: DateTime<Utc>) -> Result<Step, StoreError> {
        let m = rm.message;
        let message_id = m.message_id.clone();
        let age = received_at.signed_duration_since(m.sent_at.with_timezone(&Utc));
        if age > self.retention {
            // The message id names the carrier's message, not a person.
            tracing::warn!(
                source,
                message_id = %message_id,
                sent_hours_ago = age.num_hours(),
                retention_hours = self.retention.num_hours(),
                "message not screened: sent longer ago than the retention (too_old)"
            );
            return Ok(Step::Done(Processed::TooOld { message_id }));
        }
        // The key of the contract: the message id (PAXLST message ids are
        // built from the sender's references).
        let key = m.message_id.clone();
        if self.store.seen(&key).await? {
            return Ok(Step::Done(Processed::Duplicate { message_id }));
        }
        // Counted once per message taken in, as `replay` counts them.
        self.metrics.special_category_discarded(&m.sender, rm.report.special_category_discarded.len());
        let screener = self.screener.clone();
        let (m, outcome) = tokio::task::spawn_blocking(move || {
            let o = screener.screen(&m);
            (m, o)
        })
        .await
        .expect("screening does not panic");
        let (hits, in_scope) = match outcome {
            Outcome::Screened { hits, .. } => (hits, true),
            Outcome::OutOfScope { .. } => (Vec::new(), false),
        };
        let item = Ingested {
            key,
            message: m,
            source: source.to_string(),
            outcome: if in_scope { MessageOutcome::Screened } else { MessageOutcome::OutOfScope },
            hits,
            keep_passengers: in_scope,
            received_at,
            expires_at: received_at + self.retention,
        };
        Ok(Step::Record { item: Box::new(item), in_scope })
    }
}
