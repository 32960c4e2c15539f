//! Forwarding (service.md section 4): each confirmed hit's alert leaves the
//! store's outbox for the border exactly once: to `kafka.alerts_topic` with
//! an idempotent producer, or, without Kafka, appended to `alerts.file`.
//!
//! Exactly once across crashes: the forwarder takes a lease on an alert,
//! delivers it, then notes the delivery (the hit becomes `forwarded`, the
//! disclosure is audited). If it dies between delivering and noting, the
//! lease runs out and the next forwarder finds the alert already at the
//! sink (the file's lines, or the topic's records since the alert was
//! made, carry the alert id) and only notes it.

use crate::clock::Clock;
use crate::kafka_client;
use crate::store::{PendingAlert, Store, StoreError};
use chrono::{DateTime, Utc};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Header, Headers, Message, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{Offset, TopicPartitionList};
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How long a forwarder holds an alert before another may take it.
pub const LEASE_SECONDS: i64 = 60;
/// The header carrying the alert id on the alerts topic.
pub const ALERT_ID_HEADER: &str = "paxscreen.alert_id";

#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    #[error("alerts file {path}: {source}")]
    File { path: PathBuf, source: std::io::Error },
    #[error("alerts topic: {0}")]
    Kafka(#[from] rdkafka::error::KafkaError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where alerts go.
pub enum Sink {
    /// One JSON line per alert, flushed to disk before the delivery is noted.
    File(PathBuf),
    Kafka {
        producer: FutureProducer,
        topic: String,
        consumer_config: ClientConfig,
    },
}

impl Sink {
    pub fn file(path: PathBuf) -> Sink {
        Sink::File(path)
    }

    /// An idempotent producer on `topic`; `settings` as for the source (TLS, SASL).
    pub fn kafka(brokers: &str, topic: &str, settings: &BTreeMap<String, String>) -> Result<Sink, ForwardError> {
        let producer = kafka_client::producer(brokers, settings).create()?;
        let consumer_config = kafka_client::reader(brokers, "paxscreen-forwarder-check", settings);
        Ok(Sink::Kafka { producer, topic: topic.to_string(), consumer_config })
    }

    /// Where, for the audit log.
    pub fn name(&self) -> String {
        match self {
            Sink::File(_) => "file".into(),
            Sink::Kafka { topic, .. } => format!("kafka:{topic}"),
        }
    }

    fn line(a: &PendingAlert) -> Value {
        let mut v = a.payload.clone();
        v["alert_id"] = a.id.into();
        v["expires_at"] = a.expires_at.to_rfc3339().into();
        v
    }

    /// Deliver one alert (without noting it in the store: [`Forwarder::round`] does both).
    pub async fn deliver(&self, a: &PendingAlert) -> Result<(), ForwardError> {
        let body = Sink::line(a).to_string();
        match self {
            Sink::File(path) => {
                let path = path.clone();
                tokio::task::spawn_blocking(move || append_line(&path, &body)).await.expect("appending does not panic")
            }
            Sink::Kafka { producer, topic, .. } => {
                let key = a.id.to_string();
                let headers = OwnedHeaders::new().insert(Header { key: ALERT_ID_HEADER, value: Some(&key) });
                let record = FutureRecord::to(topic).key(&key).payload(&body).headers(headers);
                producer.send(record, Duration::from_secs(10)).await.map(|_| ()).map_err(|(e, _)| e.into())
            }
        }
    }

    /// Alert ids already at the sink, among those made since `since`.
    async fn delivered_since(&self, since: DateTime<Utc>) -> Result<HashSet<i64>, ForwardError> {
        match self {
            Sink::File(path) => {
                let path = path.clone();
                tokio::task::spawn_blocking(move || ids_in_file(&path)).await.expect("reading does not panic")
            }
            Sink::Kafka { topic, consumer_config, .. } => {
                let (topic, config) = (topic.clone(), consumer_config.clone());
                tokio::task::spawn_blocking(move || ids_on_topic(&config, &topic, since))
                    .await
                    .expect("reading does not panic")
            }
        }
    }
}

fn append_line(path: &std::path::Path, line: &str) -> Result<(), ForwardError> {
    let err = |source| ForwardError::File { path: path.to_path_buf(), source };
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path).map_err(err)?;
    f.write_all(format!("{line}\n").as_bytes()).map_err(err)?;
    f.sync_data().map_err(err)
}

fn ids_in_file(path: &PathBuf) -> Result<HashSet<i64>, ForwardError> {
    let f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashSet::new()),
        Err(source) => return Err(ForwardError::File { path: path.clone(), source }),
    };
    let mut ids = HashSet::new();
    for line in std::io::BufReader::new(f).lines() {
        let line = line.map_err(|source| ForwardError::File { path: path.clone(), source })?;
        // A line cut by a crash is no delivery.
        if let Some(id) = serde_json::from_str::<Value>(&line).ok().and_then(|v| v["alert_id"].as_i64()) {
            ids.insert(id);
        }
    }
    Ok(ids)
}

fn ids_on_topic(config: &ClientConfig, topic: &str, since: DateTime<Utc>) -> Result<HashSet<i64>, ForwardError> {
    let c: BaseConsumer = config.create()?;
    let timeout = Duration::from_secs(10);
    // A minute's margin for clocks.
    let from = Offset::Offset(since.timestamp_millis() - 60_000);
    let meta = c.fetch_metadata(Some(topic), timeout)?;
    let mut query = TopicPartitionList::new();
    let mut ends = std::collections::HashMap::new();
    for p in meta.topics().iter().flat_map(|t| t.partitions()) {
        let (_, high) = c.fetch_watermarks(topic, p.id(), timeout)?;
        if high > 0 {
            ends.insert(p.id(), high);
            query.add_partition_offset(topic, p.id(), from)?;
        }
    }
    // Where each partition's records since then start. A broker that
    // cannot tell (librdkafka's mock cluster answers End, some brokers keep
    // no time index) or an answer of End: read the partition from the
    // beginning. Slower, never wrong, and only when a lease was taken over.
    let start = c.offsets_for_times(query.clone(), timeout).unwrap_or(query);
    let mut assign = TopicPartitionList::new();
    for e in start.elements() {
        let from = match e.offset() {
            Offset::Offset(o) if o < ends[&e.partition()] => Offset::Offset(o),
            _ => Offset::Beginning,
        };
        assign.add_partition_offset(topic, e.partition(), from)?;
    }
    let mut remaining: HashSet<i32> = assign.elements().iter().map(|e| e.partition()).collect();
    let mut ids = HashSet::new();
    if remaining.is_empty() {
        return Ok(ids);
    }
    c.assign(&assign)?;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !remaining.is_empty() {
        if std::time::Instant::now() > deadline {
            // Not sure what is there: deliver nothing this round.
            return Err(rdkafka::error::KafkaError::MessageConsumption(
                rdkafka::types::RDKafkaErrorCode::RequestTimedOut,
            )
            .into());
        }
        let Some(m) = c.poll(Duration::from_millis(200)) else { continue };
        let m = m?;
        if let Some(h) = m.headers() {
            for hd in h.iter().filter(|hd| hd.key == ALERT_ID_HEADER) {
                if let Some(id) = hd.value.and_then(|v| std::str::from_utf8(v).ok()).and_then(|v| v.parse().ok()) {
                    ids.insert(id);
                }
            }
        }
        if m.offset() + 1 >= ends.get(&m.partition()).copied().unwrap_or(0) {
            remaining.remove(&m.partition());
        }
    }
    Ok(ids)
}

/// Delivers the outbox until stopped.
pub struct Forwarder {
    pub store: Store,
    pub sink: Sink,
    pub clock: Arc<dyn Clock>,
    pub every: Duration,
}

impl Forwarder {
    pub async fn run(self, stop: CancellationToken) {
        let mut backoff = self.every;
        loop {
            match self.round().await {
                Ok(_) => backoff = self.every,
                Err(e) => {
                    tracing::warn!(error = %e, "alerts not delivered; retrying");
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                }
            }
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(backoff) => {}
            }
        }
    }

    /// Deliver what is waiting; returns how many alerts were delivered (or
    /// found delivered).
    pub async fn round(&self) -> Result<usize, ForwardError> {
        let now = self.clock.now();
        let claimed = self.store.claim_alerts(now, chrono::Duration::seconds(LEASE_SECONDS), 100).await?;
        if claimed.is_empty() {
            return Ok(0);
        }
        // Alerts another forwarder had: maybe at the sink already.
        let already = match claimed.iter().filter(|(_, t)| *t).map(|(a, _)| a.created_at).min() {
            Some(since) => self.sink.delivered_since(since).await?,
            None => HashSet::new(),
        };
        let to = self.sink.name();
        let mut n = 0;
        for (a, _) in &claimed {
            if !already.contains(&a.id) {
                if let Err(e) = self.sink.deliver(a).await {
                    self.store.alert_failed(a.id).await?;
                    return Err(e);
                }
            }
            self.store.alert_delivered(a.id, a.hit_id, &to, self.clock.now()).await?;
            tracing::info!(alert = a.id, hit = a.hit_id, to = %to, "alert forwarded");
            n += 1;
        }
        Ok(n)
    }
}

/// The hit an alerts file line is about.
fn alert_hit_id(line: &Value) -> Option<i64> {
    line["hit_id"].as_i64()
}

/// Remove the alerts file's lines whose data has expired (service.md
/// section 5), but those of hits in `held` (under a legal hold); the file
/// is rewritten and swapped in. Returns lines removed.
pub fn purge_alerts_file(
    path: &std::path::Path,
    now: DateTime<Utc>,
    held: &std::collections::HashSet<i64>,
) -> std::io::Result<u64> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut kept = String::new();
    let mut removed = 0;
    for line in text.lines() {
        let v = serde_json::from_str::<Value>(line).ok();
        let expires =
            v.as_ref().and_then(|v| v["expires_at"].as_str().and_then(|t| DateTime::parse_from_rfc3339(t).ok()));
        let on_hold = v.as_ref().and_then(alert_hit_id).is_some_and(|id| held.contains(&id));
        match expires.filter(|_| !on_hold) {
            Some(t) if t <= now => removed += 1,
            _ => {
                kept.push_str(line);
                kept.push('\n');
            }
        }
    }
    if removed > 0 {
        let tmp = path.with_extension("jsonl.tmp");
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(kept.as_bytes())?;
        f.sync_all()?;
        // The new file takes the name atomically; then the old bytes,
        // still open here, are overwritten before they are let go.
        let mut old = std::fs::OpenOptions::new().write(true).open(path)?;
        let old_len = old.metadata()?.len() as usize;
        std::fs::rename(&tmp, path)?;
        old.write_all(&vec![0u8; old_len])?;
        old.sync_all()?;
    }
    Ok(removed)
}
