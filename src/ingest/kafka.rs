//! The Kafka source (service.md section 2): a consumer group, at least once
//! from the broker and exactly once into the store.
//!
//! - Records of one partition are handled in order by that partition's
//!   worker; partitions run in parallel. Queues are bounded: past
//!   [`HIGH_WATER`] records in a worker's queue, fetching waits until it is
//!   down to [`LOW_WATER`] (librdkafka's own prefetch is capped too).
//! - A partition whose record keeps failing (dead-letter write, store) is
//!   paused while it retries and left out of that wait, so the other
//!   partitions go on; it is resumed when the record is through.
//! - A record's offset is stored (and auto-committed by librdkafka) only
//!   after its passengers and hits are committed to the store, or after it
//!   was written to the dead-letter topic.
//! - A record that cannot be read goes to `dead_letter_topic` with its key,
//!   value and headers and `paxscreen.error` (no personal data),
//!   `paxscreen.source.topic|partition|offset`. If that write (or the store)
//!   fails, the offset is not stored and the record is retried with backoff;
//!   only its partition waits.
//! - On revoke, the rebalance waits for the revoked partitions' work in
//!   flight to finish, so their offsets are stored before the commit that
//!   librdkafka makes on revoke.
//! - On stop: no more fetching, queued records finished, offsets committed.

use crate::config::KafkaConfig;
use crate::kafka_client;
use crate::pipeline::{rejections, Pipeline, Processed};
use crate::readiness::Readiness;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{Header, Headers, Message, OwnedHeaders, OwnedMessage};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{ClientContext, Offset, TopicPartitionList};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Records of one partition screened together and written in one transaction, at most.
pub const BATCH: usize = 16;
/// Records queued for one partition before fetching waits.
pub const HIGH_WATER: usize = 64;
/// Queued records below which fetching goes on.
pub const LOW_WATER: usize = 16;
/// The longest wait between two tries of a failing record.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// How long a rebalance waits for revoked partitions' work in flight.
const REVOKE_WAIT: Duration = Duration::from_secs(30);

type Partition = (String, i32);

/// Records taken from the consumer and not yet finished, per partition.
#[derive(Default)]
struct InFlight {
    counts: Mutex<HashMap<Partition, usize>>,
    done: Condvar,
}

impl InFlight {
    fn add(&self, p: &Partition) {
        *self.counts.lock().expect("not poisoned").entry(p.clone()).or_default() += 1;
    }

    fn finish(&self, p: &Partition) {
        let mut c = self.counts.lock().expect("not poisoned");
        if let Some(n) = c.get_mut(p) {
            *n = n.saturating_sub(1);
        }
        self.done.notify_all();
    }

    /// Wait until none of `parts` has work in flight, at most `limit`.
    fn wait_idle(&self, parts: &[Partition], limit: Duration) -> bool {
        let c = self.counts.lock().expect("not poisoned");
        let (_guard, timeout) = self
            .done
            .wait_timeout_while(c, limit, |c| parts.iter().any(|p| c.get(p).copied().unwrap_or(0) > 0))
            .expect("not poisoned");
        !timeout.timed_out()
    }
}

/// The consumer's context: rebalance handling and readiness.
pub struct SourceContext {
    ready: Arc<Readiness>,
    inflight: Arc<InFlight>,
}

impl ClientContext for SourceContext {
    fn error(&self, error: KafkaError, reason: &str) {
        tracing::warn!(error = %error, reason, "kafka client error");
    }
}

impl ConsumerContext for SourceContext {
    fn pre_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Revoke(tpl) = rebalance {
            let parts: Vec<Partition> = tpl.elements().iter().map(|e| (e.topic().to_string(), e.partition())).collect();
            let idle = self.inflight.wait_idle(&parts, REVOKE_WAIT);
            tracing::info!(partitions = parts.len(), finished = idle, "partitions revoked");
        }
    }

    fn post_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let assigned = consumer.assignment().map(|a| a.count()).unwrap_or(0);
        if let Rebalance::Error(e) = rebalance {
            tracing::warn!(error = %e, "rebalance error");
        }
        tracing::info!(assigned, "partitions assigned");
        self.ready.set_kafka(assigned > 0);
    }
}

pub struct KafkaSource {
    consumer: Arc<StreamConsumer<SourceContext>>,
    producer: FutureProducer,
    config: KafkaConfig,
    pipeline: Arc<Pipeline>,
    inflight: Arc<InFlight>,
}

/// One partition's worker and its queue.
struct Worker {
    tx: tokio::sync::mpsc::UnboundedSender<OwnedMessage>,
    depth: Arc<AtomicUsize>,
    /// The worker is retrying a failing record.
    retrying: Arc<AtomicBool>,
}

impl KafkaSource {
    pub fn new(
        config: &KafkaConfig,
        pipeline: Arc<Pipeline>,
        ready: Arc<Readiness>,
    ) -> Result<KafkaSource, KafkaError> {
        let inflight = Arc::new(InFlight::default());
        let consumer: StreamConsumer<SourceContext> =
            kafka_client::consumer(&config.brokers, &config.group_id, &config.settings)
                .create_with_context(SourceContext { ready, inflight: inflight.clone() })?;
        let producer: FutureProducer = kafka_client::producer(&config.brokers, &config.settings).create()?;
        Ok(KafkaSource { consumer: Arc::new(consumer), producer, config: config.clone(), pipeline, inflight })
    }

    /// Consume until `stop`; then finish what was taken and commit.
    pub async fn run(self, stop: CancellationToken) {
        if let Err(e) = self.consumer.subscribe(&[&self.config.topic]) {
            tracing::error!(error = %e, topic = %self.config.topic, "cannot subscribe");
            return;
        }
        let me = Arc::new(self);
        let mut workers: HashMap<Partition, Worker> = HashMap::new();
        let mut handles = tokio::task::JoinSet::new();
        let mut paused: HashSet<Partition> = HashSet::new();
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        loop {
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = tick.tick() => me.pause_retrying(&workers, &mut paused),
                received = me.consumer.recv() => {
                    let msg = match received {
                        Ok(m) => m.detach(),
                        Err(e) => {
                            tracing::warn!(error = %e, "kafka receive error");
                            continue;
                        }
                    };
                    let key: Partition = (msg.topic().to_string(), msg.partition());
                    me.inflight.add(&key);
                    let w = workers.entry(key.clone()).or_insert_with(|| {
                        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
                        let depth = Arc::new(AtomicUsize::new(0));
                        let retrying = Arc::new(AtomicBool::new(false));
                        handles.spawn(me.clone().work(key.clone(), rx, depth.clone(), retrying.clone(), stop.clone()));
                        Worker { tx, depth, retrying }
                    });
                    let queued = w.depth.fetch_add(1, Ordering::SeqCst) + 1;
                    if w.tx.send(msg).is_err() {
                        // The worker gave up at shutdown; the record will be delivered again.
                        me.inflight.finish(&key);
                    }
                    if queued >= HIGH_WATER {
                        // Backpressure: wait for this worker, unless it is stuck retrying.
                        let (depth, retrying) = (w.depth.clone(), w.retrying.clone());
                        while depth.load(Ordering::SeqCst) > LOW_WATER && !retrying.load(Ordering::SeqCst) && !stop.is_cancelled() {
                            tokio::time::sleep(Duration::from_millis(2)).await;
                        }
                        me.pause_retrying(&workers, &mut paused);
                    }
                }
            }
        }
        drop(workers);
        while handles.join_next().await.is_some() {}
        match me.consumer.commit_consumer_state(CommitMode::Sync) {
            Ok(()) | Err(KafkaError::ConsumerCommit(rdkafka::types::RDKafkaErrorCode::NoOffset)) => {}
            Err(e) => tracing::warn!(error = %e, "final commit failed; uncommitted records will be delivered again"),
        }
        me.consumer.unsubscribe();
        tracing::info!("kafka source stopped");
    }

    fn set_paused(&self, p: &Partition, pause: bool) {
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition(&p.0, p.1);
        let r = if pause { self.consumer.pause(&tpl) } else { self.consumer.resume(&tpl) };
        if let Err(e) = r {
            tracing::debug!(error = %e, partition = p.1, pause, "pause/resume");
        }
    }

    /// Pause the partitions whose worker is retrying; resume those that are through.
    fn pause_retrying(&self, workers: &HashMap<Partition, Worker>, paused: &mut HashSet<Partition>) {
        for (p, w) in workers {
            let retrying = w.retrying.load(Ordering::SeqCst);
            if retrying && paused.insert(p.clone()) {
                self.set_paused(p, true);
            } else if !retrying && paused.remove(p) {
                self.set_paused(p, false);
            }
        }
    }

    /// One partition's records, in order. What is queued is taken
    /// together (up to [`BATCH`]): screened one after another and written
    /// in one transaction; a record that fails is then retried alone.
    async fn work(
        self: Arc<Self>,
        key: Partition,
        mut rx: tokio::sync::mpsc::UnboundedReceiver<OwnedMessage>,
        depth: Arc<AtomicUsize>,
        retrying: Arc<AtomicBool>,
        stop: CancellationToken,
    ) {
        while let Some(first) = rx.recv().await {
            let mut batch = vec![first];
            while batch.len() < BATCH {
                match rx.try_recv() {
                    Ok(m) => batch.push(m),
                    Err(_) => break,
                }
            }
            let finished = self.handle_batch(&batch).await;
            for (i, msg) in batch.iter().enumerate() {
                let done = i < finished || self.retry(&key, msg, &retrying, &stop).await;
                depth.fetch_sub(1, Ordering::SeqCst);
                self.inflight.finish(&key);
                if !done {
                    // Stopping: nothing after this record may be stored before it.
                    for _ in &batch[i + 1..] {
                        self.inflight.finish(&key);
                    }
                    while rx.try_recv().is_ok() {
                        self.inflight.finish(&key);
                    }
                    return;
                }
            }
        }
    }

    /// Handle `msg` until it is through, with backoff; false if stopped first.
    async fn retry(
        &self,
        key: &Partition,
        msg: &OwnedMessage,
        retrying: &AtomicBool,
        stop: &CancellationToken,
    ) -> bool {
        let mut backoff = Duration::from_millis(100);
        loop {
            match self.handle(msg).await {
                Ok(()) => {
                    retrying.store(false, Ordering::SeqCst);
                    return true;
                }
                Err(e) => {
                    retrying.store(true, Ordering::SeqCst);
                    tracing::warn!(topic = %key.0, partition = key.1, offset = msg.offset(), error = %e,
                        "record not finished; retrying (its partition waits)");
                    tokio::select! {
                        _ = stop.cancelled() => return false,
                        _ = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }

    /// Screen a batch of one partition's records (up to the first that goes to
    /// the dead-letter topic), write them in one go,
    /// then dead-letter and store offsets in order. Returns how many
    /// records, from the first, are finished; the rest are left to
    /// [`KafkaSource::retry`] (writing again is harmless: the store
    /// knows what it has).
    async fn handle_batch(&self, batch: &[OwnedMessage]) -> usize {
        let mut prepared = Vec::new();
        let mut counts = Vec::with_capacity(batch.len());
        for msg in batch {
            let payload = msg.payload().unwrap_or_default();
            match self.pipeline.prepare(payload, &source_of(msg)).await {
                Ok(p) => {
                    // A record bound for the dead-letter topic ends the batch: what
                    // follows it waits until it is there, in partition order.
                    let dead = payload.is_empty() || p.is_empty() || p.iter().any(|x| x.is_rejected());
                    counts.push(p.len());
                    prepared.extend(p);
                    if dead {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        let Ok(results) = self.pipeline.finish(prepared).await else { return 0 };
        let mut results = results.into_iter();
        for (i, n) in counts.iter().enumerate() {
            let mine: Vec<Processed> = results.by_ref().take(*n).collect();
            if self.settle(&batch[i], problem(&batch[i], &mine)).await.is_err() {
                return i;
            }
        }
        counts.len()
    }

    /// Screen and store one record (or dead-letter it), then store its offset.
    async fn handle(&self, msg: &OwnedMessage) -> Result<(), String> {
        let results = self
            .pipeline
            .process(msg.payload().unwrap_or_default(), &source_of(msg))
            .await
            .map_err(|e| format!("store: {e}"))?;
        self.settle(msg, problem(msg, &results)).await
    }

    /// Dead-letter the record if it had a problem, then store its offset.
    async fn settle(&self, msg: &OwnedMessage, problem: Option<String>) -> Result<(), String> {
        if let Some(reason) = problem {
            self.dead_letter(msg, &reason).await?;
            self.pipeline.metrics.dead_letter();
        }
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition_offset(msg.topic(), msg.partition(), Offset::Offset(msg.offset() + 1))
            .map_err(|e| e.to_string())?;
        if let Err(e) = self.consumer.store_offsets(&tpl) {
            // The partition went to another consumer: it will see the record
            // again and the store will know it.
            tracing::info!(partition = msg.partition(), error = %e, "offset not stored (partition revoked)");
        }
        Ok(())
    }

    async fn dead_letter(&self, msg: &OwnedMessage, reason: &str) -> Result<(), String> {
        let mut headers = OwnedHeaders::new();
        if let Some(h) = msg.headers() {
            for i in 0..h.count() {
                let hd = h.get(i);
                headers = headers.insert(Header { key: hd.key, value: hd.value });
            }
        }
        let (partition, offset) = (msg.partition().to_string(), msg.offset().to_string());
        for (k, v) in [
            ("paxscreen.error", reason),
            ("paxscreen.source.topic", msg.topic()),
            ("paxscreen.source.partition", partition.as_str()),
            ("paxscreen.source.offset", offset.as_str()),
        ] {
            headers = headers.insert(Header { key: k, value: Some(v) });
        }
        let mut record: FutureRecord<'_, [u8], [u8]> = FutureRecord::to(&self.config.dead_letter_topic)
            .payload(msg.payload().unwrap_or_default())
            .headers(headers);
        if let Some(k) = msg.key() {
            record = record.key(k);
        }
        self.producer
            .send(record, Duration::from_secs(10))
            .await
            .map(|_| ())
            .map_err(|(e, _)| format!("dead-letter write failed: {e}"))
    }
}

/// Where a record came from, without personal data.
fn source_of(msg: &OwnedMessage) -> String {
    format!("kafka:{}/{}/{}", msg.topic(), msg.partition(), msg.offset())
}

/// Why a record goes to the dead-letter topic, without values; `None` if
/// every message in it was read.
fn problem(msg: &OwnedMessage, results: &[Processed]) -> Option<String> {
    if msg.payload().unwrap_or_default().is_empty() {
        return Some("empty record".to_string());
    }
    let rejected = rejections(results, true);
    match (results.is_empty(), rejected.is_empty()) {
        (true, _) => Some("no message in the record".to_string()),
        (false, true) => None,
        (false, false) => Some(rejected.join("; ")),
    }
}
