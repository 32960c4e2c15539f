#![allow(dead_code, unused_imports)]
use std::path::{Path, PathBuf};

/// The project's own examples of the contract's inputs (`formats.md`): one
/// message with a Cyrillic passenger listed in Latin, a watchlist with an
/// expired entry and a stolen document, and one trend.
pub fn spec_examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/contract")
}

/// A temp folder holding one file.
pub fn folder_with(name: &str, content: &[u8]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join(name), content).unwrap();
    d
}

pub fn bin() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_paxscreen"))
}

/// A fresh database for one test: a SQLite file in a temp folder, or a new
/// PostgreSQL database on the server `scripts/test` sets up
/// (`PAXSCREEN_TEST_PG`, default `postgres://postgres@127.0.0.1:5432`; the
/// role must be allowed to create databases), dropped at the end.
#[cfg(feature = "service")]
pub struct TestDb {
    pub url: String,
    pub dir: tempfile::TempDir,
    pg_name: Option<String>,
}

#[cfg(feature = "service")]
pub fn pg_server() -> String {
    std::env::var("PAXSCREEN_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// The database the tests connect to on that server to create and drop their
/// own (`PAXSCREEN_TEST_PG_DB`, default `postgres`).
#[cfg(feature = "service")]
pub fn pg_admin_url() -> String {
    let db = std::env::var("PAXSCREEN_TEST_PG_DB").unwrap_or_else(|_| "postgres".into());
    format!("{}/{db}", pg_server())
}

#[cfg(feature = "service")]
impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("paxscreen.db").display());
        TestDb { url, dir, pg_name: None }
    }

    pub async fn postgres() -> TestDb {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let name = format!("paxscreen_test_{}", rand_suffix());
        let mut admin = sqlx::AnyConnection::connect(&pg_admin_url()).await.unwrap_or_else(|e| {
            panic!("PostgreSQL at {} must answer for these tests (scripts/test sets it up): {e}", pg_server())
        });
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        TestDb { url: format!("{}/{name}", pg_server()), dir, pg_name: Some(name) }
    }

    pub async fn both() -> Vec<TestDb> {
        vec![TestDb::sqlite().await, TestDb::postgres().await]
    }

    pub fn is_pg(&self) -> bool {
        self.pg_name.is_some()
    }

    pub async fn drop_pg(&self) {
        use sqlx::Connection;
        if let Some(name) = &self.pg_name {
            if let Ok(mut admin) = sqlx::AnyConnection::connect(&pg_admin_url()).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).await;
            }
        }
    }
}

#[cfg(feature = "service")]
fn rand_suffix() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let n = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    format!("{}_{}", std::process::id(), n % 1_000_000_000)
}

/// The contract's example message as JSON text with another id.
pub fn example_message(id: &str) -> String {
    let mut v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(spec_examples().join("api-message.json")).unwrap()).unwrap();
    v["message_id"] = id.into();
    v.to_string()
}

#[cfg(feature = "service")]
mod service_harness {
    use super::*;
    use chrono::{DateTime, Duration, TimeZone, Utc};
    use paxscreen::clock::Clock;
    use paxscreen::metrics::Metrics;
    use paxscreen::pipeline::Pipeline;
    use paxscreen::reference::Scope;
    use paxscreen::screening::Screener;
    use paxscreen::store::Store;
    use std::sync::{Arc, Mutex};

    /// A clock the test moves.
    pub struct TestClock(pub Mutex<DateTime<Utc>>);

    impl Clock for TestClock {
        fn now(&self) -> DateTime<Utc> {
            *self.0.lock().unwrap()
        }
    }

    pub fn start() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 2, 0, 0).unwrap()
    }

    pub struct Lists {
        pub wl: tempfile::TempDir,
        pub tr: tempfile::TempDir,
    }

    pub fn lists() -> Lists {
        let ex = spec_examples();
        Lists {
            wl: folder_with("watchlist.csv", &std::fs::read(ex.join("watchlist.csv")).unwrap()),
            tr: folder_with("trend.toml", &std::fs::read(ex.join("trend.toml")).unwrap()),
        }
    }

    pub async fn pipeline(db: &TestDb, l: &Lists, clock: Arc<TestClock>) -> Arc<Pipeline> {
        let store = Store::open(&db.url).await.unwrap();
        let cat = paxscreen::catalog::open(l.wl.path(), l.tr.path(), start().date_naive())
            .unwrap_or_else(|(p, _)| panic!("{p:?}"));
        Arc::new(Pipeline::new(
            Arc::new(Screener::new(cat.watchlist, cat.trends, Scope::All)),
            store,
            Arc::new(Metrics::new()),
            clock,
            Duration::hours(96),
        ))
    }

    /// `paxscreen serve` in this process on `db`, with free ports, the
    /// spec's lists and the test's clock; stopped by `stop`.
    pub struct Running {
        pub base: String,
        pub ops: String,
        pub store: Store,
        pub stop: tokio_util::sync::CancellationToken,
        pub task: tokio::task::JoinHandle<Result<(), paxscreen::serve::ServeError>>,
        pub alerts_file: std::path::PathBuf,
        _lists: Lists,
    }

    impl Running {
        pub async fn start(db: &TestDb, clock: Arc<TestClock>) -> Running {
            Self::start_with(db, clock, |_| {}).await
        }

        /// As [`Running::start`], with the configuration changed by `change`.
        pub async fn start_with(
            db: &TestDb,
            clock: Arc<TestClock>,
            change: impl FnOnce(&mut paxscreen::config::Config),
        ) -> Running {
            let l = lists();
            let (api, ops) = (free_port(), free_port());
            let mut config = paxscreen::config::Config::default();
            config.store.url = db.url.clone();
            config.screening.watchlists = l.wl.path().to_path_buf();
            config.screening.trends = l.tr.path().to_path_buf();
            config.screening.scope = "all".into();
            config.http.listen = format!("127.0.0.1:{api}");
            config.http.metrics_listen = format!("127.0.0.1:{ops}");
            config.spool.dir = db.dir.path().join("spool");
            config.alerts.file = db.dir.path().join("alerts.jsonl");
            config.alerts.poll_ms = 50;
            change(&mut config);
            let alerts_file = config.alerts.file.clone();
            let service = paxscreen::serve::Service::open(config, clock).await.unwrap();
            let store = service.store.clone();
            let stop = tokio_util::sync::CancellationToken::new();
            let task = tokio::spawn(service.run(stop.clone()));
            let r = Running {
                base: format!("http://127.0.0.1:{api}"),
                ops: format!("http://127.0.0.1:{ops}"),
                store,
                stop,
                task,
                alerts_file,
                _lists: l,
            };
            wait_for(&format!("{}/healthz", r.ops)).await;
            r
        }

        /// A user with `role` and a bearer token for them.
        pub async fn token(&self, name: &str, role: &str) -> String {
            let id =
                self.store.upsert_user(name, paxscreen::auth::Role::parse(role).unwrap(), None, start()).await.unwrap();
            let t = paxscreen::auth::new_token();
            self.store.add_token(id, &paxscreen::auth::token_hash(&t), start(), None).await.unwrap();
            t
        }

        pub async fn shutdown(self) {
            self.stop.cancel();
            self.task.await.unwrap().unwrap();
        }
    }

    /// The ids of the hits in the queue, nearest arrival first, at most `limit`.
    pub async fn hit_ids(store: &Store, limit: u32) -> Vec<i64> {
        let q = paxscreen::store::HitQuery { limit, ..Default::default() };
        store.hits(&q).await.unwrap().unwrap().hits.iter().map(|h| h.id).collect()
    }

    /// GET `url` with a bearer `token`; the answer as JSON.
    pub async fn get_json(c: &reqwest::Client, url: &str, token: &str) -> serde_json::Value {
        c.get(url).bearer_auth(token).send().await.unwrap().json().await.unwrap()
    }

    pub async fn wait_for(url: &str) {
        for _ in 0..100 {
            if reqwest::get(url).await.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("{url} never answered");
    }
}
#[cfg(feature = "service")]
pub use service_harness::*;

/// A real Kafka-protocol broker process (tansu) on a free loopback port,
/// with its memory storage engine, logging under `dir`; stopped when dropped. The binary is
/// `$TANSU`, or `tansu` on PATH or in `~/.cargo/bin` (`.ci/run` installs it).
#[cfg(feature = "service")]
pub struct Tansu {
    child: std::process::Child,
    port: u16,
    bin: PathBuf,
}

#[cfg(feature = "service")]
impl Tansu {
    pub fn binary() -> PathBuf {
        if let Ok(p) = std::env::var("TANSU") {
            return PathBuf::from(p);
        }
        let home = std::env::var("HOME").unwrap_or_default();
        let cargo_bin = Path::new(&home).join(".cargo/bin/tansu");
        if cargo_bin.exists() {
            return cargo_bin;
        }
        PathBuf::from("tansu")
    }

    pub async fn start(dir: &Path) -> Tansu {
        std::fs::create_dir_all(dir).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let url = format!("tcp://127.0.0.1:{port}");
        let bin = Tansu::binary();
        let mut child = std::process::Command::new(&bin)
            .arg("broker")
            .args(["--listener-url", &url, "--advertised-listener-url", &url])
            // In memory: tansu's libSQL engine reads `sqlite://` paths relative to its cwd.
            .args(["--storage-engine", "memory://tansu/"])
            .current_dir(dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(dir.join("tansu.log")).unwrap())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the tansu broker ({}): {e}; install it: cargo install --locked tansu --version 0.6.0 --features dynostore,libsql", bin.display()));
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Tansu { child, port, bin };
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!(
            "tansu never listened on {port}: {}",
            std::fs::read_to_string(dir.join("tansu.log")).unwrap_or_default()
        );
    }

    /// The broker's process id (for CPU accounting in benchmarks).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn brokers(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Create a topic explicitly (tansu's own CLI).
    pub async fn create_topic(&self, name: &str, partitions: i32) {
        let out = std::process::Command::new(&self.bin)
            .args(["topic", "create", name, "--broker", &format!("tcp://127.0.0.1:{}", self.port)])
            .args(["--partitions", &partitions.to_string()])
            .output()
            .unwrap();
        assert!(out.status.success(), "topic {name}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

#[cfg(feature = "service")]
impl Drop for Tansu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free loopback port (bound, read, released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The example message with another id, sent now (so never too old for a
/// service on the system clock).
pub fn message_sent_now(id: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(&example_message(id)).unwrap();
    v["sent_at"] = chrono::Utc::now().to_rfc3339().into();
    v.to_string()
}
