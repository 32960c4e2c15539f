//! Crash safety: `paxscreen serve` is killed with SIGKILL five times while it
//! consumes 10,000 messages from Kafka (librdkafka's mock cluster, served
//! by this test process on loopback); after a final restart every passenger
//! is stored exactly once and no hit is lost or doubled. Then the same with
//! two instances sharing one PostgreSQL.
#![cfg(feature = "service")]

mod common;
use common::*;
use rdkafka::config::ClientConfig;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{DefaultProducerContext, FutureProducer, FutureRecord};
use sqlx::Row;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOPIC: &str = "api-messages";
const MESSAGES: usize = 10_000;

/// The example message, sent now (so it is never too old), with its own id.
fn message(i: usize) -> String {
    message_sent_now(&format!("C-{i:05}"))
}

async fn produce_all(mock: &MockCluster<'static, DefaultProducerContext>) {
    mock.create_topic(TOPIC, 4, 1).unwrap();
    mock.create_topic("api-messages-dlq", 1, 1).unwrap();
    let producer: FutureProducer =
        ClientConfig::new().set("bootstrap.servers", mock.bootstrap_servers()).set("linger.ms", "5").create().unwrap();
    let bodies: Vec<String> = (0..MESSAGES).map(message).collect();
    let mut pending = Vec::with_capacity(MESSAGES);
    for (i, b) in bodies.iter().enumerate() {
        let key = format!("k{i}");
        let record = FutureRecord::to(TOPIC).partition((i % 4) as i32).key(&key).payload(b.as_bytes());
        pending.push(producer.send_result(record).map_err(|(e, _)| e).unwrap());
    }
    for p in pending {
        p.await.unwrap().unwrap();
    }
}

fn write_config(dir: &Path, store_url: &str, brokers: &str, l: &Lists, instance: usize) -> std::path::PathBuf {
    let path = dir.join(format!("paxscreen-{instance}.toml"));
    let text = format!(
        r#"
[store]
url = "{store_url}"
[screening]
watchlists = "{wl}"
trends = "{tr}"
scope = "all"
[http]
listen = "127.0.0.1:{api}"
metrics_listen = "127.0.0.1:{ops}"
[spool]
dir = "{spool}"
[kafka]
brokers = "{brokers}"
group_id = "crash"
topic = "{TOPIC}"
dead_letter_topic = "api-messages-dlq"
[kafka.settings]
"session.timeout.ms" = "6000"
"heartbeat.interval.ms" = "300"
"auto.commit.interval.ms" = "200"
"#,
        wl = l.wl.path().display(),
        tr = l.tr.path().display(),
        api = free_port(),
        ops = free_port(),
        spool = dir.join(format!("spool-{instance}")).display(),
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn spawn(config: &Path, log: &Path) -> Child {
    bin()
        .arg("serve")
        .arg("--config")
        .arg(config)
        .env("PAXSCREEN_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap()
}

async fn counts(url: &str) -> (i64, i64, i64) {
    sqlx::any::install_default_drivers();
    let pool = match sqlx::AnyPool::connect(url).await {
        Ok(p) => p,
        Err(_) => return (0, 0, 0),
    };
    let mut out = [0i64; 3];
    for (i, t) in ["messages", "passengers", "hits"].iter().enumerate() {
        out[i] = match sqlx::query(&format!("SELECT COUNT(*) AS n FROM {t}")).fetch_one(&pool).await {
            Ok(r) => r.try_get("n").unwrap(),
            Err(_) => 0,
        };
    }
    pool.close().await;
    (out[0], out[1], out[2])
}

/// Hits the example message gives, found by screening it once in process.
async fn hits_per_message() -> i64 {
    let db = TestDb::sqlite().await;
    let l = lists();
    let p = pipeline(&db, &l, std::sync::Arc::new(TestClock(std::sync::Mutex::new(start())))).await;
    match &p.process(example_message("ONE").as_bytes(), "test").await.unwrap()[..] {
        [paxscreen::pipeline::Processed::Stored { hits, .. }] => *hits as i64,
        other => panic!("{other:?}"),
    }
}

fn sigterm(child: &mut Child) {
    let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
}

async fn crash_run(db: TestDb, instances: usize) {
    let mock = MockCluster::new(1).unwrap();
    produce_all(&mock).await;
    let l = lists();
    let per_message = hits_per_message().await;
    let configs: Vec<_> =
        (0..instances).map(|i| write_config(db.dir.path(), &db.url, &mock.bootstrap_servers(), &l, i)).collect();
    let log = |i: usize| db.dir.path().join(format!("serve-{i}.log"));
    let mut children: Vec<Child> = configs.iter().enumerate().map(|(i, c)| spawn(c, &log(i))).collect();
    let mut kills = Vec::new();
    for round in 0..5 {
        // Kill once consumption has moved on since the last kill.
        let before = kills.last().copied().unwrap_or(0);
        let deadline = Instant::now() + Duration::from_secs(60);
        while counts(&db.url).await.0 < before + 300 {
            assert!(Instant::now() < deadline, "no progress after kill {round}: {kills:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let victim = round % instances;
        children[victim].kill().unwrap();
        children[victim].wait().unwrap();
        kills.push(counts(&db.url).await.0);
        children[victim] = spawn(&configs[victim], &log(victim));
    }
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        let (m, _, _) = counts(&db.url).await;
        if m >= MESSAGES as i64 {
            break;
        }
        assert!(Instant::now() < deadline, "only {m} of {MESSAGES} stored; kills at {kills:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    for c in &mut children {
        sigterm(c);
    }
    for (i, c) in children.iter_mut().enumerate() {
        let status = c.wait().unwrap();
        assert!(status.success(), "instance {i} exits 0 on SIGTERM: {}", std::fs::read_to_string(log(i)).unwrap());
    }
    assert!(kills.iter().any(|k| *k > 0 && *k < MESSAGES as i64), "killed while consuming: {kills:?}");
    let (m, p, h) = counts(&db.url).await;
    assert_eq!(m, MESSAGES as i64, "every message once");
    assert_eq!(p, 2 * MESSAGES as i64, "every passenger once");
    assert_eq!(h, per_message * MESSAGES as i64, "no hit lost or doubled");
    // And per message, not only in total.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let uneven = sqlx::query(
        "SELECT COUNT(*) AS n FROM (SELECT message_id, COUNT(*) AS c FROM hits GROUP BY message_id) x WHERE x.c <> $1",
    )
    .bind(per_message)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(uneven.try_get::<i64, _>("n").unwrap(), 0);
    pool.close().await;
    eprintln!("stored counts at each kill: {kills:?}");
    db.drop_pg().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_five_times_while_consuming_sqlite() {
    crash_run(TestDb::sqlite().await, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_five_times_while_consuming_two_instances_on_postgres() {
    crash_run(TestDb::postgres().await, 2).await;
}
