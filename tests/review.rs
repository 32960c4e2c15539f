//! Four-eyes review on a real store, SQLite and PostgreSQL alike: every
//! move allowed and refused, the rule attempted by every route, concurrent
//! decisions, forwarding exactly once across a crash, the audit chain.
#![cfg(feature = "service")]

mod common;
use chrono::Duration;
use common::*;
use paxscreen::forward::{Forwarder, Sink};
use paxscreen::pipeline::Pipeline;
use paxscreen::review::{Decision, HitState, Refused};
use paxscreen::store::{Principal, Store};
use std::sync::{Arc, Mutex};

struct World {
    db: TestDb,
    _lists: Lists,
    clock: Arc<TestClock>,
    p: Arc<Pipeline>,
    hits: Vec<i64>,
}

impl World {
    async fn new(db: TestDb) -> World {
        let lists = lists();
        let clock = Arc::new(TestClock(Mutex::new(start())));
        let p = pipeline(&db, &lists, clock.clone()).await;
        p.process(example_message("R-1").as_bytes(), "test").await.unwrap();
        let hits = hit_ids(&p.store, 100).await;
        assert!(hits.len() >= 2, "the example message has hits");
        World { db, _lists: lists, clock, p, hits }
    }

    async fn user(&self, name: &str, role: &str) -> Principal {
        let role = paxscreen::auth::Role::parse(role).unwrap();
        let id = self.p.store.upsert_user(name, role, None, start()).await.unwrap();
        Principal { user_id: id, name: name.into(), role }
    }

    async fn decide(
        &self,
        store: &Store,
        hit: i64,
        who: &Principal,
        d: Decision,
        reason: Option<&str>,
    ) -> Result<String, Refused> {
        let now = *self.clock.0.lock().unwrap();
        store.decide(hit, who, d, reason, None, now).await.unwrap().map(|d| d.state.as_str().to_string())
    }
}

#[tokio::test]
async fn every_move_allowed_and_refused() {
    use Decision::*;
    for db in TestDb::both().await {
        let w = World::new(db).await;
        let s = &w.p.store;
        let (alice, bob, carol) =
            (w.user("alice", "analyst").await, w.user("bob", "analyst").await, w.user("carol", "supervisor").await);
        let (h1, h2) = (w.hits[0], w.hits[1]);
        assert_eq!(w.decide(s, 999_999, &alice, Confirm, None).await, Err(Refused::NotFound));
        // First review, then the same person again by either decision.
        assert_eq!(w.decide(s, h1, &alice, Confirm, None).await.as_deref(), Ok("confirmed_once"));
        assert_eq!(w.decide(s, h1, &alice, Confirm, None).await, Err(Refused::FourEyes));
        assert_eq!(w.decide(s, h1, &alice, Dismiss, Some("changed my mind")).await, Err(Refused::FourEyes));
        // Second review by another person; then nobody decides it again.
        assert_eq!(w.decide(s, h1, &bob, Confirm, None).await.as_deref(), Ok("confirmed"));
        assert_eq!(w.decide(s, h1, &carol, Confirm, None).await, Err(Refused::State));
        assert_eq!(w.decide(s, h1, &carol, Dismiss, Some("late")).await, Err(Refused::State));
        // A dismissal needs a reason; a dismissed hit takes nothing more.
        assert_eq!(w.decide(s, h2, &alice, Dismiss, None).await, Err(Refused::ReasonRequired));
        assert_eq!(w.decide(s, h2, &alice, Dismiss, Some("  ")).await, Err(Refused::ReasonRequired));
        assert_eq!(
            w.decide(s, h2, &alice, Dismiss, Some("namesake, other birth year")).await.as_deref(),
            Ok("dismissed")
        );
        assert_eq!(w.decide(s, h2, &bob, Confirm, None).await, Err(Refused::State));
        // confirmed_once -> dismissed by the second reviewer.
        if let Some(&h3) = w.hits.get(2) {
            assert_eq!(w.decide(s, h3, &bob, Confirm, None).await.as_deref(), Ok("confirmed_once"));
            assert_eq!(w.decide(s, h3, &alice, Dismiss, Some("document differs")).await.as_deref(), Ok("dismissed"));
        }
        // The hit page shows the decisions in order.
        let d = s.hit(h1).await.unwrap().unwrap().decisions;
        assert_eq!(
            d.iter().map(|d| (d.step, d.user.as_str(), d.decision.as_str())).collect::<Vec<_>>(),
            [(1, "alice", "confirm"), (2, "bob", "confirm")]
        );
        // Undecided hits past their expiry take no decision, even before the sweep.
        if let Some(&h4) = w.hits.get(3) {
            *w.clock.0.lock().unwrap() = start() + Duration::hours(97);
            assert_eq!(w.decide(s, h4, &alice, Confirm, None).await, Err(Refused::State));
        }
        // Legal holds: a supervisor, on a confirmed hit only.
        let now = *w.clock.0.lock().unwrap();
        assert_eq!(s.set_legal_hold(h2, &carol, Some("case 2026/114"), now).await.unwrap(), Err(Refused::State));
        *w.clock.0.lock().unwrap() = start();
        assert_eq!(s.set_legal_hold(h1, &carol, Some("case 2026/114"), start()).await.unwrap(), Ok(()));
        assert_eq!(s.audit_verify().await.unwrap().map(|n| n > 0), Ok(true));
        w.db.drop_pg().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_four_eyes_rule_holds_on_every_route() {
    use Decision::*;
    for db in TestDb::both().await {
        let w = World::new(db).await;
        let (alice, bob) = (w.user("alice", "analyst").await, w.user("bob", "analyst").await);
        // A second instance: its own connection pool on the same database.
        let other = Store::open(&w.db.url).await.unwrap();
        let h = w.hits[0];
        assert_eq!(w.decide(&w.p.store, h, &alice, Confirm, None).await.as_deref(), Ok("confirmed_once"));
        // The same person through the other instance, and in many sessions at once.
        assert_eq!(w.decide(&other, h, &alice, Confirm, None).await, Err(Refused::FourEyes));
        let mut tasks = Vec::new();
        for i in 0..8 {
            let store = if i % 2 == 0 { w.p.store.clone() } else { other.clone() };
            let a = alice.clone();
            tasks.push(tokio::spawn(async move { store.decide(h, &a, Confirm, None, None, start()).await.unwrap() }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap().map(|d| d.state), Err(Refused::FourEyes));
        }
        // A crafted write straight into the database meets the trigger.
        let crafted = sqlx::query(
            "INSERT INTO decisions (hit_id, step, user_id, user_name, decision, reason, decided_at) \
             VALUES ($1, 2, $2, 'alice', 'confirm', NULL, 0)",
        )
        .bind(h)
        .bind(alice.user_id)
        .execute(other.pool())
        .await;
        assert!(crafted.unwrap_err().to_string().contains("four_eyes"));
        // Concurrent decisions by different people on what they saw as new: exactly one wins.
        let h2 = w.hits[1];
        let mut tasks = Vec::new();
        for i in 0..10 {
            let who = w.user(&format!("analyst-{i}"), "analyst").await;
            let store = if i % 2 == 0 { w.p.store.clone() } else { other.clone() };
            tasks.push(tokio::spawn(async move {
                store.decide(h2, &who, Confirm, None, Some(HitState::New), start()).await.unwrap()
            }));
        }
        let mut won = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(d) => {
                    assert_eq!(d.state, HitState::ConfirmedOnce);
                    won += 1
                }
                Err(r) => assert_eq!(r, Refused::State),
            }
        }
        assert_eq!(won, 1);
        // The second review: of bob and alice racing, bob wins or alice is refused; never both alice.
        assert_eq!(w.decide(&other, h, &bob, Confirm, None).await.as_deref(), Ok("confirmed"));
        let users: Vec<i64> =
            sqlx::query_scalar::<_, i64>("SELECT user_id FROM decisions WHERE hit_id = $1 ORDER BY step")
                .bind(h)
                .fetch_all(other.pool())
                .await
                .unwrap();
        assert_eq!(users, [alice.user_id, bob.user_id]);
        // No hit anywhere with both decisions by one person.
        let violations: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM decisions a JOIN decisions b ON a.hit_id = b.hit_id AND a.step = 1 AND b.step = 2 \
             WHERE a.user_id = b.user_id",
        )
        .fetch_one(other.pool())
        .await
        .unwrap();
        assert_eq!(violations, 0);
        w.db.drop_pg().await;
    }
}

#[tokio::test]
async fn a_confirmed_hit_is_forwarded_exactly_once_across_a_crash() {
    use Decision::*;
    for db in TestDb::both().await {
        let w = World::new(db).await;
        let (alice, bob) = (w.user("alice", "analyst").await, w.user("bob", "analyst").await);
        let file = w.db.dir.path().join("alerts.jsonl");
        for &h in &w.hits[..2] {
            w.decide(&w.p.store, h, &alice, Confirm, None).await.unwrap();
            w.decide(&w.p.store, h, &bob, Confirm, None).await.unwrap();
        }
        // A forwarder takes both, delivers the first, and dies before noting it.
        let claimed = w.p.store.claim_alerts(start(), Duration::seconds(60), 10).await.unwrap();
        assert_eq!(claimed.len(), 2);
        Sink::file(file.clone()).deliver(&claimed[0].0).await.unwrap();
        // While its lease runs, nobody else takes them.
        assert!(w
            .p
            .store
            .claim_alerts(start() + Duration::seconds(30), Duration::seconds(60), 10)
            .await
            .unwrap()
            .is_empty());
        // After the lease, the next forwarder finds the first at the sink and delivers the second.
        *w.clock.0.lock().unwrap() = start() + Duration::seconds(61);
        let f = Forwarder {
            store: w.p.store.clone(),
            sink: Sink::file(file.clone()),
            clock: w.clock.clone(),
            every: std::time::Duration::from_millis(10),
        };
        assert_eq!(f.round().await.unwrap(), 2);
        assert_eq!(f.round().await.unwrap(), 0);
        let lines: Vec<serde_json::Value> =
            std::fs::read_to_string(&file).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let mut ids: Vec<i64> = lines.iter().map(|l| l["hit_id"].as_i64().unwrap()).collect();
        ids.sort();
        assert_eq!(ids, w.hits[..2].to_vec(), "each alert once");
        // Only what the border needs: the person, the document, the flight, why, who confirmed.
        let a = &lines[0];
        assert_eq!(a["reviewers"], serde_json::json!(["alice", "bob"]));
        assert!(a["passenger"]["surname"].is_string() && a["flight"]["number"].is_string());
        assert!(a["reason"]["kind"].is_string());
        assert!(a.get("explanation").is_none() && a["passenger"].get("nationality").is_none());
        for &h in &w.hits[..2] {
            assert_eq!(w.p.store.hit(h).await.unwrap().unwrap().summary.state, HitState::Forwarded);
        }
        let alerts = w.p.store.delivered_alerts(None, 10).await.unwrap();
        assert_eq!(alerts.len(), 2);
        // The disclosures are in the audit log, and the chain holds.
        let forwards =
            w.p.store.audit_recent(None, 100).await.unwrap().into_iter().filter(|e| e.action == "forward").count();
        assert_eq!(forwards, 2);
        assert!(w.p.store.audit_verify().await.unwrap().is_ok());
        // At expiry the alerts file and the outbox lose the content; the proof stays.
        let gone =
            paxscreen::forward::purge_alerts_file(&file, start() + Duration::hours(97), &Default::default()).unwrap();
        assert_eq!(gone, 2);
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "");
        let purged = w.p.store.purge(start() + Duration::hours(97)).await.unwrap();
        assert_eq!(purged.alerts, 2);
        assert!(w.p.store.delivered_alerts(None, 10).await.unwrap().iter().all(|a| a.alert.is_none()));
        w.db.drop_pg().await;
    }
}

#[tokio::test]
async fn audit_verify_finds_a_changed_removed_or_swapped_entry() {
    for db in TestDb::both().await {
        let w = World::new(db).await;
        let alice = w.user("alice", "analyst").await;
        let s = &w.p.store;
        for (i, &h) in w.hits.iter().enumerate() {
            let e =
                paxscreen::audit::Event::new("alice", "analyst", "view_hit", format!("hit:{h}"), serde_json::json!({}));
            s.audit(&e, start() + Duration::seconds(i as i64)).await.unwrap();
        }
        w.decide(s, w.hits[0], &alice, Decision::Confirm, None).await.unwrap();
        let n = s.audit_verify().await.unwrap().unwrap();
        assert!(n >= 3);
        // The log refuses changes while its trigger is there.
        assert!(sqlx::query("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2").execute(s.pool()).await.is_err());
        let drop = if w.db.is_pg() {
            "DROP TRIGGER audit_log_append_only ON audit_log"
        } else {
            "DROP TRIGGER audit_log_append_only"
        };
        sqlx::query(drop).execute(s.pool()).await.unwrap();
        let broken = |seq| async move {
            match s.audit_verify().await.unwrap() {
                Err(b) => assert!(b.to_string().starts_with(&format!("entry {seq}")), "{b}"),
                Ok(_) => panic!("tampering at {seq} not found"),
            }
        };
        // Changed.
        sqlx::query("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2").execute(s.pool()).await.unwrap();
        broken(2).await;
        sqlx::query("UPDATE audit_log SET actor = 'alice' WHERE seq = 2").execute(s.pool()).await.unwrap();
        assert!(s.audit_verify().await.unwrap().is_ok());
        // Swapped: entries 2 and 3 exchange their numbers (and back).
        let swap = || async move {
            for (from, to) in [(2, -2), (3, 2), (-2, 3)] {
                let q = sqlx::query("UPDATE audit_log SET seq = $1 WHERE seq = $2").bind(to).bind(from);
                q.execute(s.pool()).await.unwrap();
            }
        };
        swap().await;
        broken(2).await;
        swap().await;
        assert!(s.audit_verify().await.unwrap().is_ok());
        // Removed.
        sqlx::query("DELETE FROM audit_log WHERE seq = 3").execute(s.pool()).await.unwrap();
        broken(3).await;
        // The command line says so too (SQLite: the config names the file).
        if !w.db.is_pg() {
            let cfg = w.db.dir.path().join("paxscreen.toml");
            std::fs::write(&cfg, format!("[store]\nurl = \"{}\"\n", w.db.url)).unwrap();
            let out = bin().args(["audit", "verify", "--config"]).arg(&cfg).output().unwrap();
            assert_eq!(out.status.code(), Some(1));
            assert!(
                String::from_utf8_lossy(&out.stderr).contains("entry 3"),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        w.db.drop_pg().await;
    }
}

#[tokio::test]
async fn entries_left_pending_by_a_stopped_instance_are_chained_by_another_in_order() {
    for db in TestDb::both().await {
        let w = World::new(db).await;
        let s = &w.p.store;
        let count = |sql: &'static str| async move {
            let r = sqlx::query(sql).fetch_one(s.pool()).await.unwrap();
            sqlx::Row::try_get::<i64, _>(&r, "n").unwrap()
        };
        let recent = paxscreen::audit::Event::system("purge", "expired data", serde_json::json!({}));
        s.audit(&recent, start()).await.unwrap();
        // As another instance leaves a decision's entry when it stops between
        // its commit and the chaining; stamped long ago (its clock was off).
        let other = Store::open(&w.db.url).await.unwrap();
        let insert = "INSERT INTO audit_pending (at, actor, role, action, object, detail) \
                      VALUES (1, 'alice', 'analyst', 'decide', 'hit:1', '{}')";
        // A pending entry cannot be changed either (in one transaction, so no
        // chainer takes it first).
        let mut tx = other.pool().begin().await.unwrap();
        sqlx::query(insert).execute(&mut *tx).await.unwrap();
        assert!(sqlx::query("UPDATE audit_pending SET actor = 'mallory'").execute(&mut *tx).await.is_err());
        tx.rollback().await.unwrap();
        sqlx::query(insert).execute(other.pool()).await.unwrap();
        drop(other);
        // This store's chainer finds it on its own within a sweep.
        let mut waited = 0;
        while count("SELECT COUNT(*) AS n FROM audit_pending").await > 0 {
            assert!(waited < 50, "still pending after 5 s");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            waited += 1;
        }
        let last = s.audit_recent(None, 1).await.unwrap().remove(0);
        assert_eq!((last.actor.as_str(), last.action.as_str(), last.object.as_str()), ("alice", "decide", "hit:1"));
        // Its old stamp does not let pruning take the recent entry before it.
        assert_eq!(s.audit_prune(start() - Duration::days(1)).await.unwrap(), 0);
        assert!(count("SELECT COUNT(*) AS n FROM audit_log").await >= 2);
        // A decision's entry is readable as soon as the decision returns.
        let bob = w.user("bob", "analyst").await;
        w.decide(s, w.hits[1], &bob, Decision::Confirm, None).await.unwrap();
        let last = s.audit_recent(None, 1).await.unwrap().remove(0);
        assert_eq!((last.actor.as_str(), last.object.clone()), ("bob", format!("hit:{}", w.hits[1])));
        assert!(s.audit_verify().await.unwrap().is_ok());
        w.db.drop_pg().await;
    }
}

#[tokio::test]
async fn decisions_from_two_instances_are_chained_once_each_while_readers_read() {
    for db in TestDb::both().await {
        let w = World::new(db).await;
        for i in 0..8 {
            w.p.process(example_message(&format!("R-2-{i}")).as_bytes(), "test").await.unwrap();
        }
        let a = w.p.store.clone();
        let b = Store::open(&w.db.url).await.unwrap();
        let hits = hit_ids(&a, 1000).await;
        let (u1, u2, u3) =
            (w.user("u1", "analyst").await, w.user("u2", "analyst").await, w.user("u3", "analyst").await);
        let now = *w.clock.0.lock().unwrap();
        let mut tasks = Vec::new();
        for &h in &hits {
            let (a, b, u1, u2, u3) = (a.clone(), b.clone(), u1.clone(), u2.clone(), u3.clone());
            tasks.push(tokio::spawn(async move {
                let first = a.decide(h, &u1, Decision::Confirm, None, None, now).await.unwrap();
                assert!(first.is_ok());
                // Two second reviewers on two instances: one wins.
                let (x, y) = tokio::join!(
                    a.decide(h, &u2, Decision::Confirm, None, None, now),
                    b.decide(h, &u3, Decision::Confirm, None, None, now)
                );
                1 + x.unwrap().is_ok() as usize + y.unwrap().is_ok() as usize
            }));
        }
        // Readers chain what is pending while the deciders commit.
        for _ in 0..5 {
            assert!(b.audit_verify().await.unwrap().is_ok());
            a.audit_recent(None, 10).await.unwrap();
        }
        let mut decided = 0;
        for t in tasks {
            let n = t.await.unwrap();
            assert_eq!(n, 2, "a first decision and exactly one second");
            decided += n;
        }
        let entries = b.audit_entries(0, 100_000).await.unwrap();
        let mut decide_entries: Vec<&str> =
            entries.iter().filter(|e| e.action == "decide").map(|e| e.object.as_str()).collect();
        assert_eq!(decide_entries.len(), decided, "each decision chained once");
        decide_entries.sort();
        decide_entries.dedup();
        assert_eq!(decide_entries.len(), hits.len());
        let r = sqlx::query("SELECT COUNT(*) AS n FROM audit_pending").fetch_one(a.pool()).await.unwrap();
        assert_eq!(sqlx::Row::try_get::<i64, _>(&r, "n").unwrap(), 0);
        assert_eq!(a.audit_verify().await.unwrap(), Ok(entries.len() as u64));
        assert!(a.audit_failing().is_none() && b.audit_failing().is_none());
        w.db.drop_pg().await;
    }
}

#[tokio::test]
async fn a_chainer_that_cannot_chain_says_so_and_recovers() {
    let w = World::new(TestDb::sqlite().await).await;
    let s = &w.p.store;
    sqlx::query("ALTER TABLE audit_head RENAME TO audit_head_away").execute(s.pool()).await.unwrap();
    let alice = w.user("alice", "analyst").await;
    // The decision commits with its entry pending; chaining it fails.
    w.decide(s, w.hits[0], &alice, Decision::Confirm, None).await.unwrap();
    let mut waited = 0;
    while s.audit_failing().is_none() {
        assert!(waited < 50, "no failure reported after 5 s");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    sqlx::query("ALTER TABLE audit_head_away RENAME TO audit_head").execute(s.pool()).await.unwrap();
    let mut waited = 0;
    while s.audit_failing().is_some() {
        assert!(waited < 50, "still failing after 5 s");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    let last = s.audit_recent(None, 1).await.unwrap().remove(0);
    assert_eq!((last.actor.as_str(), last.action.as_str()), ("alice", "decide"));
    assert!(s.audit_verify().await.unwrap().is_ok());
}

#[tokio::test]
async fn audit_entries_past_the_proof_period_are_pruned_and_the_chain_still_verifies() {
    let w = World::new(TestDb::sqlite().await).await;
    let s = &w.p.store;
    for i in 0..5 {
        let e = paxscreen::audit::Event::system("purge", "expired data", serde_json::json!({"n": i}));
        s.audit(&e, start() + Duration::days(i * 400)).await.unwrap();
    }
    // Five years on, a four-year proof period drops the entries older than that.
    let removed = s.audit_prune(start() + Duration::days(5 * 365) - Duration::days(4 * 365 + 1)).await.unwrap();
    assert_eq!(removed, 1);
    let head = s.audit_head().await.unwrap();
    assert_eq!(head.base_seq, 1);
    assert_eq!(s.audit_verify().await.unwrap(), Ok(4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_http_two_analysts_take_a_hit_to_the_border_and_every_endpoint_checks_roles() {
    let db = TestDb::sqlite().await;
    let svc = Running::start(&db, Arc::new(TestClock(Mutex::new(start())))).await;
    let roles = ["ingest", "analyst", "supervisor", "border_guard", "auditor", "privacy_officer", "admin"];
    let mut tokens = std::collections::HashMap::new();
    for role in roles {
        tokens.insert(role, svc.token(&format!("u-{role}"), role).await);
    }
    let c = reqwest::Client::new();
    let r =
        c.post(format!("{}/api/v1/messages", svc.base)).bearer_auth(&tokens["ingest"]).body(message_sent_now("W-1"));
    assert_eq!(r.send().await.unwrap().status(), 202);

    // Every endpoint: 401 without credentials, 403 for every role it does not serve.
    let endpoints: [(&str, &str, &[&str]); 7] = [
        ("POST", "/api/v1/messages", &["ingest"]),
        ("GET", "/api/v1/hits", &["analyst", "supervisor"]),
        ("GET", "/api/v1/hits/1", &["analyst", "supervisor"]),
        ("POST", "/api/v1/hits/1/decision", &["analyst", "supervisor"]),
        ("POST", "/api/v1/hits/1/hold", &["supervisor"]),
        ("GET", "/api/v1/alerts", &["border_guard"]),
        ("GET", "/api/v1/audit", &["auditor"]),
    ];
    let call = |method: &str, path: &str, token: Option<&str>, body: serde_json::Value| {
        let url = format!("{}{path}", svc.base);
        let mut r = if method == "GET" { c.get(url) } else { c.post(url).json(&body) };
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    for (method, path, allowed) in endpoints {
        let body = serde_json::json!({"decision": "confirm", "case": "x"});
        assert_eq!(call(method, path, None, body.clone()).await.unwrap().status(), 401, "{method} {path}");
        for role in roles.iter().filter(|r| !allowed.contains(r)) {
            let s = call(method, path, Some(&tokens[role]), body.clone()).await.unwrap().status();
            assert_eq!(s, 403, "{method} {path} as {role}");
        }
    }

    // Two analysts sign in with passwords; alice in two sessions.
    for name in ["alice", "bob"] {
        let hash = paxscreen::auth::hash_password("correct horse battery").unwrap();
        svc.store.upsert_user(name, paxscreen::auth::Role::Analyst, Some(&hash), start()).await.unwrap();
    }
    let login = |name: &str| {
        c.post(format!("{}/api/v1/login", svc.base))
            .json(&serde_json::json!({"username": name, "password": "correct horse battery"}))
            .send()
    };
    let token_of = |r: reqwest::Response| async move {
        r.json::<serde_json::Value>().await.unwrap()["token"].as_str().unwrap().to_string()
    };
    let alice = token_of(login("alice").await.unwrap()).await;
    let alice2 = token_of(login("alice").await.unwrap()).await;
    let bob = token_of(login("bob").await.unwrap()).await;
    let get = |path: String, t: &str| c.get(format!("{}{path}", svc.base)).bearer_auth(t.to_string()).send();
    let queue = |state: &str, t: &str| {
        let f = get(format!("/api/v1/hits?state={state}&for_me=true"), t);
        async move {
            f.await.unwrap().json::<serde_json::Value>().await.unwrap()["hits"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["id"].as_i64().unwrap())
                .collect::<Vec<_>>()
        }
    };
    let id = queue("new", &alice).await[0];
    let hit: serde_json::Value = get(format!("/api/v1/hits/{id}"), &alice).await.unwrap().json().await.unwrap();
    assert!(hit["passenger"]["surname"].is_string());
    let decide = |t: &str, body: serde_json::Value| {
        c.post(format!("{}/api/v1/hits/{id}/decision", svc.base)).bearer_auth(t.to_string()).json(&body).send()
    };
    let confirm = serde_json::json!({"decision": "confirm"});
    let r = decide(&alice, serde_json::json!({"decision": "confirm", "expected_state": "new"})).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["state"], "confirmed_once");
    for t in [&alice, &alice2] {
        let r = decide(t, confirm.clone()).await.unwrap();
        assert_eq!(r.status(), 409);
        assert_eq!(r.json::<serde_json::Value>().await.unwrap()["error"], "four_eyes");
    }
    let r = decide(&bob, serde_json::json!({"decision": "dismiss"})).await.unwrap();
    assert_eq!(r.status(), 422, "a dismissal needs a reason");
    // The second-review queue never shows alice her own first decision.
    assert!(!queue("confirmed_once", &alice).await.contains(&id));
    assert!(queue("confirmed_once", &bob).await.contains(&id));
    let r = decide(&bob, serde_json::json!({"decision": "confirm", "expected_state": "confirmed_once"})).await.unwrap();
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["state"], "confirmed");
    let r = decide(&bob, confirm.clone()).await.unwrap();
    assert_eq!(
        (r.status().as_u16(), r.json::<serde_json::Value>().await.unwrap()["error"].clone()),
        (409, "state".into())
    );

    // The forwarder delivers it; the border guard sees it.
    let mut alerts = serde_json::Value::Null;
    for _ in 0..100 {
        alerts = get("/api/v1/alerts".into(), &tokens["border_guard"]).await.unwrap().json().await.unwrap();
        if !alerts["alerts"].as_array().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let a = &alerts["alerts"][0];
    assert_eq!(a["hit_id"], id);
    assert_eq!(a["alert"]["reviewers"], serde_json::json!(["alice", "bob"]));
    assert_eq!(std::fs::read_to_string(&svc.alerts_file).unwrap().lines().count(), 1);
    // The auditor sees who did what, and no personal data.
    let audit: serde_json::Value =
        get("/api/v1/audit?limit=1000".into(), &tokens["auditor"]).await.unwrap().json().await.unwrap();
    let actions: Vec<&str> =
        audit["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for want in ["sign_in", "view_hit", "decide", "forward", "view_alerts"] {
        assert!(actions.contains(&want), "{want} in {actions:?}");
    }
    let text = audit.to_string();
    let surname = hit["passenger"]["surname"].as_str().unwrap();
    assert!(!text.contains(surname), "no names in the audit log");
    assert!(svc.store.audit_verify().await.unwrap().is_ok());
    svc.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_chain_holds_under_concurrent_appends_from_two_instances_and_verifies_meanwhile() {
    for db in TestDb::both().await {
        let a = Store::open(&db.url).await.unwrap();
        let b = Store::open(&db.url).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..200 {
            let s = if i % 2 == 0 { a.clone() } else { b.clone() };
            tasks.push(tokio::spawn(async move {
                let e = paxscreen::audit::Event::new(
                    "alice",
                    "analyst",
                    "view_hit",
                    format!("hit:{i}"),
                    serde_json::json!({}),
                );
                s.audit(&e, start()).await.unwrap()
            }));
        }
        // Verifying while entries are appended checks up to the head it read.
        for _ in 0..5 {
            assert!(a.audit_verify().await.unwrap().is_ok());
        }
        let mut seqs = Vec::new();
        for t in tasks {
            seqs.push(t.await.unwrap());
        }
        seqs.sort();
        assert_eq!(seqs, (1..=200).collect::<Vec<i64>>(), "each entry its own number");
        assert_eq!(b.audit_verify().await.unwrap(), Ok(200));
        db.drop_pg().await;
    }
}
