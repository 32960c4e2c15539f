#![no_main]
//! Any bytes as the body of every route that takes one (the JSON API and
//! the console's forms), sent as callers of every role and as nobody, with
//! any content type: the router driven in process (`tower::ServiceExt::
//! oneshot`) on a SQLite store in a temporary folder. Nothing may panic,
//! and no answer may be a server error but `503` (busy or store away).
//!
//! Input: byte 0 picks the route, byte 1 the caller, byte 2 the content
//! type; the rest is the body.
use axum::body::Body;
use axum::http::{Request, StatusCode};
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

struct World {
    rt: tokio::runtime::Runtime,
    app: axum::Router,
    /// Bearer tokens: ingest, analyst, supervisor, border guard, privacy officer.
    tokens: Vec<String>,
}

const ROUTES: &[&str] = &[
    "/api/v1/messages",
    "/api/v1/login",
    "/api/v1/hits/1/decision",
    "/api/v1/hits/1/hold",
    "/login",
    "/hits/1/decision",
    "/logout",
];

const TYPES: &[&str] =
    &["application/json", "application/x-www-form-urlencoded", "text/plain", "", "application/json; charset=utf-8"];

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let (app, tokens) = rt.block_on(async {
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
            let dir = std::env::temp_dir().join(format!("paxscreen-fuzz-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let mut config = paxscreen::config::Config::default();
            config.store.url = format!("sqlite://{}", dir.join("fuzz.db").display());
            config.login.hash_workers = 1;
            let store = paxscreen::store::Store::open(&config.store.url).await.unwrap();
            let today = chrono::Utc::now().date_naive();
            let cat = paxscreen::catalog::open(&root.join("watchlists"), &root.join("trends"), today)
                .unwrap_or_else(|(p, _)| panic!("lists: {p:?}"));
            let screener = paxscreen::screening::Screener::new(cat.watchlist, cat.trends, paxscreen::reference::Scope::All);
            let pipeline = Arc::new(paxscreen::pipeline::Pipeline::new(
                Arc::new(screener),
                store.clone(),
                Arc::new(paxscreen::metrics::Metrics::new()),
                Arc::new(paxscreen::pipeline::SystemClock),
                config.retention(),
            ));
            // A hit to decide on: the contract's example message, sent now.
            let mut m: serde_json::Value = serde_json::from_slice(
                &std::fs::read(root.join("../shared/spec/examples/api-message.json")).unwrap(),
            )
            .unwrap();
            m["sent_at"] = chrono::Utc::now().to_rfc3339().into();
            pipeline.process(m.to_string().as_bytes(), "fuzz").await.unwrap();
            let now = chrono::Utc::now();
            let mut tokens = Vec::new();
            for role in ["ingest", "analyst", "supervisor", "border_guard", "privacy_officer"] {
                let id = store.upsert_user(&format!("fuzz-{role}"), role, None, now).await.unwrap();
                let t = paxscreen::auth::new_token();
                store.add_token(id, &paxscreen::auth::token_hash(&t), now, None).await.unwrap();
                tokens.push(t);
            }
            let state =
                Arc::new(paxscreen::web::AppState::new(pipeline, store, &config, None).await.unwrap());
            let app = paxscreen::web::api_router(state.clone()).merge(paxscreen::web::console_router(state));
            (app, tokens)
        });
        World { rt, app, tokens }
    })
}

fuzz_target!(|data: &[u8]| {
    let w = world();
    let (Some(&route), Some(&who), Some(&kind)) = (data.first(), data.get(1), data.get(2)) else { return };
    let body = data[3..].to_vec();
    let path = ROUTES[route as usize % ROUTES.len()];
    let mut req = Request::post(path);
    let content_type = TYPES[kind as usize % TYPES.len()];
    if !content_type.is_empty() {
        req = req.header("content-type", content_type);
    }
    if let Some(t) = w.tokens.get(who as usize % (w.tokens.len() + 1)) {
        req = req.header("authorization", format!("Bearer {t}")).header("cookie", format!("pxs_session={t}"));
    }
    let req = req.body(Body::from(body)).unwrap();
    let status = w.rt.block_on(async {
        let r = w.app.clone().oneshot(req).await.unwrap();
        let status = r.status();
        let _ = axum::body::to_bytes(r.into_body(), usize::MAX).await;
        status
    });
    assert!(!status.is_server_error() || status == StatusCode::SERVICE_UNAVAILABLE, "{path}: {status}");
});
