//! The service under attack (issue 22): one test per finding of the
//! hostile probe, each failing on the code before the fix. Memory at
//! sign-in, the throttle raced, failed sign-ins in the audit log, the spool
//! as untrusted input, legal holds and the alerts file, the CLI's
//! operator and disabled users, special-category counts, server-side
//! timeouts, immutable decisions, and the smaller ones (roles before
//! bodies, the privacy officer's page, invisible reasons, cross-origin
//! sign-in).
#![cfg(feature = "service")]

mod common;
use chrono::Duration;
use common::*;
use paxscreen::store::{Principal, Store};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

// --- The real binary ---------------------------------------------------------

/// `paxscreen serve` as its own process, on a SQLite store in `dir`, with
/// `extra` configuration appended; killed when dropped.
struct Served {
    child: Child,
    api: String,
    ops: String,
    log: PathBuf,
    store_url: String,
    _lists: Lists,
}

fn write_config(dir: &Path, l: &Lists, extra: &str) -> (PathBuf, String, u16, u16) {
    let (api, ops) = (free_port(), free_port());
    let store_url = format!("sqlite://{}", dir.join("paxscreen.db").display());
    let text = format!(
        "[store]\nurl = \"{store_url}\"\n[screening]\nwatchlists = \"{}\"\ntrends = \"{}\"\nscope = \"all\"\n\
         [spool]\ndir = \"{}\"\n[alerts]\nfile = \"{}\"\n{extra}\n[http]\nlisten = \"127.0.0.1:{api}\"\n\
         metrics_listen = \"127.0.0.1:{ops}\"\n",
        l.wl.path().display(),
        l.tr.path().display(),
        dir.join("spool").display(),
        dir.join("alerts.jsonl").display(),
    );
    let path = dir.join("paxscreen.toml");
    std::fs::write(&path, text).unwrap();
    (path, store_url, api, ops)
}

impl Served {
    async fn start(dir: &Path, extra: &str, log_level: &str) -> Served {
        let l = lists();
        let (config, store_url, api, ops) = write_config(dir, &l, extra);
        let log = dir.join("serve.log");
        let child = bin()
            .arg("serve")
            .arg("--config")
            .arg(&config)
            .env("PAXSCREEN_LOG", log_level)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let s = Served {
            child,
            api: format!("http://127.0.0.1:{api}"),
            ops: format!("http://127.0.0.1:{ops}"),
            log,
            store_url,
            _lists: l,
        };
        wait_for(&format!("{}/healthz", s.ops)).await;
        s
    }

    /// The process's peak resident memory (VmHWM), in KiB.
    fn peak_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    /// SIGTERM, and wait for a clean exit.
    fn stop(mut self) {
        assert!(Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status().unwrap().success());
        let status = self.child.wait().unwrap();
        assert!(status.success(), "serve exited with {status}: {}", std::fs::read_to_string(&self.log).unwrap());
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn cli(config: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = bin();
    c.args(args).arg("--config").arg(config);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

async fn login(c: &reqwest::Client, base: &str, user: &str, password: &str) -> reqwest::Response {
    c.post(format!("{base}/api/v1/login")).json(&json!({"username": user, "password": password})).send().await.unwrap()
}

// --- 1. Memory exhaustion at sign-in -----------------------------------------

/// 200 parallel sign-ins with unknown names: before, each held its own
/// Argon2 buffer on its own thread (3.7 GB resident, never given back);
/// now at most one per password checker, the rest wait in a short queue
/// or are told to come back (`503`, `Retry-After`).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_parallel_sign_ins_stay_under_600_mb() {
    let dir = tempfile::tempdir().unwrap();
    // The address limit out of the way: the password checkers are what is measured.
    let s = Served::start(dir.path(), "[login]\nmax_failures_per_address = 1000000\n", "warn").await;
    let c = reqwest::Client::new();
    let answers = futures_join((0..200).map(|i| {
        let (c, base) = (c.clone(), s.api.clone());
        async move {
            let r = login(&c, &base, &format!("nobody-{i}"), "guess").await;
            (r.status().as_u16(), r.headers().contains_key("retry-after"))
        }
    }))
    .await;
    for (status, retry) in &answers {
        assert!([401, 503].contains(status), "{status}");
        assert_eq!(*retry, *status == 503, "503 says when to come back");
    }
    assert!(answers.iter().any(|a| a.0 == 401), "some were checked");
    let peak_mb = s.peak_kib() / 1024;
    eprintln!("peak resident memory under 200 parallel sign-ins: {peak_mb} MB");
    assert!(peak_mb < 600, "peak resident memory {peak_mb} MB");
    s.stop();
}

/// Run futures concurrently (spawned), answers in order.
async fn futures_join<T: Send + 'static>(
    futs: impl IntoIterator<Item = impl std::future::Future<Output = T> + Send + 'static>,
) -> Vec<T> {
    let handles: Vec<_> = futs.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

// --- 2. The throttle raced; no limit per address ------------------------------

fn clock() -> Arc<TestClock> {
    Arc::new(TestClock(Mutex::new(start())))
}

async fn user_with_password(store: &Store, name: &str, role: &str, password: &str) {
    let hash = paxscreen::auth::hash_password(password).unwrap();
    store.upsert_user(name, paxscreen::auth::Role::parse(role).unwrap(), Some(&hash), start()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_guesses_at_one_name_get_the_limit_and_no_more() {
    let db = TestDb::sqlite().await;
    let svc = Running::start_with(&db, clock(), |c| {
        c.login.max_failures_per_name = 5;
        c.login.max_failures_per_address = 10;
        c.login.hash_queue = 200;
    })
    .await;
    user_with_password(&svc.store, "alice", "analyst", "correct horse battery").await;
    let c = reqwest::Client::new();
    // 80 guesses at once, the right one among them.
    let answers = futures_join((0..80).map(|i| {
        let (c, base) = (c.clone(), svc.base.clone());
        let pw = if i == 79 { "correct horse battery".to_string() } else { format!("guess {i}") };
        async move { login(&c, &base, "alice", &pw).await.status().as_u16() }
    }))
    .await;
    let wrong_checked = answers[..79].iter().filter(|s| **s == 401).count();
    assert_eq!(wrong_checked, 5, "wrong passwords checked against a limit of 5: {answers:?}");
    assert!(answers[..79].iter().all(|s| [401, 429].contains(s)), "{answers:?}");
    assert!([200, 429].contains(&answers[79]), "the right one: checked within the limit, or refused unchecked");
    // The limit reached: the right password does not sign in now.
    let r = login(&c, &svc.base, "alice", "correct horse battery").await;
    assert_eq!(r.status(), 429);
    assert!(r.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 60);
    // Per address (10 failures, 5 used): other names from the same peer,
    // whatever header it sends (none is believed unless configured).
    let mut statuses = Vec::new();
    for i in 0..6 {
        let r = c
            .post(format!("{}/api/v1/login", svc.base))
            .header("x-forwarded-for", format!("203.0.113.{i}"))
            .json(&json!({"username": format!("other-{i}"), "password": "x"}))
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429], "the address's limit");
    svc.shutdown().await;

    // Behind a proxy that says who the client is, in the configured header.
    let db = TestDb::sqlite().await;
    let svc = Running::start_with(&db, clock(), |c| {
        c.login.max_failures_per_address = 3;
        c.http.client_address_header = "X-Forwarded-For".into();
    })
    .await;
    let from = |addr: &'static str, name: String| {
        c.post(format!("{}/api/v1/login", svc.base))
            .header("x-forwarded-for", format!("198.51.100.99, {addr}"))
            .json(&json!({"username": name, "password": "x"}))
            .send()
    };
    for i in 0..3 {
        assert_eq!(from("192.0.2.1", format!("n{i}")).await.unwrap().status(), 401);
    }
    assert_eq!(from("192.0.2.1", "n9".into()).await.unwrap().status(), 429, "that client's limit");
    assert_eq!(from("192.0.2.2", "n9".into()).await.unwrap().status(), 401, "another client is not held back");
    svc.shutdown().await;
}

// --- 3. Failed sign-ins audited as summaries, names never stored ---------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn failed_sign_ins_are_one_summary_per_address_and_minute_without_the_names() {
    let dir = tempfile::tempdir().unwrap();
    let s = Served::start(dir.path(), "", "debug").await;
    let c = reqwest::Client::new();
    for i in 0..42 {
        // Names as an attacker would type them: personal data, newlines.
        let name = format!("Zyxwv Quorra {}\nborn 1970-01-0{}", i % 7, i % 7);
        let status = login(&c, &s.api, &name, "guess").await.status().as_u16();
        assert!([401, 429].contains(&status), "{status}");
    }
    let (log, store_url) = (s.log.clone(), s.store_url.clone());
    s.stop();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains("Zyxwv") && !text.contains("Quorra"), "a typed name in the process log");
    let store = Store::open(&store_url).await.unwrap();
    let entries = store.audit_recent(None, 1000).await.unwrap();
    for e in &entries {
        let all = format!("{} {} {}", e.actor, e.object, e.detail);
        assert!(!all.contains("Zyxwv") && !all.contains("Quorra"), "a typed name in the audit log: {all}");
    }
    let summaries: Vec<_> = entries.iter().filter(|e| e.action == "sign_in_failures").collect();
    assert_eq!(summaries.len(), 1, "one summary for the address within the minute: {entries:?}");
    assert_eq!(summaries[0].object, "address:127.0.0.1");
    let d: Value = serde_json::from_str(&summaries[0].detail).unwrap();
    assert_eq!(d["attempts"], 42);
    assert_eq!(d["distinct_names"], 7);
    assert_eq!(d["throttled"], 7, "each name's sixth attempt throttled");
    assert_eq!(d["name_keys"].as_array().unwrap().len(), 7, "keyed hashes to correlate");
    assert!(entries.iter().all(|e| e.action != "sign_in_refused"), "no row per attempt");
    assert!(store.audit_verify().await.unwrap().is_ok());
}

// --- 4 and 10. The spool as untrusted input; no rejected file overwritten ------

#[tokio::test]
async fn every_spool_entry_is_screened_or_rejected_and_the_purge_goes_by_receipt() {
    use std::os::unix::ffi::OsStrExt;
    let db = TestDb::sqlite().await;
    let l = lists();
    // Receipts are compared with the real time by the purge command below.
    let p = pipeline(&db, &l, Arc::new(TestClock(Mutex::new(chrono::Utc::now())))).await;
    let dir = db.dir.path().join("spool");
    std::fs::create_dir_all(dir.join("sub/deeper")).unwrap();
    let spool = paxscreen::ingest::spool::Spool { dir: dir.clone(), poll: std::time::Duration::from_millis(10) };
    let odd = std::ffi::OsStr::from_bytes(b"m\xff.json");
    std::fs::write(dir.join(odd), message_sent_now("U-1")).unwrap();
    std::fs::write(dir.join("sub/deeper/m.json"), message_sent_now("U-2")).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", dir.join("link.json")).unwrap();
    std::fs::write(dir.join("bad.json"), "{first garbage}").unwrap();
    let pass = spool.pass(&p).await.unwrap();
    assert_eq!((pass.files, pass.rejected_files), (4, 2), "every entry handled");
    assert_eq!(p.store.counts().await.unwrap().0, 2, "the non-UTF-8 name and the subfolder's file screened");
    assert!(!dir.join(odd).exists() && !dir.join("sub").exists(), "screened, deleted, the subfolder gone");
    assert!(std::fs::symlink_metadata(dir.join("rejected/link.json")).unwrap().file_type().is_symlink());
    // A second rejected file of the same name keeps the first.
    std::fs::write(dir.join("bad.json"), "{second garbage}").unwrap();
    spool.pass(&p).await.unwrap();
    assert_eq!(std::fs::read_to_string(dir.join("rejected/bad.json")).unwrap(), "{first garbage}");
    assert_eq!(std::fs::read_to_string(dir.join("rejected/bad.json~1")).unwrap(), "{second garbage}");
    assert!(std::fs::read_to_string(dir.join("rejected/bad.json~1.reason")).unwrap().contains("received_at:"));

    // Passenger data the service never saw: a name that is not UTF-8, a file
    // in a subfolder, one still being written; a rejected file whose
    // modification time is far in the future.
    std::fs::write(dir.join(std::ffi::OsStr::from_bytes(b"late\xfe.json")), example_message("U-3")).unwrap();
    std::fs::create_dir_all(dir.join("other")).unwrap();
    std::fs::write(dir.join("other/x.json"), example_message("U-4")).unwrap();
    std::fs::write(dir.join(".partial.json"), example_message("U-5")).unwrap();
    let touched = Command::new("touch").args(["-d", "2036-01-01"]).arg(dir.join("rejected/bad.json")).status();
    assert!(touched.unwrap().success());
    let (config, _, _, _) = write_config(db.dir.path(), &l, "");
    let purge = |hours: i64| {
        let at = (chrono::Utc::now() + Duration::hours(hours)).to_rfc3339();
        let o = cli(&config, &["purge", "--as-of", &at], &[]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let left = || -> Vec<String> {
        let mut out = Vec::new();
        let mut dirs = vec![dir.clone()];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                if e.file_type().unwrap().is_dir() {
                    dirs.push(e.path());
                }
                out.push(e.path().strip_prefix(&dir).unwrap().to_string_lossy().into_owned());
            }
        }
        out.sort();
        out
    };
    purge(1);
    assert!(left().len() >= 9, "nothing received 96 hours ago yet: {:?}", left());
    purge(97);
    assert_eq!(left(), vec!["rejected".to_string()], "everything under the spool folder expired");
}

// --- 5. A legal hold holds the alerts file's line --------------------------------

#[tokio::test]
async fn a_held_hits_alert_line_outlives_the_purge() {
    let db = TestDb::sqlite().await;
    let svc = Running::start(&db, clock()).await;
    let c = reqwest::Client::new();
    let ingest = svc.token("in", "ingest").await;
    let r = c.post(format!("{}/api/v1/messages", svc.base)).bearer_auth(&ingest).body(example_message("L-1"));
    assert_eq!(r.send().await.unwrap().status(), 202);
    let hits = hit_ids(&svc.store, 10).await;
    let (a, b, sup) =
        (svc.token("a", "analyst").await, svc.token("b", "analyst").await, svc.token("s", "supervisor").await);
    for &h in &hits[..2] {
        for t in [&a, &b] {
            let r = c.post(format!("{}/api/v1/hits/{h}/decision", svc.base)).bearer_auth(t);
            assert_eq!(r.json(&json!({"decision": "confirm"})).send().await.unwrap().status(), 200);
        }
    }
    let lines = || std::fs::read_to_string(&svc.alerts_file).unwrap_or_default();
    for _ in 0..200 {
        if lines().lines().count() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(lines().lines().count(), 2, "both alerts delivered");
    let held = hits[0];
    let r = c.post(format!("{}/api/v1/hits/{held}/hold", svc.base)).bearer_auth(&sup);
    assert_eq!(r.json(&json!({"case": "CASE-7"})).send().await.unwrap().status(), 200);
    let spool = paxscreen::ingest::spool::Spool { dir: db.dir.path().join("spool"), poll: Default::default() };
    let at = start() + Duration::hours(97);
    let swept =
        paxscreen::retention::sweep(&svc.store, &spool, Duration::hours(96), Some(&svc.alerts_file), 4, at, None)
            .await
            .unwrap();
    assert_eq!(swept.alert_lines, 1);
    let kept: Vec<Value> = lines().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0]["hit_id"], held, "the held hit's line stays");
    svc.shutdown().await;
}

// --- 6. `tokens add` and disabled users; the CLI's operator -----------------------

#[tokio::test]
async fn tokens_add_never_re_enables_and_the_operator_comes_from_the_os() {
    let dir = tempfile::tempdir().unwrap();
    let l = lists();
    let (config, store_url, _, _) = write_config(dir.path(), &l, "");
    let as_mallory = [("USER", "mallory"), ("LOGNAME", "mallory")];
    let ok = |o: Output| {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        o
    };
    ok(cli(&config, &["users", "add", "bob", "--role", "analyst"], &as_mallory));
    ok(cli(&config, &["users", "disable", "bob"], &as_mallory));
    let o = cli(&config, &["tokens", "add", "bob", "--role", "analyst"], &as_mallory);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("bob is disabled"), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(o.stdout.is_empty(), "no token printed");
    let list = String::from_utf8(ok(cli(&config, &["users", "list"], &[])).stdout).unwrap();
    assert!(list.lines().any(|l| l.starts_with("bob\t") && l.contains("disabled")), "{list}");
    ok(cli(&config, &["tokens", "add", "carol", "--role", "analyst"], &as_mallory));

    let me = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout).unwrap();
    let store = Store::open(&store_url).await.unwrap();
    let entries = store.audit_recent(None, 100).await.unwrap();
    let cli_entries: Vec<_> = entries.iter().filter(|e| e.role == "admin").collect();
    assert_eq!(cli_entries.len(), 3, "{entries:?}");
    for e in cli_entries {
        assert_eq!(e.actor, format!("cli:{}", me.trim()), "{e:?}");
    }
    assert!(entries.iter().all(|e| !e.actor.contains("mallory")));
}

// --- 7. Special-category discards counted by the service ----------------------------

#[tokio::test]
async fn the_service_counts_special_category_discards_by_sender() {
    let db = TestDb::sqlite().await;
    let svc = Running::start(&db, clock()).await;
    let ingest = svc.token("in", "ingest").await;
    let mut m: Value = serde_json::from_str(&example_message("SC-1")).unwrap();
    m["passengers"][0]["religion"] = "x".into();
    m["passengers"][1]["health_status"] = "y".into();
    let c = reqwest::Client::new();
    let r = c.post(format!("{}/api/v1/messages", svc.base)).bearer_auth(&ingest).body(m.to_string());
    assert_eq!(r.send().await.unwrap().status(), 202);
    m["message_id"] = "SC-2".into();
    m["sender"] = "bad sender\"}".into();
    let r = c.post(format!("{}/api/v1/messages", svc.base)).bearer_auth(&ingest).body(m.to_string());
    assert_eq!(r.send().await.unwrap().status(), 202);
    let metrics = reqwest::get(format!("{}/metrics", svc.ops)).await.unwrap().text().await.unwrap();
    assert!(metrics.contains("paxscreen_special_category_discarded_total{sender=\"KL\"} 2"), "{metrics}");
    assert!(metrics.contains("paxscreen_special_category_discarded_total{sender=\"other\"} 2"), "{metrics}");
    svc.shutdown().await;
}

// --- 8. Server-side timeouts on both listeners --------------------------------------

/// Everything the server sends until it closes the connection (or `None`
/// if it is still open after 20 s: the test's own bound, not a timing).
async fn until_closed(s: &mut tokio::net::TcpStream) -> Option<String> {
    let mut got = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        let mut buf = [0u8; 4096];
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    read.ok().map(|_| String::from_utf8_lossy(&got).into_owned())
}

#[tokio::test]
async fn half_sent_requests_and_idle_connections_are_closed() {
    assert_eq!(paxscreen::config::Config::default().http.request_timeout_seconds, 30);
    assert_eq!(paxscreen::config::Config::default().http.idle_timeout_seconds, 30);
    let db = TestDb::sqlite().await;
    let svc = Running::start_with(&db, clock(), |c| {
        c.http.request_timeout_seconds = 2;
        c.http.idle_timeout_seconds = 2;
    })
    .await;
    let addr = |base: &str| base.trim_start_matches("http://").to_string();
    for base in [&svc.base, &svc.ops] {
        // Half a head.
        let mut s = tokio::net::TcpStream::connect(addr(base)).await.unwrap();
        s.write_all(b"POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: app").await.unwrap();
        assert!(until_closed(&mut s).await.is_some(), "{base}: a half-sent head keeps the connection");
        // Nothing at all.
        let mut s = tokio::net::TcpStream::connect(addr(base)).await.unwrap();
        assert!(until_closed(&mut s).await.is_some(), "{base}: a silent connection stays open");
        // A whole request, then idle on a kept-alive connection.
        let mut s = tokio::net::TcpStream::connect(addr(base)).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        let answer = until_closed(&mut s).await.expect("an idle kept-alive connection stays open");
        assert!(answer.starts_with("HTTP/1.1 "), "{answer}");
    }
    // The head whole, the body not: 408 and closed.
    let mut s = tokio::net::TcpStream::connect(addr(&svc.base)).await.unwrap();
    let head =
        "POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n";
    s.write_all(format!("{head}{{\"username\"").as_bytes()).await.unwrap();
    let answer = until_closed(&mut s).await.expect("a half-sent body keeps the connection");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    svc.shutdown().await;
}

// --- 9. Decision rows immutable; `audit verify` notices an edit ---------------------

#[tokio::test]
async fn decisions_cannot_be_edited_and_an_edit_behind_the_triggers_is_found() {
    use paxscreen::review::Decision;
    for db in TestDb::both().await {
        let l = lists();
        let p = pipeline(&db, &l, clock()).await;
        p.process(example_message("D-1").as_bytes(), "test").await.unwrap();
        let hits = hit_ids(&p.store, 10).await;
        let user = |name: &'static str| {
            let store = p.store.clone();
            async move {
                let id = store.upsert_user(name, paxscreen::auth::Role::Analyst, None, start()).await.unwrap();
                Principal { user_id: id, name: name.into(), role: paxscreen::auth::Role::Analyst }
            }
        };
        let (alice, bob) = (user("alice").await, user("bob").await);
        let s = &p.store;
        s.decide(hits[0], &alice, Decision::Confirm, None, None, start()).await.unwrap().unwrap();
        s.decide(hits[1], &alice, Decision::Dismiss, Some("a namesake"), None, start()).await.unwrap().unwrap();
        let pool = s.pool();
        let refused = [
            format!("UPDATE decisions SET user_id = {}, user_name = 'bob' WHERE hit_id = {}", bob.user_id, hits[0]),
            format!("UPDATE decisions SET decision = 'dismiss' WHERE hit_id = {}", hits[0]),
            format!("UPDATE decisions SET reason = 'something else' WHERE hit_id = {}", hits[1]),
            format!("UPDATE decisions SET reason = NULL, decided_at = 1 WHERE hit_id = {}", hits[1]),
            format!("DELETE FROM decisions WHERE hit_id = {}", hits[0]),
        ];
        for sql in &refused {
            let e = sqlx::query(sql).execute(pool).await.expect_err(sql);
            assert!(e.to_string().contains("immutable"), "{sql}: {e}");
        }
        assert!(s.audit_verify().await.unwrap().is_ok());
        // The purge's erasure of the free text is the one change allowed.
        let purged = s.purge(start() + Duration::hours(97)).await.unwrap();
        assert_eq!(purged.reasons, 1);
        assert!(s.audit_verify().await.unwrap().is_ok(), "an erased reason is no tampering");
        // Someone with the database drops the trigger and makes bob the first reviewer.
        let drop = if db.is_pg() {
            "DROP TRIGGER decisions_immutable ON decisions"
        } else {
            "DROP TRIGGER decisions_immutable"
        };
        sqlx::query(drop).execute(pool).await.unwrap();
        let edit =
            format!("UPDATE decisions SET user_id = {}, user_name = 'bob' WHERE hit_id = {}", bob.user_id, hits[0]);
        sqlx::query(&edit).execute(pool).await.unwrap();
        let broken = s.audit_verify().await.unwrap().unwrap_err();
        assert!(
            matches!(&broken, paxscreen::audit::Broken::Decision { hit, step: 1, .. } if *hit == hits[0]),
            "{broken}"
        );
        assert!(broken.to_string().contains("differs from its audit entry"), "{broken}");
        db.drop_pg().await;
    }
}

// --- 10. The smaller ones ---------------------------------------------------------

#[tokio::test]
async fn roles_before_bodies_landing_pages_invisible_reasons_and_cross_origin_sign_in() {
    let db = TestDb::sqlite().await;
    let svc = Running::start(&db, clock()).await;
    let c = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let ingest = svc.token("in", "ingest").await;
    let analyst = svc.token("an", "analyst").await;
    let guard = svc.token("bg", "border_guard").await;
    let privacy = svc.token("po", "privacy_officer").await;
    let r = c.post(format!("{}/api/v1/messages", svc.base)).bearer_auth(&ingest).body(example_message("X-1"));
    assert_eq!(r.send().await.unwrap().status(), 202);
    let hit = hit_ids(&svc.store, 1).await[0];

    // A wrong role with an unreadable body: 403, not 400 or 415.
    let b = &svc.base;
    for (url, token) in [
        (format!("{b}/api/v1/hits/{hit}/decision"), &ingest),
        (format!("{b}/api/v1/hits/{hit}/hold"), &analyst),
        (format!("{b}/api/v1/messages"), &analyst),
    ] {
        let r = c.post(&url).bearer_auth(token).header("content-type", "text/plain").body("\u{0}garbage");
        assert_eq!(r.send().await.unwrap().status(), 403, "{url}");
    }
    let r = c
        .post(format!("{b}/hits/{hit}/decision"))
        .header("cookie", format!("pxs_session={guard}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("%%%garbage");
    assert_eq!(r.send().await.unwrap().status(), 403, "the console too");

    // The privacy officer lands on a page of their own; an ingest account too.
    for (token, page, words) in [(&privacy, "/privacy", "Special categories"), (&ingest, "/account", "over the API")] {
        let r = c.get(format!("{b}/")).header("cookie", format!("pxs_session={token}")).send().await.unwrap();
        assert_eq!(r.headers()["location"], page);
        let r = c.get(format!("{b}{page}")).header("cookie", format!("pxs_session={token}")).send().await.unwrap();
        assert_eq!(r.status(), 200, "{page}");
        assert!(r.text().await.unwrap().contains(words), "{page}");
    }

    // A zero-width space (or other invisible characters) is no reason.
    for nothing in ["\u{200B}", "\u{200B} \u{FEFF}\u{2060}", "\u{3164}", "\u{E0020}"] {
        let r = c
            .post(format!("{b}/api/v1/hits/{hit}/decision"))
            .bearer_auth(&analyst)
            .json(&json!({"decision": "dismiss", "reason": nothing}));
        assert_eq!(r.send().await.unwrap().status(), 422, "{nothing:?}");
    }

    // The sign-in form refuses posts from other sites.
    user_with_password(&svc.store, "olga", "analyst", "a long enough password").await;
    let form = [("username", "olga"), ("password", "a long enough password")];
    let host = b.trim_start_matches("http://");
    for (k, v) in [("origin", "https://evil.example"), ("sec-fetch-site", "cross-site"), ("origin", "null")] {
        let r = c.post(format!("{b}/login")).header(k, v).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 403, "{k}: {v}");
        assert!(r.headers().get("set-cookie").is_none());
    }
    let r = c
        .post(format!("{b}/login"))
        .header("origin", format!("http://{host}"))
        .header("sec-fetch-site", "same-origin")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(r.headers()["set-cookie"].to_str().unwrap().starts_with("pxs_session="));
    svc.shutdown().await;
}
