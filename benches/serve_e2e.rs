//! End-to-end benchmark of `paxscreen serve` against a real Kafka-protocol
//! broker (tansu) and a large list; not a test, it asserts nothing about
//! time. `cargo bench --bench serve_e2e` (needs `tansu` on PATH or in
//! `TANSU`). Prints, and appends to `target/bench-serve/results.jsonl`:
//!
//! - `replay_pax_per_s`: the in-memory screening rate of `replay` on the
//!   same messages (both cores, as replay screens; the best of three runs);
//! - `serve_pax_per_s`: sustained passengers per second from the first
//!   record produced to the last one screened, stored and its offset
//!   committed; and its ratio to the replay rate;
//! - `latency_ms_p50/p99`: record timestamp to stored, at a steady rate of
//!   messages of about 200 passengers.
//!
//! Sizes: `PAXSCREEN_BENCH_ENTRIES` (list entries, default 1,000,000),
//! `PAXSCREEN_BENCH_MESSAGES` (throughput messages, default 400),
//! `PAXSCREEN_BENCH_RATE` (latency messages per second, default 20),
//! `PAXSCREEN_BENCH_SECONDS` (latency run, default 30).

#[path = "../tests/common/mod.rs"]
mod common;

use chrono::Utc;
use common::{free_port, Tansu};
use paxscreen::generate::{self, ManifestOptions};
use paxscreen::model::ApiMessage;
use rayon::prelude::*;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::TopicPartitionList;
use sqlx::Row;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

const TOPIC: &str = "api-messages";
const PARTITIONS: i32 = 4;

/// CPU seconds (user + system) a process has used so far, from /proc.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name, which is in parentheses.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn env_usize(k: &str, d: usize) -> usize {
    std::env::var(k).ok().and_then(|v| v.parse().ok()).unwrap_or(d)
}

/// Generated flights regrouped into messages of about 200 passengers.
fn messages(n: usize, seed: u64, prefix: &str) -> Vec<ApiMessage> {
    let day = Utc::now().date_naive();
    let (flights, _) = generate::manifests(&ManifestOptions { flights: n * 3, seed, date: day, plant_share: 0.0 }, &[]);
    let mut out = Vec::with_capacity(n);
    let mut it = flights.into_iter();
    while out.len() < n {
        let Some(mut m) = it.next() else { break };
        while m.passengers.len() < 200 {
            let Some(more) = it.next() else { break };
            m.passengers.extend(more.passengers);
        }
        for (i, p) in m.passengers.iter_mut().enumerate() {
            p.index = i;
        }
        m.flight.total_passengers = m.passengers.len() as u32;
        m.message_id = format!("{prefix}-{:06}", out.len());
        out.push(m);
    }
    out
}

fn body(m: &ApiMessage) -> Vec<u8> {
    let mut v = paxscreen::formats::api_json::to_value(m);
    v["sent_at"] = Utc::now().to_rfc3339().into();
    serde_json::to_vec(&v).unwrap()
}

fn serve(dir: &Path, wl: &Path, brokers: &str, ops: u16) -> Child {
    let trends = dir.join("no-trends");
    std::fs::create_dir_all(&trends).unwrap();
    let config = dir.join("paxscreen.toml");
    std::fs::write(
        &config,
        format!(
            "[store]\nurl = \"sqlite://{db}\"\n[screening]\nwatchlists = \"{wl}\"\ntrends = \"{tr}\"\nscope = \"all\"\n\
             [http]\nlisten = \"127.0.0.1:{api}\"\nmetrics_listen = \"127.0.0.1:{ops}\"\n[spool]\ndir = \"{spool}\"\n\
             [kafka]\nbrokers = \"{brokers}\"\ngroup_id = \"bench\"\ntopic = \"{TOPIC}\"\n\
             [kafka.settings]\n\"auto.commit.interval.ms\" = \"100\"\n\"fetch.wait.max.ms\" = \"10\"\n",
            db = dir.join("paxscreen.db").display(),
            wl = wl.display(),
            tr = trends.display(),
            api = free_port(),
            spool = dir.join("spool").display(),
        ),
    )
    .unwrap();
    std::process::Command::new(env!("CARGO_BIN_EXE_paxscreen"))
        .args(["serve", "--config"])
        .arg(&config)
        .env("PAXSCREEN_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("serve.log")).unwrap())
        .spawn()
        .unwrap()
}

async fn stored(db: &str) -> i64 {
    let pool = sqlx::AnyPool::connect(db).await.unwrap();
    let n = sqlx::query("SELECT COUNT(*) AS n FROM messages")
        .fetch_one(&pool)
        .await
        .map(|r| r.get::<i64, _>("n"))
        .unwrap_or(0);
    pool.close().await;
    n
}

/// Whether the group's committed offsets reached the end of every partition.
fn committed_to_end(brokers: &str) -> bool {
    let c: BaseConsumer =
        ClientConfig::new().set("bootstrap.servers", brokers).set("group.id", "bench").create().unwrap();
    let mut tpl = TopicPartitionList::new();
    for p in 0..PARTITIONS {
        tpl.add_partition(TOPIC, p);
    }
    let Ok(committed) = c.committed_offsets(tpl, Duration::from_secs(5)) else { return false };
    committed.elements().iter().all(|e| {
        let high = c.fetch_watermarks(TOPIC, e.partition(), Duration::from_secs(5)).map(|w| w.1).unwrap_or(-1);
        e.offset() == rdkafka::Offset::Offset(high) || (high == 0 && e.offset() == rdkafka::Offset::Invalid)
    })
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    sqlx::any::install_default_drivers();
    let entries = env_usize("PAXSCREEN_BENCH_ENTRIES", 1_000_000);
    let n = env_usize("PAXSCREEN_BENCH_MESSAGES", 400);
    let rate = env_usize("PAXSCREEN_BENCH_RATE", 20);
    let seconds = env_usize("PAXSCREEN_BENCH_SECONDS", 30);
    let work = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-serve");
    let wl = work.join(format!("wl-{entries}"));
    if !wl.join("list.csv").exists() {
        std::fs::create_dir_all(&wl).unwrap();
        let rows = generate::watchlist(entries, 7, Utc::now().date_naive());
        let f = std::fs::File::create(wl.join("list.csv")).unwrap();
        generate::write_watchlist(&rows, std::io::BufWriter::new(f)).unwrap();
    }
    let msgs = messages(n, 3, "T");
    let passengers: usize = msgs.iter().map(|m| m.passengers.len()).sum();
    eprintln!("{} messages, {passengers} passengers, list of {entries}", msgs.len());

    // 1. replay's in-memory rate on the same messages.
    let (replay_rate, screener) = {
        let trends = work.join("no-trends");
        std::fs::create_dir_all(&trends).unwrap();
        let cat = paxscreen::catalog::open(&wl, &trends, Utc::now().date_naive()).map_err(|(p, _)| p.len()).unwrap();
        let s = paxscreen::screening::Screener::new(cat.watchlist, cat.trends, paxscreen::reference::Scope::All);
        // The best of three runs: the first pays for touching the index's pages.
        let mut rate = 0f64;
        let mut hits = 0;
        for _ in 0..3 {
            let t = Instant::now();
            hits = msgs.par_iter().map(|m| s.screen_passengers(m).len()).sum::<usize>();
            rate = rate.max(passengers as f64 / t.elapsed().as_secs_f64());
        }
        eprintln!("replay (in memory, 2 cores, best of 3): {rate:.0} passengers/s, {hits} hits");
        (rate, s)
    };
    drop(screener);

    // 2. the broker and the service.
    let run = work.join(format!("run-{}", std::process::id()));
    std::fs::create_dir_all(&run).unwrap();
    let tansu = Tansu::start(&run.join("tansu")).await;
    tansu.create_topic(TOPIC, PARTITIONS).await;
    tansu.create_topic("api-messages-dlq", 1).await;
    let ops = free_port();
    let mut child = serve(&run, &wl, &tansu.brokers(), ops);
    let ready = format!("http://127.0.0.1:{ops}/readyz");
    let started = Instant::now();
    while !reqwest::get(&ready).await.is_ok_and(|r| r.status().is_success()) {
        assert!(started.elapsed() < Duration::from_secs(300), "serve never ready: {}", run.join("serve.log").display());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let db = format!("sqlite://{}", run.join("paxscreen.db").display());
    let producer: FutureProducer =
        ClientConfig::new().set("bootstrap.servers", tansu.brokers()).set("linger.ms", "2").create().unwrap();

    // 3. throughput: everything produced at once.
    let me = std::process::id();
    let cpu0 = [cpu_seconds(child.id()), cpu_seconds(tansu.pid()), cpu_seconds(me)];
    let t0 = Instant::now();
    let mut pending = Vec::new();
    for (i, m) in msgs.iter().enumerate() {
        let b = body(m);
        let rec = FutureRecord::<(), [u8]>::to(TOPIC).partition(i as i32 % PARTITIONS).payload(&b);
        pending.push(producer.send_result(rec).map_err(|(e, _)| e).unwrap());
    }
    for p in pending {
        p.await.unwrap().unwrap();
    }
    while stored(&db).await < msgs.len() as i64 || !committed_to_end(&tansu.brokers()) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let wall = t0.elapsed().as_secs_f64();
    let serve_rate = passengers as f64 / wall;
    let cpu = [cpu_seconds(child.id()) - cpu0[0], cpu_seconds(tansu.pid()) - cpu0[1], cpu_seconds(me) - cpu0[2]];
    eprintln!("serve end to end: {serve_rate:.0} passengers/s ({:.2} of replay)", serve_rate / replay_rate);
    eprintln!(
        "CPU over {wall:.1} s on 2 cores: serve {:.1} s ({:.0} µs a passenger; replay {:.0}), broker {:.1} s, producer and checks {:.1} s",
        cpu[0],
        cpu[0] / passengers as f64 * 1e6,
        2.0 / replay_rate * 1e6,
        cpu[1],
        cpu[2]
    );

    // 4. latency at a steady rate.
    let steady = messages(rate * seconds, 11, "L");
    let every = Duration::from_secs_f64(1.0 / rate as f64);
    let mut sent = Vec::new();
    let mut tick = tokio::time::interval(every);
    for (i, m) in steady.iter().enumerate() {
        tick.tick().await;
        let b = body(m);
        let ts = Utc::now().timestamp_millis();
        let rec = FutureRecord::<(), [u8]>::to(TOPIC).partition(i as i32 % PARTITIONS).payload(&b).timestamp(ts);
        sent.push((m.message_id.clone(), ts, producer.send_result(rec).map_err(|(e, _)| e).unwrap()));
    }
    let mut stamps = Vec::new();
    for (id, ts, p) in sent {
        p.await.unwrap().unwrap();
        stamps.push((id, ts));
    }
    while stored(&db).await < (msgs.len() + steady.len()) as i64 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let pool = sqlx::AnyPool::connect(&db).await.unwrap();
    let mut lat = Vec::new();
    for (id, ts) in &stamps {
        let r = sqlx::query("SELECT stored_at FROM messages WHERE message_id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
        lat.push((r.get::<i64, _>("stored_at") - ts) as f64);
    }
    lat.sort_by(f64::total_cmp);
    let q = |p: f64| lat[((lat.len() as f64 - 1.0) * p).round() as usize];
    let pax_steady = steady.iter().map(|m| m.passengers.len()).sum::<usize>() / steady.len().max(1);
    eprintln!(
        "latency at {rate} messages/s of ~{pax_steady} passengers: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        q(0.5),
        q(0.99),
        q(1.0)
    );
    let _ = std::process::Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    let _ = child.wait();
    let line = serde_json::json!({
        "at": Utc::now().to_rfc3339(), "entries": entries, "messages": msgs.len(), "passengers": passengers,
        "replay_pax_per_s": replay_rate.round(), "serve_pax_per_s": serve_rate.round(),
        "ratio": (serve_rate / replay_rate * 100.0).round() / 100.0,
        "serve_cpu_s": cpu[0], "broker_cpu_s": cpu[1], "producer_cpu_s": cpu[2], "wall_s": wall,
        "latency_rate": rate, "latency_passengers_per_message": pax_steady,
        "latency_ms_p50": q(0.5), "latency_ms_p99": q(0.99), "latency_ms_max": q(1.0),
    });
    println!("{line}");
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(work.join("results.jsonl")).unwrap();
    writeln!(f, "{line}").unwrap();
    drop(tansu);
    let _ = std::fs::remove_dir_all(&run);
}
