//! The Kafka source against librdkafka's mock cluster, with fault
//! injection: the happy path with duplicates and poison records (dead
//! letters with the contract's headers, offsets committed at shutdown), a
//! failing dead-letter write that holds only its partition, brokers down and
//! back, injected request errors, and a rebalance between two consumers.
#![cfg(feature = "service")]

mod common;
use common::*;
use paxscreen::config::KafkaConfig;
use paxscreen::ingest::kafka::KafkaSource;
use paxscreen::pipeline::Pipeline;
use paxscreen::readiness::Readiness;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Header, Headers, Message, OwnedHeaders};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{DefaultProducerContext, FutureProducer, FutureRecord};
use rdkafka::types::{RDKafkaApiKey, RDKafkaRespErr};
use rdkafka::{Offset, TopicPartitionList};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const TOPIC: &str = "api-messages";
const DLQ: &str = "api-messages-dlq";

struct Kafka {
    mock: MockCluster<'static, DefaultProducerContext>,
    producer: FutureProducer,
}

fn kafka(partitions: i32) -> Kafka {
    let mock = MockCluster::new(3).unwrap();
    mock.create_topic(TOPIC, partitions, 1).unwrap();
    mock.create_topic(DLQ, 1, 1).unwrap();
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", mock.bootstrap_servers())
        .set("message.timeout.ms", "30000")
        .create()
        .unwrap();
    Kafka { mock, producer }
}

fn config(k: &Kafka, group: &str) -> KafkaConfig {
    let settings: BTreeMap<String, String> = [
        ("session.timeout.ms", "6000"),
        ("heartbeat.interval.ms", "300"),
        ("auto.commit.interval.ms", "200"),
        ("topic.metadata.refresh.interval.ms", "500"),
        ("reconnect.backoff.max.ms", "500"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    KafkaConfig {
        brokers: k.mock.bootstrap_servers(),
        group_id: group.into(),
        topic: TOPIC.into(),
        dead_letter_topic: DLQ.into(),
        alerts_topic: "border-alerts".into(),
        settings,
    }
}

async fn produce(k: &Kafka, partition: i32, key: &str, value: &[u8]) {
    let headers = OwnedHeaders::new().insert(Header { key: "carrier-trace", value: Some("t-1") });
    k.producer
        .send(
            FutureRecord::to(TOPIC).partition(partition).key(key).payload(value).headers(headers),
            Duration::from_secs(30),
        )
        .await
        .unwrap();
}

struct Running {
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
    ready: Arc<Readiness>,
}

fn start_source(cfg: &KafkaConfig, p: &Arc<Pipeline>) -> Running {
    let ready = Arc::new(Readiness::default());
    let source = KafkaSource::new(cfg, p.clone(), ready.clone()).unwrap();
    let stop = CancellationToken::new();
    let task = tokio::spawn(source.run(stop.clone()));
    Running { stop, task, ready }
}

impl Running {
    async fn stop(self) {
        self.stop.cancel();
        tokio::time::timeout(Duration::from_secs(60), self.task).await.expect("stops in time").unwrap();
    }
}

/// Wait until the store holds `messages` messages.
async fn wait_for_messages(p: &Pipeline, messages: i64, within: Duration) {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let (m, _, _) = p.store.counts().await.unwrap();
        if m >= messages {
            assert_eq!(m, messages, "never more than once");
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "only {m} of {messages} messages stored");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every record of the dead-letter topic: (key, value, headers).
/// A dead letter: key, payload, headers.
type DeadLetter = (Option<Vec<u8>>, Vec<u8>, BTreeMap<String, String>);

fn dead_letters(k: &Kafka, expected: usize) -> Vec<DeadLetter> {
    records(k, DLQ, expected, Duration::from_secs(20))
}

type Record = (Option<Vec<u8>>, Vec<u8>, BTreeMap<String, String>);

/// The records of partition 0 of `topic`, until `expected` or `within` passed.
fn records(k: &Kafka, topic: &str, expected: usize, within: Duration) -> Vec<Record> {
    let c: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", k.mock.bootstrap_servers())
        .set("group.id", "dlq-reader")
        .set("auto.offset.reset", "earliest")
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(topic, 0, Offset::Beginning).unwrap();
    c.assign(&tpl).unwrap();
    let mut out = Vec::new();
    let deadline = std::time::Instant::now() + within;
    while out.len() < expected && std::time::Instant::now() < deadline {
        if let Some(Ok(m)) = c.poll(Duration::from_millis(200)) {
            let mut headers = BTreeMap::new();
            if let Some(h) = m.headers() {
                for i in 0..h.count() {
                    let hd = h.get(i);
                    headers
                        .insert(hd.key.to_string(), String::from_utf8_lossy(hd.value.unwrap_or_default()).into_owned());
                }
            }
            out.push((m.key().map(<[u8]>::to_vec), m.payload().unwrap_or_default().to_vec(), headers));
        }
    }
    out
}

fn clock() -> Arc<TestClock> {
    Arc::new(TestClock(Mutex::new(start())))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn happy_path_duplicates_and_poison_records() {
    let k = kafka(3);
    let db = TestDb::sqlite().await;
    let l = lists();
    let p = pipeline(&db, &l, clock()).await;
    let cfg = config(&k, "g-happy");
    let running = start_source(&cfg, &p);
    for i in 0..30 {
        produce(&k, i % 3, &format!("k{i}"), example_message(&format!("K-{i}")).as_bytes()).await;
    }
    for i in 0..5 {
        produce(&k, (i + 1) % 3, "dup", example_message(&format!("K-{i}")).as_bytes()).await;
    }
    produce(&k, 1, "poison-1", b"{garbage}").await;
    produce(&k, 2, "poison-2", b"").await;
    produce(&k, 0, "poison-3", b"UNB+UNOA:4+X:ZZ+Y:ZZ+261121:2200+55'UNZ+1+55'").await;
    wait_for_messages(&p, 30, Duration::from_secs(30)).await;
    let dl = dead_letters(&k, 3);
    assert_eq!(dl.len(), 3, "{dl:?}");
    for (key, _, headers) in &dl {
        assert!(key.as_deref().is_some_and(|k| k.starts_with(b"poison-")), "original key kept");
        assert_eq!(headers.get("carrier-trace").map(String::as_str), Some("t-1"), "original headers kept");
        assert_eq!(headers.get("paxscreen.source.topic").map(String::as_str), Some(TOPIC));
        assert!(headers.contains_key("paxscreen.source.partition") && headers.contains_key("paxscreen.source.offset"));
        assert!(!headers["paxscreen.error"].is_empty());
    }
    let garbage = dl.iter().find(|d| d.1 == b"{garbage}").expect("the garbage record, value kept");
    assert!(garbage.2["paxscreen.error"].contains("not valid JSON"), "{:?}", garbage.2);
    assert!(p.metrics.render().contains("paxscreen_dead_letters_total 3"));
    assert!(running.ready.kafka_assigned().unwrap_or(false), "ready: partitions assigned");
    running.stop().await;
    // Offsets were committed at shutdown: the group would start at the end.
    let c: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", k.mock.bootstrap_servers())
        .set("group.id", "g-happy")
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    for part in 0..3 {
        tpl.add_partition(TOPIC, part);
    }
    let committed = c.committed_offsets(tpl, Duration::from_secs(10)).unwrap();
    for e in committed.elements() {
        let (_, high) = c.fetch_watermarks(TOPIC, e.partition(), Duration::from_secs(10)).unwrap();
        assert_eq!(e.offset(), Offset::Offset(high), "partition {} committed to its end", e.partition());
    }
    assert_eq!(p.store.counts().await.unwrap().0, 30, "every message once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failing_dead_letter_write_holds_only_its_partition() {
    let k = kafka(2);
    let db = TestDb::sqlite().await;
    let l = lists();
    let p = pipeline(&db, &l, clock()).await;
    // Dead-letter writes fail until the error is cleared.
    k.mock.topic_error(DLQ, RDKafkaRespErr::RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED).unwrap();
    let running = start_source(&config(&k, "g-dlq"), &p);
    produce(&k, 0, "poison", b"{garbage}").await;
    produce(&k, 0, "after-poison", example_message("D-0").as_bytes()).await;
    for i in 1..=10 {
        produce(&k, 1, &format!("k{i}"), example_message(&format!("D-{i}")).as_bytes()).await;
    }
    // Partition 1 goes on; partition 0 waits behind its poison record.
    wait_for_messages(&p, 10, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(p.store.counts().await.unwrap().0, 10, "nothing after the poison record on its partition");
    k.mock.topic_error(DLQ, RDKafkaRespErr::RD_KAFKA_RESP_ERR_NO_ERROR).unwrap();
    wait_for_messages(&p, 11, Duration::from_secs(60)).await;
    let dl = dead_letters(&k, 1);
    assert_eq!(dl.len(), 1);
    assert_eq!(dl[0].1, b"{garbage}");
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn brokers_down_and_back_and_injected_errors_lose_nothing() {
    let k = kafka(3);
    let db = TestDb::sqlite().await;
    let l = lists();
    let p = pipeline(&db, &l, clock()).await;
    let running = start_source(&config(&k, "g-faults"), &p);
    for i in 0..10 {
        produce(&k, i % 3, "k", example_message(&format!("F-{i}")).as_bytes()).await;
    }
    wait_for_messages(&p, 10, Duration::from_secs(30)).await;
    // Every broker down; records produced meanwhile wait in the producer.
    for b in 1..=3 {
        k.mock.broker_down(b).unwrap();
    }
    let pending: Vec<_> = (10..20)
        .map(|i| {
            let producer = k.producer.clone();
            let body = example_message(&format!("F-{i}"));
            tokio::spawn(async move {
                producer
                    .send(
                        FutureRecord::to(TOPIC).partition(i % 3).key("k").payload(body.as_bytes()),
                        Duration::from_secs(60),
                    )
                    .await
                    .map(|_| ())
                    .map_err(|(e, _)| e.to_string())
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(2)).await;
    for b in 1..=3 {
        k.mock.broker_up(b).unwrap();
    }
    for t in pending {
        t.await.unwrap().unwrap();
    }
    wait_for_messages(&p, 20, Duration::from_secs(60)).await;
    // Request errors on fetch and commit: retried by librdkafka, nothing lost or doubled.
    k.mock.request_errors(
        RDKafkaApiKey::Fetch,
        &[
            RDKafkaRespErr::RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
            RDKafkaRespErr::RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
        ],
    );
    k.mock
        .request_errors(RDKafkaApiKey::OffsetCommit, &[RDKafkaRespErr::RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE; 3]);
    for i in 20..30 {
        produce(&k, i % 3, "k", example_message(&format!("F-{i}")).as_bytes()).await;
    }
    wait_for_messages(&p, 30, Duration::from_secs(60)).await;
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rebalance_between_two_consumers_stores_every_message_once() {
    let k = kafka(4);
    let db = TestDb::sqlite().await;
    let l = lists();
    let p = pipeline(&db, &l, clock()).await;
    let cfg = config(&k, "g-rebalance");
    let a = start_source(&cfg, &p);
    for i in 0..20 {
        produce(&k, i % 4, "k", example_message(&format!("R-{i}")).as_bytes()).await;
    }
    let b = start_source(&cfg, &p);
    for i in 20..60 {
        produce(&k, i % 4, "k", example_message(&format!("R-{i}")).as_bytes()).await;
    }
    wait_for_messages(&p, 60, Duration::from_secs(60)).await;
    // A leaves the group: B takes every partition and goes on.
    a.stop().await;
    for i in 60..80 {
        produce(&k, i % 4, "k", example_message(&format!("R-{i}")).as_bytes()).await;
    }
    wait_for_messages(&p, 80, Duration::from_secs(60)).await;
    assert!(b.ready.kafka_assigned().unwrap_or(false));
    b.stop().await;
    let (messages, passengers, _) = p.store.counts().await.unwrap();
    assert_eq!((messages, passengers), (80, 160));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn alerts_reach_the_alerts_topic_exactly_once_across_a_forwarder_crash() {
    use paxscreen::forward::{Forwarder, Sink, ALERT_ID_HEADER};
    use paxscreen::review::Decision;
    use paxscreen::store::Principal;
    let k = kafka(1);
    k.mock.create_topic("border-alerts", 1, 1).unwrap();
    let (db, l, clock) = (TestDb::sqlite().await, lists(), clock());
    let p = pipeline(&db, &l, clock.clone()).await;
    p.process(example_message("A-1").as_bytes(), "test").await.unwrap();
    let hits = hit_ids(&p.store, 10).await;
    let mut people = Vec::new();
    for name in ["alice", "bob"] {
        let user_id = p.store.upsert_user(name, paxscreen::auth::Role::Analyst, None, start()).await.unwrap();
        people.push(Principal { user_id, name: name.into(), role: paxscreen::auth::Role::Analyst });
    }
    for &h in &hits[..2] {
        for who in &people {
            p.store.decide(h, who, Decision::Confirm, None, None, start()).await.unwrap().unwrap();
        }
    }
    // A forwarder delivers the first alert and dies before noting it.
    let sink = || Sink::kafka(&k.mock.bootstrap_servers(), "border-alerts", &Default::default()).unwrap();
    let claimed = p.store.claim_alerts(start(), chrono::Duration::seconds(60), 10).await.unwrap();
    assert_eq!(claimed.len(), 2);
    sink().deliver(&claimed[0].0).await.unwrap();
    // The next one, after the lease, reads the topic back and delivers only the second.
    *clock.0.lock().unwrap() = start() + chrono::Duration::seconds(61);
    let f = Forwarder { store: p.store.clone(), sink: sink(), clock: clock.clone(), every: Duration::from_millis(10) };
    assert_eq!(f.round().await.unwrap(), 2);
    let got = records(&k, "border-alerts", 3, Duration::from_secs(5));
    let mut ids: Vec<String> = got.iter().map(|(_, _, h)| h[ALERT_ID_HEADER].clone()).collect();
    ids.sort();
    let mut want: Vec<String> = claimed.iter().map(|(a, _)| a.id.to_string()).collect();
    want.sort();
    assert_eq!(ids, want, "each alert once on the topic");
    for (_, value, _) in &got {
        let v: serde_json::Value = serde_json::from_slice(value).unwrap();
        assert_eq!(v["reviewers"], serde_json::json!(["alice", "bob"]));
    }
    for &h in &hits[..2] {
        assert_eq!(p.store.hit(h).await.unwrap().unwrap().summary.state, paxscreen::review::HitState::Forwarded);
    }
}
