//! `docs/openapi.json` kept in step with the API: every route the router
//! declares is described, and every described operation is served (not
//! 404 or 405) by a running service.
#![cfg(feature = "service")]

mod common;
use common::*;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

/// (METHOD, path) of every `.route(...)` in the API's source.
fn declared() -> BTreeSet<(String, String)> {
    let src = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/web/api.rs")).unwrap();
    let mut out = BTreeSet::new();
    for part in src.split(".route(\"").skip(1) {
        let (path, rest) = part.split_once('"').unwrap();
        let call = &rest[..rest.find(")\n").unwrap_or(rest.len())];
        for m in ["get", "post", "put", "delete", "patch"] {
            if call.contains(&format!("{m}(")) {
                out.insert((m.to_uppercase(), path.to_string()));
            }
        }
    }
    out
}

fn described() -> BTreeSet<(String, String)> {
    let doc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/openapi.json")).unwrap(),
    )
    .unwrap();
    let mut out = BTreeSet::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for m in ops.as_object().unwrap().keys() {
            out.insert((m.to_uppercase(), path.clone()));
        }
    }
    out
}

#[tokio::test]
async fn the_openapi_file_describes_exactly_the_routes_served() {
    let declared = declared();
    assert!(declared.len() >= 8, "{declared:?}");
    assert_eq!(declared, described(), "docs/openapi.json and src/web/api.rs differ");
    let db = TestDb::sqlite().await;
    let svc = Running::start(&db, Arc::new(TestClock(Mutex::new(start())))).await;
    let c = reqwest::Client::new();
    for (method, path) in described() {
        let url = format!("{}{}", svc.base, path.replace("{id}", "1"));
        let r = if method == "GET" { c.get(url) } else { c.post(url).json(&serde_json::json!({})) };
        let status = r.send().await.unwrap().status().as_u16();
        // Without credentials a served route answers 401 (login: 422 for an empty body).
        assert!(![404, 405].contains(&status), "{method} {path}: {status}");
    }
    svc.shutdown().await;
}
