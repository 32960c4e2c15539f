//! Load benchmark of the review (not a test; it asserts nothing about
//! time): `cargo bench --bench review_load`. The service runs on the
//! PostgreSQL at 127.0.0.1:5432 (a fresh database, dropped afterwards)
//! with `PAXSCREEN_BENCH_HITS` queued hits (default 50,000);
//! `PAXSCREEN_BENCH_REVIEWERS` analysts (default 20) work the queues over
//! HTTP for `PAXSCREEN_BENCH_SECONDS` (default 30): half take first
//! reviews, half second reviews; each opens the queue, opens a hit near its
//! top (audited), and confirms it (four in five) or dismisses it with a
//! reason, saying the state it saw, then waits `PAXSCREEN_BENCH_PACE_MS`
//! (default 0: as fast as the service answers). Prints decisions per second, the
//! p50/p99/max of each call, the conflicts (`409`: someone else was first),
//! and the four-eyes violations found afterwards in the store (must be 0);
//! appends a JSON line to `target/bench-review/results.jsonl`.

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use rand::{Rng, SeedableRng};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn env_usize(k: &str, d: usize) -> usize {
    std::env::var(k).ok().and_then(|v| v.parse().ok()).unwrap_or(d)
}

#[derive(Default)]
struct Timings {
    list: Vec<f64>,
    view: Vec<f64>,
    decide: Vec<f64>,
    decided: usize,
    conflicts: usize,
}

fn q(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let hits = env_usize("PAXSCREEN_BENCH_HITS", 50_000);
    let reviewers = env_usize("PAXSCREEN_BENCH_REVIEWERS", 20);
    let seconds = env_usize("PAXSCREEN_BENCH_SECONDS", 30) as u64;
    let pace = Duration::from_millis(env_usize("PAXSCREEN_BENCH_PACE_MS", 0) as u64);
    let db = TestDb::postgres().await;
    let svc = Running::start(&db, Arc::new(TestClock(Mutex::new(start())))).await;
    // The queue: hits on 500 flights landing over the next ten hours.
    let t0 = paxscreen::store::millis(start());
    sqlx::query(
        "INSERT INTO hits (passenger_idx, kind, list, entry_id, version, score, threshold, explanation, input_damaged, \
         state, flight_number, departure_airport, arrival_airport, arrival_time, received_at, expires_at) \
         SELECT 0, 'watchlist', 'NL-WANTED', 'W-' || g, 'sha256:bench', 0.9, 0.85, '{\"name\":{\"score\":0.9}}', 0, 'new', \
         'KL' || (g % 500), 'YYZ', 'AMS', $1 + (g % 600) * 60000, $2, $3 FROM generate_series(1, $4) g",
    )
    .bind(t0 + 3_600_000)
    .bind(t0)
    .bind(t0 + 96 * 3_600_000)
    .bind(hits as i64)
    .execute(svc.store.pool())
    .await
    .unwrap();
    // As a live database would have them: planner statistics.
    sqlx::query("ANALYZE hits").execute(svc.store.pool()).await.unwrap();
    let mut tokens = Vec::new();
    for i in 0..reviewers {
        tokens.push(svc.token(&format!("analyst-{i:02}"), "analyst").await);
    }
    eprintln!(
        "{hits} hits queued on PostgreSQL, {reviewers} reviewers for {seconds} s, {} ms between hits",
        pace.as_millis()
    );
    let client = reqwest::Client::builder().pool_max_idle_per_host(reviewers).build().unwrap();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, token) in tokens.into_iter().enumerate() {
        let (c, base) = (client.clone(), svc.base.clone());
        tasks.push(tokio::spawn(async move {
            let mut t = Timings::default();
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(i as u64);
            let state = if i % 2 == 0 { "new" } else { "confirmed_once" };
            while Instant::now() < deadline {
                let s = Instant::now();
                let page = get_json(&c, &format!("{base}/api/v1/hits?state={state}&for_me=true&limit=50"), &token).await;
                t.list.push(s.elapsed().as_secs_f64() * 1e3);
                let ids: Vec<i64> = page["hits"].as_array().unwrap().iter().map(|h| h["id"].as_i64().unwrap()).collect();
                if ids.is_empty() {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
                let id = ids[rng.gen_range(0..ids.len())];
                let s = Instant::now();
                let r = c.get(format!("{base}/api/v1/hits/{id}")).bearer_auth(&token).send().await.unwrap();
                assert!(r.status().is_success());
                t.view.push(s.elapsed().as_secs_f64() * 1e3);
                let body = if rng.gen_bool(0.8) {
                    serde_json::json!({"decision": "confirm", "expected_state": state})
                } else {
                    serde_json::json!({"decision": "dismiss", "reason": "namesake: other birth year", "expected_state": state})
                };
                let s = Instant::now();
                let r = c.post(format!("{base}/api/v1/hits/{id}/decision")).bearer_auth(&token).json(&body).send().await.unwrap();
                t.decide.push(s.elapsed().as_secs_f64() * 1e3);
                match r.status().as_u16() {
                    200 => t.decided += 1,
                    409 => t.conflicts += 1,
                    other => panic!("decision answered {other}"),
                }
                tokio::time::sleep(pace).await;
            }
            t
        }));
    }
    let mut all = Timings::default();
    for task in tasks {
        let t = task.await.unwrap();
        all.list.extend(t.list);
        all.view.extend(t.view);
        all.decide.extend(t.decide);
        all.decided += t.decided;
        all.conflicts += t.conflicts;
    }
    let wall = started.elapsed().as_secs_f64();
    let violations: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM decisions a JOIN decisions b ON a.hit_id = b.hit_id AND a.step = 1 AND b.step = 2 \
         WHERE a.user_id = b.user_id",
    )
    .fetch_one(svc.store.pool())
    .await
    .unwrap();
    let chain = svc.store.audit_verify().await.unwrap();
    let line = serde_json::json!({
        "at": chrono::Utc::now().to_rfc3339(), "hits": hits, "reviewers": reviewers, "seconds": wall,
        "pace_ms": pace.as_millis() as u64,
        "decisions": all.decided, "decisions_per_s": (all.decided as f64 / wall * 10.0).round() / 10.0,
        "conflicts": all.conflicts,
        "decide_ms_p50": q(&mut all.decide, 0.5), "decide_ms_p99": q(&mut all.decide, 0.99), "decide_ms_max": q(&mut all.decide, 1.0),
        "view_ms_p50": q(&mut all.view, 0.5), "view_ms_p99": q(&mut all.view, 0.99),
        "list_ms_p50": q(&mut all.list, 0.5), "list_ms_p99": q(&mut all.list, 0.99),
        "four_eyes_violations": violations, "audit_chain_intact": chain.is_ok(),
    });
    eprintln!(
        "{} decisions in {wall:.1} s ({:.0}/s), {} conflicts; decide p50 {:.1} ms p99 {:.1} ms; view p99 {:.1} ms; queue p99 {:.1} ms; violations {violations}; audit chain {}",
        all.decided,
        all.decided as f64 / wall,
        all.conflicts,
        line["decide_ms_p50"].as_f64().unwrap(),
        line["decide_ms_p99"].as_f64().unwrap(),
        line["view_ms_p99"].as_f64().unwrap(),
        line["list_ms_p99"].as_f64().unwrap(),
        if chain.is_ok() { "intact" } else { "BROKEN" }
    );
    println!("{line}");
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-review");
    std::fs::create_dir_all(&dir).unwrap();
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(dir.join("results.jsonl")).unwrap();
    writeln!(f, "{line}").unwrap();
    svc.shutdown().await;
    db.drop_pg().await;
}
