//! End to end against a real Kafka-protocol broker process (tansu, started
//! on a free loopback port, topics created explicitly): a few thousand
//! messages, some malformed, some duplicated, consumed by `paxscreen serve`;
//! every passenger is stored exactly once and every bad message is in the
//! dead-letter topic with the contract's headers.
#![cfg(feature = "service")]

mod common;
use common::*;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::{Headers, Message};
use rdkafka::producer::{FutureProducer, FutureRecord};
use sqlx::Row;
use std::process::Stdio;
use std::time::{Duration, Instant};

const TOPIC: &str = "api-messages";
const DLQ: &str = "api-messages-dlq";
const GOOD: usize = 2_700;
const DUPLICATES: usize = 150;
const BAD: usize = 150;

fn message(i: usize) -> String {
    message_sent_now(&format!("T-{i:05}"))
}

fn bad(i: usize) -> Vec<u8> {
    match i % 3 {
        0 => b"{garbage}".to_vec(),
        1 => message(90_000 + i).as_bytes()[..60].to_vec(),
        _ => message(90_000 + i).replace("paxscreen.api/1", "paxscreen.api/9").into_bytes(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_messages_through_a_real_broker() {
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().unwrap();
    let tansu = Tansu::start(&dir.path().join("broker")).await;
    tansu.create_topic(TOPIC, 4).await;
    tansu.create_topic(DLQ, 1).await;
    let l = lists();
    let db = format!("sqlite://{}", dir.path().join("paxscreen.db").display());
    let ops = free_port();
    let config = dir.path().join("paxscreen.toml");
    std::fs::write(
        &config,
        format!(
            "[store]\nurl = \"{db}\"\n[screening]\nwatchlists = \"{}\"\ntrends = \"{}\"\nscope = \"all\"\n\
             [http]\nlisten = \"127.0.0.1:{}\"\nmetrics_listen = \"127.0.0.1:{ops}\"\n[spool]\ndir = \"{}\"\n\
             [kafka]\nbrokers = \"{}\"\ngroup_id = \"e2e\"\ntopic = \"{TOPIC}\"\ndead_letter_topic = \"{DLQ}\"\n\
             [kafka.settings]\n\"fetch.wait.max.ms\" = \"20\"\n",
            l.wl.path().display(),
            l.tr.path().display(),
            free_port(),
            dir.path().join("spool").display(),
            tansu.brokers()
        ),
    )
    .unwrap();
    let log = dir.path().join("serve.log");
    let mut serve = bin()
        .args(["serve", "--config"])
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();

    let producer: FutureProducer = ClientConfig::new().set("bootstrap.servers", tansu.brokers()).create().unwrap();
    let mut records: Vec<(String, Vec<u8>)> = (0..GOOD).map(|i| (format!("g{i}"), message(i).into_bytes())).collect();
    records.extend((0..DUPLICATES).map(|i| (format!("d{i}"), message(i * 7).into_bytes())));
    records.extend((0..BAD).map(|i| (format!("bad{i}"), bad(i))));
    // Interleave so bad and duplicate records land among the good ones on every partition.
    let n = records.len();
    let order: Vec<usize> = (0..n).map(|i| (i * 7919) % n).collect();
    let mut pending = Vec::new();
    for (k, i) in order.iter().enumerate() {
        let (key, value) = &records[*i];
        let rec = FutureRecord::to(TOPIC).partition((k % 4) as i32).key(key.as_str()).payload(value.as_slice());
        pending.push(producer.send_result(rec).map_err(|(e, _)| e).unwrap());
    }
    for p in pending {
        p.await.unwrap().unwrap();
    }

    let deadline = Instant::now() + Duration::from_secs(300);
    let (mut messages, mut passengers) = (0i64, 0i64);
    while Instant::now() < deadline {
        if let Ok(pool) = sqlx::AnyPool::connect(&db).await {
            let count = |t: &'static str| {
                let pool = pool.clone();
                async move {
                    sqlx::query(&format!("SELECT COUNT(*) AS n FROM {t}"))
                        .fetch_one(&pool)
                        .await
                        .map(|r| r.get::<i64, _>("n"))
                        .unwrap_or(0)
                }
            };
            messages = count("messages").await;
            passengers = count("passengers").await;
            pool.close().await;
            if messages >= GOOD as i64 {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let tail: String = std::fs::read_to_string(&log).unwrap().lines().rev().take(20).collect::<Vec<_>>().join("\n");
    assert_eq!(messages, GOOD as i64, "stored {messages} of {GOOD}; log tail:\n{tail}");
    assert_eq!(passengers, 2 * GOOD as i64, "every passenger exactly once");

    // Every bad record is in the dead-letter topic, with the contract's headers.
    let dlq: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", tansu.brokers())
        .set("group.id", "dlq-check")
        .set("auto.offset.reset", "earliest")
        .create()
        .unwrap();
    dlq.subscribe(&[DLQ]).unwrap();
    let mut keys = std::collections::BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while keys.len() < BAD && Instant::now() < deadline {
        if let Ok(Ok(m)) = tokio::time::timeout(Duration::from_secs(2), dlq.recv()).await {
            let h = m.headers().expect("headers");
            let names: Vec<&str> = (0..h.count()).map(|i| h.get(i).key).collect();
            for needed in
                ["paxscreen.error", "paxscreen.source.topic", "paxscreen.source.partition", "paxscreen.source.offset"]
            {
                assert!(names.contains(&needed), "{names:?}");
            }
            keys.insert(String::from_utf8_lossy(m.key().unwrap()).into_owned());
        }
    }
    assert_eq!(keys.len(), BAD, "every bad record dead-lettered once at least");
    assert!(keys.iter().all(|k| k.starts_with("bad")));

    let _ = std::process::Command::new("kill").arg("-TERM").arg(serve.id().to_string()).status();
    let status = serve.wait().unwrap();
    assert!(status.success(), "{}", std::fs::read_to_string(&log).unwrap());
}
