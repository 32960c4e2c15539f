//! Operations endpoints (service.md section 6): `/metrics`, `/healthz`,
//! `/readyz`, without authentication, on their own listener.

use crate::metrics::Metrics;
use crate::readiness::Readiness;
use crate::store::Store;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use std::sync::Arc;

struct Ops {
    metrics: Arc<Metrics>,
    store: Store,
    ready: Arc<Readiness>,
}

pub fn ops_router(metrics: Arc<Metrics>, store: Store, ready: Arc<Readiness>) -> Router {
    Router::new()
        .route("/metrics", get(metrics_text))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .with_state(Arc::new(Ops { metrics, store, ready }))
}

async fn metrics_text(State(o): State<Arc<Ops>>) -> ([(axum::http::HeaderName, &'static str); 1], String) {
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], o.metrics.render())
}

async fn readyz(State(o): State<Arc<Ops>>) -> (StatusCode, String) {
    if let Err(e) = o.store.ping().await {
        return (StatusCode::SERVICE_UNAVAILABLE, format!("store unreachable: {e}\n"));
    }
    if !o.ready.lists_loaded() {
        return (StatusCode::SERVICE_UNAVAILABLE, "watchlists and trends not loaded\n".into());
    }
    if let Some(why) = o.store.audit_failing() {
        return (StatusCode::SERVICE_UNAVAILABLE, format!("audit entries cannot be chained: {why}\n"));
    }
    if o.ready.kafka_assigned() == Some(false) {
        return (StatusCode::SERVICE_UNAVAILABLE, "no Kafka partitions assigned\n".into());
    }
    (StatusCode::OK, "ready\n".into())
}
