//! The service on a real store, SQLite and PostgreSQL alike: exactly-once
//! recording, the spool folder, the HTTP API with tokens and roles, expiry
//! down to the bytes of the database files, hot reload.
#![cfg(feature = "service")]

mod common;
use chrono::Duration;
use common::*;
use paxscreen::ingest::spool::Spool;
use paxscreen::metrics::Metrics;
use paxscreen::pipeline::Processed;
use paxscreen::reference::Scope;
use paxscreen::screening::Screener;
use paxscreen::store::{HitQuery, Store};
use std::sync::{Arc, Mutex};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_message_is_stored_exactly_once_whatever_the_race() {
    for db in TestDb::both().await {
        let l = lists();
        let p = pipeline(&db, &l, Arc::new(TestClock(Mutex::new(start())))).await;
        let body = example_message("M-RACE");
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (p, body) = (p.clone(), body.clone());
            tasks.push(tokio::spawn(async move { p.process(body.as_bytes(), "test").await.unwrap() }));
        }
        let mut stored = 0;
        let mut duplicates = 0;
        for t in tasks {
            match &t.await.unwrap()[..] {
                [Processed::Stored { passengers: 2, hits, .. }] => {
                    assert!(*hits >= 2);
                    stored += 1
                }
                [Processed::Duplicate { .. }] => duplicates += 1,
                other => panic!("{other:?}"),
            }
        }
        assert_eq!((stored, duplicates), (1, 7), "pg: {}", db.is_pg());
        let (messages, passengers, hits) = p.store.counts().await.unwrap();
        assert_eq!((messages, passengers), (1, 2));
        assert!(hits >= 2);
        db.drop_pg().await;
    }
}

#[tokio::test]
async fn the_queue_pages_without_personal_data_and_a_hit_shows_it() {
    for db in TestDb::both().await {
        let l = lists();
        let p = pipeline(&db, &l, Arc::new(TestClock(Mutex::new(start())))).await;
        for i in 0..5 {
            p.process(example_message(&format!("M-{i}")).as_bytes(), "test").await.unwrap();
        }
        let (_, _, total) = p.store.counts().await.unwrap();
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let page = p
                .store
                .hits(&HitQuery {
                    state: Some(paxscreen::review::HitState::New),
                    limit: 3,
                    cursor,
                    ..Default::default()
                })
                .await
                .unwrap()
                .unwrap();
            let text = serde_json::to_string(&page).unwrap();
            assert!(!text.contains("MWANGI") && !text.contains("AK0398121") && !text.contains("SOKOLOV"), "{text}");
            seen.extend(page.hits.iter().map(|h| h.id));
            match page.next {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        seen.dedup();
        assert_eq!(seen.len() as i64, total);
        let hit = p.store.hit(seen[0]).await.unwrap().unwrap();
        assert!(hit.passenger.is_some() && hit.explanation.is_some());
        assert!(p
            .store
            .hits(&HitQuery { cursor: Some("nonsense".into()), limit: 5, ..Default::default() })
            .await
            .unwrap()
            .is_none());
        db.drop_pg().await;
    }
}

#[tokio::test]
async fn too_old_messages_are_not_screened() {
    let db = TestDb::sqlite().await;
    let l = lists();
    let clock = Arc::new(TestClock(Mutex::new(start() + Duration::hours(97))));
    let p = pipeline(&db, &l, clock).await;
    let r = p.process(example_message("M-OLD").as_bytes(), "test").await.unwrap();
    assert!(matches!(&r[..], [Processed::TooOld { .. }]), "{r:?}");
    assert_eq!(p.store.counts().await.unwrap(), (0, 0, 0));
    // Not kept, but counted: the day of receipt, outcome too_old.
    let day = (start() + Duration::hours(97)).date_naive();
    let counts = p.store.message_counts(day, day).await.unwrap();
    assert_eq!(counts.len(), 1);
    assert_eq!(counts[0].outcomes["too_old"], 1);
    assert_eq!(counts[0].outcomes["screened"], 0);
}

#[tokio::test]
async fn the_spool_screens_deletes_and_rejects_with_a_reason() {
    let db = TestDb::sqlite().await;
    let l = lists();
    let p = pipeline(&db, &l, Arc::new(TestClock(Mutex::new(start())))).await;
    let dir = tempfile::tempdir().unwrap();
    let spool = Spool { dir: dir.path().to_path_buf(), poll: std::time::Duration::from_millis(10) };
    std::fs::write(dir.path().join("a.json"), example_message("S-1")).unwrap();
    std::fs::write(dir.path().join("b.json"), "{garbage}").unwrap();
    std::fs::write(dir.path().join(".c.json"), example_message("S-2")).unwrap();
    let pass = spool.pass(&p).await.unwrap();
    assert_eq!((pass.files, pass.rejected_files), (2, 1));
    assert!(!dir.path().join("a.json").exists(), "screened and deleted");
    assert!(dir.path().join(".c.json").exists(), "still being written: left alone");
    assert!(dir.path().join("rejected/b.json").exists());
    let reason = std::fs::read_to_string(dir.path().join("rejected/b.json.reason")).unwrap();
    assert!(reason.contains("not valid JSON"), "{reason}");
    // The same file again (a crash after the store, before the delete): a duplicate, then deleted.
    std::fs::write(dir.path().join("a.json"), example_message("S-1")).unwrap();
    spool.pass(&p).await.unwrap();
    assert!(!dir.path().join("a.json").exists());
    assert_eq!(p.store.counts().await.unwrap().0, 1);
}

/// Every name and document number of the example message.
const PERSONAL: &[&str] = &["MWANGI", "WANJIRU", "AK0398121", "SOKOLOV", "ARTYOM", "7519088342", "HP4W8R"];

fn find_personal(bytes: &[u8]) -> Vec<&'static str> {
    PERSONAL.iter().copied().filter(|p| bytes.windows(p.len()).any(|w| w == p.as_bytes())).collect()
}

#[tokio::test]
async fn expiry_leaves_no_byte_of_passenger_data_behind() {
    for db in TestDb::both().await {
        let l = lists();
        let clock = Arc::new(TestClock(Mutex::new(start())));
        let p = pipeline(&db, &l, clock.clone()).await;
        for i in 0..20 {
            p.process(example_message(&format!("E-{i}")).as_bytes(), "test").await.unwrap();
        }
        let spool_dir = db.dir.path().join("spool");
        let spool = Spool { dir: spool_dir.clone(), poll: std::time::Duration::from_millis(10) };
        std::fs::create_dir_all(&spool_dir).unwrap();
        std::fs::write(spool_dir.join("bad.json"), example_message("E-bad").replace("\"schema\"", "\"schemata\""))
            .unwrap();
        spool.pass(&p).await.unwrap();
        assert!(spool_dir.join("rejected/bad.json").exists());
        if !db.is_pg() {
            let before: Vec<u8> = files_bytes(db.dir.path());
            assert!(!find_personal(&before).is_empty(), "the data was there to find");
        }
        // 95 h: nothing goes.
        let s =
            paxscreen::retention::sweep(&p.store, &spool, p.retention, None, 4, start() + Duration::hours(95), None)
                .await
                .unwrap();
        assert_eq!(s.store.passengers, 0);
        // 97 h: everything goes; undecided hits become expired.
        let at = start() + Duration::hours(97);
        let s = paxscreen::retention::sweep(&p.store, &spool, p.retention, None, 4, at + Duration::hours(1000), None)
            .await
            .unwrap();
        assert_eq!(s.store.passengers, 40);
        assert!(s.store.hits_expired >= 40);
        let page = p
            .store
            .hits(&HitQuery { state: Some(paxscreen::review::HitState::Expired), limit: 1000, ..Default::default() })
            .await
            .unwrap()
            .unwrap();
        assert_eq!(page.hits.len() as u64, s.store.hits_expired);
        let detail = p.store.hit(page.hits[0].id).await.unwrap().unwrap();
        assert!(detail.passenger.is_none() && detail.explanation.is_none());
        if db.is_pg() {
            let dump = pg_dump(&p.store).await;
            assert_eq!(find_personal(dump.as_bytes()), Vec::<&str>::new(), "PostgreSQL tables");
        } else {
            p.store.pool().close().await;
            let after = files_bytes(db.dir.path());
            assert_eq!(find_personal(&after), Vec::<&str>::new(), "SQLite files, WAL and spool");
        }
        db.drop_pg().await;
    }
}

/// Every byte of every file below `dir`.
fn files_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_bytes(&p));
        } else {
            out.extend(std::fs::read(&p).unwrap());
        }
    }
    out
}

/// Every row of every table, as text.
async fn pg_dump(store: &Store) -> String {
    use sqlx::Row;
    let tables = sqlx::query("SELECT tablename::text AS tablename FROM pg_tables WHERE schemaname = 'public'")
        .fetch_all(store.pool())
        .await
        .unwrap();
    let mut out = String::new();
    for t in tables {
        let name: String = t.try_get("tablename").unwrap();
        let rows = sqlx::query(&format!("SELECT row_to_json(t)::text AS j FROM {name} t"))
            .fetch_all(store.pool())
            .await
            .unwrap();
        for r in rows {
            out.push_str(&r.try_get::<String, _>("j").unwrap());
        }
    }
    out
}

#[tokio::test]
async fn a_refused_list_version_leaves_the_last_good_one_in_service() {
    let l = lists();
    let cat = paxscreen::catalog::open(l.wl.path(), l.tr.path(), start().date_naive())
        .unwrap_or_else(|(p, _)| panic!("{p:?}"));
    let screener = Arc::new(Screener::new(cat.watchlist, cat.trends, Scope::All));
    let before = screener.watchlist().version.clone();
    let r = paxscreen::reload::Reloader::new(
        l.wl.path().to_path_buf(),
        l.tr.path().to_path_buf(),
        0.85,
        std::time::Duration::from_secs(1),
        screener.clone(),
        Arc::new(Metrics::new()),
    );
    assert_eq!(r.check(), paxscreen::reload::Check::Unchanged);
    let csv = std::fs::read_to_string(l.wl.path().join("watchlist.csv")).unwrap();
    std::fs::write(l.wl.path().join("watchlist.csv"), format!("{csv}NL-WANTED,W-9,DOE,JOHN,,1970-13-01,,,c,\n"))
        .unwrap();
    assert_eq!(r.check(), paxscreen::reload::Check::Failed { problems: 1 });
    assert_eq!(screener.watchlist().version, before, "the last good version stays");
    assert!(r.metrics.render().contains("paxscreen_reload_failures_total{what=\"catalog\"} 1"));
    std::fs::write(l.wl.path().join("watchlist.csv"), format!("{csv}NL-WANTED,W-9,DOE,JOHN,,1970-12-01,,,c,\n"))
        .unwrap();
    assert!(matches!(r.check(), paxscreen::reload::Check::Reloaded { .. }));
    assert_ne!(screener.watchlist().version, before);
    assert_eq!(screener.watchlist().len(), cat_len(&l));
}

fn cat_len(l: &Lists) -> usize {
    paxscreen::catalog::open(l.wl.path(), l.tr.path(), start().date_naive()).ok().unwrap().stats.entries
}

// --- The HTTP API, in process, with real listeners ---------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_tokens_roles_and_ingest_statuses() {
    let db = TestDb::sqlite().await;
    let clock = Arc::new(TestClock(Mutex::new(start())));
    let svc = Running::start(&db, clock.clone()).await;
    let mut tokens = std::collections::HashMap::new();
    for role in ["ingest", "analyst", "auditor", "admin", "border_guard"] {
        tokens.insert(role, svc.token(&format!("u-{role}"), role).await);
    }
    let base = svc.base.clone();

    let client = reqwest::Client::new();
    let post = |token: Option<&str>, body: String| {
        let mut r = client.post(format!("{base}/api/v1/messages")).body(body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    assert_eq!(post(None, example_message("H-1")).await.unwrap().status(), 401);
    assert_eq!(post(Some("pxs_wrong"), example_message("H-1")).await.unwrap().status(), 401);
    assert_eq!(post(Some(&tokens["analyst"]), example_message("H-1")).await.unwrap().status(), 403);
    let r = post(Some(&tokens["ingest"]), example_message("H-1")).await.unwrap();
    assert_eq!(r.status(), 202);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["message_id"], "H-1");
    assert_eq!(v["passengers"], 2);
    let r = post(Some(&tokens["ingest"]), example_message("H-1")).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["duplicate"], true);
    let r = post(Some(&tokens["ingest"]), "{garbage}".into()).await.unwrap();
    assert_eq!(r.status(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body["error"].is_string());

    for (path, ok_role) in [("/api/v1/hits", "analyst"), ("/api/v1/hits/1", "analyst")] {
        assert_eq!(client.get(format!("{base}{path}")).send().await.unwrap().status(), 401, "{path}");
        for wrong in ["ingest", "auditor", "admin", "border_guard"] {
            let s = client.get(format!("{base}{path}")).bearer_auth(&tokens[wrong]).send().await.unwrap().status();
            assert_eq!(s, 403, "{path} as {wrong}");
        }
        let r = client.get(format!("{base}{path}")).bearer_auth(&tokens[ok_role]).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let v: serde_json::Value = r.json().await.unwrap();
        if path == "/api/v1/hits" {
            assert!(v["hits"].as_array().unwrap().len() >= 2);
            assert!(v["next"].is_null());
        } else {
            assert!(v["passenger"]["surname"].is_string());
        }
    }
    let metrics = reqwest::get(format!("{}/metrics", svc.ops)).await.unwrap().text().await.unwrap();
    assert!(metrics.contains("paxscreen_messages_total{outcome=\"screened\"} 1"), "{metrics}");
    assert!(metrics.contains("paxscreen_messages_total{outcome=\"duplicate\"} 1"));
    assert!(metrics.contains("paxscreen_messages_total{outcome=\"rejected\"} 1"));
    assert!(metrics.contains("paxscreen_watchlist_entries{list=\"NL-WANTED\"}"));
    assert!(!metrics.contains("MWANGI"));
    assert_eq!(reqwest::get(format!("{}/readyz", svc.ops)).await.unwrap().status(), 200);

    // A message sent more than the retention ago: 202 with too_old, counted
    // per day and outcome for every staff role to see.
    *clock.0.lock().unwrap() = start() + Duration::hours(97);
    let r = post(Some(&tokens["ingest"]), example_message("H-OLD")).await.unwrap();
    assert_eq!(r.status(), 202);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["too_old"], true);
    let counts = |token: Option<&str>| {
        let mut r = client.get(format!("{base}/api/v1/messages/counts?days=7"));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    assert_eq!(counts(None).await.unwrap().status(), 401);
    assert_eq!(counts(Some(&tokens["ingest"])).await.unwrap().status(), 403);
    for role in ["analyst", "auditor", "admin", "border_guard"] {
        assert_eq!(counts(Some(&tokens[role])).await.unwrap().status(), 200, "{role}");
    }
    let v: serde_json::Value = counts(Some(&tokens["auditor"])).await.unwrap().json().await.unwrap();
    let days = v["days"].as_array().unwrap();
    assert_eq!(days.len(), 2, "{v}");
    assert_eq!(days[0]["day"], start().date_naive().to_string());
    let first = &days[0]["outcomes"];
    assert_eq!(
        (first["screened"].as_i64(), first["duplicate"].as_i64(), first["rejected"].as_i64()),
        (Some(1), Some(1), Some(1)),
        "{v}"
    );
    assert_eq!(days[1]["outcomes"]["too_old"], 1, "{v}");
    let bad = client.get(format!("{base}/api/v1/messages/counts?days=0")).bearer_auth(&tokens["auditor"]).send().await;
    assert_eq!(bad.unwrap().status(), 400);
    svc.shutdown().await;
}

/// A message as the pipeline hands it to the store, with its own key and source.
fn ingested(id: &str, source: &str) -> paxscreen::store::Ingested {
    use paxscreen::formats::decode::{decode_bytes, Decoded};
    let Some(Decoded::Message { result: Ok(rm), .. }) = decode_bytes(example_message(id).as_bytes()).pop() else {
        panic!("the example message reads")
    };
    paxscreen::store::Ingested {
        key: id.to_string(),
        message: rm.message,
        source: source.to_string(),
        outcome: paxscreen::events::MessageOutcome::Screened,
        hits: Vec::new(),
        keep_passengers: true,
        received_at: start(),
        expires_at: start() + Duration::hours(96),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn group_commit_writes_a_batch_at_once_and_a_refused_message_costs_only_itself() {
    use paxscreen::store::{GroupCommit, Recorded};
    for db in TestDb::both().await {
        let store = Store::open(&db.url).await.unwrap();
        // One transaction: a key twice in a batch is stored once.
        let (a, a2, b) = (ingested("G-A", "t"), ingested("G-A", "t"), ingested("G-B", "t"));
        let r = store.record_all(&[&a, &a2, &b]).await.unwrap();
        assert_eq!(
            r,
            [
                Recorded::Stored { passengers: 2, hits: 0 },
                Recorded::Duplicate,
                Recorded::Stored { passengers: 2, hits: 0 }
            ]
        );
        // PostgreSQL refuses a NUL byte in text: the whole batch is refused,
        // nothing of it is kept ...
        let bad = ingested("G-BAD", "t\0");
        let c = ingested("G-C", "t");
        if db.is_pg() {
            assert!(store.record_all(&[&c, &bad]).await.is_err());
            assert!(!store.seen("G-C").await.unwrap());
        }
        // ... and through the writer, the others of its batch are stored all the same.
        let writer = GroupCommit::start(store.clone());
        let mut tasks = Vec::new();
        for item in [c, bad, ingested("G-D", "t"), ingested("G-B", "t")] {
            let w = writer.clone();
            tasks.push(tokio::spawn(async move { w.record(item).await }));
        }
        let mut results = Vec::new();
        for t in tasks {
            results.push(t.await.unwrap());
        }
        let stored = Recorded::Stored { passengers: 2, hits: 0 };
        assert_eq!(results[0].as_ref().unwrap(), &stored);
        assert_eq!(results[1].is_err(), db.is_pg(), "pg: {}", db.is_pg());
        assert_eq!(results[2].as_ref().unwrap(), &stored);
        assert_eq!(results[3].as_ref().unwrap(), &Recorded::Duplicate);
        let (messages, passengers, _) = store.counts().await.unwrap();
        let expected = if db.is_pg() { 4 } else { 5 };
        assert_eq!((messages, passengers), (expected, expected * 2));
        db.drop_pg().await;
    }
}

/// A multi-part PAXLST message whose second part never comes is reported by
/// the service as replay reports it; once every part is in, nothing is.
#[tokio::test]
async fn a_multipart_message_missing_a_part_is_reported() {
    for db in TestDb::both().await {
        let l = lists();
        let clock = Arc::new(TestClock(Mutex::new(start())));
        let p = pipeline(&db, &l, clock).await;
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/paxlst/three-parts.edi"),
        )
        .unwrap();
        let (p2, p3) = (text.find("UNH+P2").unwrap(), text.find("UNH+P3").unwrap());
        p.process(format!("{}{}", &text[..p2], &text[p3..]).as_bytes(), "test").await.unwrap();
        let waited = start() + Duration::hours(96);
        let incomplete = p.store.incomplete_parts(waited).await.unwrap();
        assert_eq!(incomplete.len(), 1, "{incomplete:?}");
        assert!(incomplete[0].ends_with("parts [2] missing"), "{incomplete:?}");
        // Parts received later than the wait are not reported yet.
        assert!(p.store.incomplete_parts(start() + Duration::hours(95)).await.unwrap().is_empty());
        // The missing part arrives: complete.
        let header = &text[..text.find("UNH+P1").unwrap()];
        p.process(format!("{header}{}", &text[p2..p3]).as_bytes(), "test").await.unwrap();
        assert_eq!(p.store.incomplete_parts(waited).await.unwrap(), Vec::<String>::new());
    }
}
