//! `paxscreen serve`: the service wired together. The store, the screener
//! with hot reload, the ingest sources (spool folder, HTTP, Kafka when
//! configured), the sweeper, the API and the operations endpoints; all stop
//! on one cancellation token (SIGTERM or SIGINT in the binary): sources stop
//! taking new input, work in flight is finished and committed, then the
//! listeners close.

use crate::catalog;
use crate::clock::Clock;
use crate::config::Config;
use crate::forward::{Forwarder, Sink};
use crate::ingest::spool::Spool;
use crate::metrics::Metrics;
use crate::oidc::Oidc;
use crate::pipeline::Pipeline;
use crate::readiness::Readiness;
use crate::reference::Scope;
use crate::reload::Reloader;
use crate::retention::Sweeper;
use crate::screening::Screener;
use crate::store::{Store, StoreError};
use crate::web::{api_router, console_router, ops_router, AppState};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("{0} problem(s) in watchlists or trends (a list with a bad row is refused whole); run `paxscreen check`")]
    Catalog(usize),
    #[error("{0}")]
    Config(String),
    #[error("cannot listen on {addr}: {source}")]
    Listen { addr: String, source: std::io::Error },
    #[error("kafka: {0}")]
    Kafka(String),
    #[error("{0}")]
    Oidc(#[from] crate::oidc::SetupError),
}

/// Everything the running service shares.
pub struct Service {
    pub config: Config,
    pub store: Store,
    pub screener: Arc<Screener>,
    pub metrics: Arc<Metrics>,
    pub ready: Arc<Readiness>,
    pub pipeline: Arc<Pipeline>,
    pub spool: Arc<Spool>,
}

impl Service {
    /// Open the store and the lists; nothing runs yet.
    pub async fn open(config: Config, clock: Arc<dyn Clock>) -> Result<Service, ServeError> {
        let store = Store::open(&config.store.url).await?;
        let scope = Scope::parse(&config.screening.scope).map_err(|e| ServeError::Config(e.to_string()))?;
        let s = &config.screening;
        let cat = catalog::open(&s.watchlists, &s.trends, clock.now().date_naive()).map_err(|(problems, _)| {
            for p in problems.iter().take(20) {
                tracing::error!(problem = %p, "watchlist or trend problem");
            }
            ServeError::Catalog(problems.len())
        })?;
        let metrics = Arc::new(Metrics::new());
        metrics.watchlist_entries(&cat.stats.per_list);
        let ready = Arc::new(Readiness::default());
        ready.set_lists_loaded();
        tracing::info!(
            entries = cat.stats.entries,
            trends = cat.stats.trends,
            watchlist = %cat.watchlist.version,
            trend_set = %cat.trends.version,
            "lists loaded"
        );
        let screener = Arc::new(Screener::new(cat.watchlist.with_threshold(s.threshold), cat.trends, scope));
        let pipeline =
            Arc::new(Pipeline::new(screener.clone(), store.clone(), metrics.clone(), clock, config.retention()));
        let spool =
            Arc::new(Spool { dir: config.spool.dir.clone(), poll: Duration::from_millis(config.spool.poll_ms) });
        Ok(Service { config, store, screener, metrics, ready, pipeline, spool })
    }

    /// Run until `stop` is cancelled, then shut down in order.
    pub async fn run(self, stop: CancellationToken) -> Result<(), ServeError> {
        let bind = |addr: String| async move {
            tokio::net::TcpListener::bind(&addr).await.map_err(|source| ServeError::Listen { addr, source })
        };
        let api_listener = bind(self.config.http.listen.clone()).await?;
        let ops_listener = bind(self.config.http.metrics_listen.clone()).await?;
        tracing::info!(
            api = %self.config.http.listen,
            metrics = %self.config.http.metrics_listen,
            spool = %self.config.spool.dir.display(),
            "paxscreen serving"
        );
        let oidc = match self.config.oidc.clone() {
            Some(c) => {
                let oidc = Arc::new(Oidc::new(c)?);
                // Fetched now so the first caller does not wait; a provider
                // that is down now is tried again on first use.
                match oidc.refresh().await {
                    Ok(n) => tracing::info!(keys = n, "OIDC keys fetched"),
                    Err(e) => tracing::warn!(error = %e, "OIDC keys not fetched yet: JWTs wait for the provider"),
                }
                Some(oidc)
            }
            None => None,
        };
        let state = Arc::new(AppState::new(self.pipeline.clone(), self.store.clone(), &self.config, oidc).await?);
        let timeouts = crate::web::listener::Timeouts {
            request: Duration::from_secs(self.config.http.request_timeout_seconds),
            idle: Duration::from_secs(self.config.http.idle_timeout_seconds),
        };
        let mut tasks = tokio::task::JoinSet::new();
        // Sources stop first (on `stop`); the listeners when the sources are done.
        let listeners_stop = CancellationToken::new();
        {
            let l = listeners_stop.clone();
            let app = api_router(state.clone()).merge(console_router(state.clone()));
            tasks.spawn(crate::web::listener::serve(api_listener, app, timeouts, l));
            let l = listeners_stop.clone();
            let ops = ops_router(self.metrics.clone(), self.store.clone(), self.ready.clone());
            tasks.spawn(crate::web::listener::serve(ops_listener, ops, timeouts, l));
        }
        {
            // Failed sign-ins, summarised per address and minute.
            let (state, stop) = (state.clone(), stop.clone());
            tasks.spawn(async move {
                loop {
                    tokio::select! {
                        _ = stop.cancelled() => return,
                        _ = tokio::time::sleep(Duration::from_secs(5)) => {}
                    }
                    if let Err(e) = state.audit_failures(false).await {
                        tracing::error!(error = %e, "failed sign-ins not audited yet; retrying");
                    }
                }
            });
        }
        let mut sources = tokio::task::JoinSet::new();
        {
            let (spool, pipeline, stop) = (self.spool.clone(), self.pipeline.clone(), stop.clone());
            sources.spawn(async move { spool.run(&pipeline, stop).await });
        }
        if let Some(k) = self.config.kafka.clone() {
            self.ready.set_kafka(false);
            let source = crate::ingest::kafka::KafkaSource::new(&k, self.pipeline.clone(), self.ready.clone())
                .map_err(|e| ServeError::Kafka(e.to_string()))?;
            let stop = stop.clone();
            sources.spawn(async move { source.run(stop).await });
        }
        {
            let sweeper = Sweeper {
                store: self.store.clone(),
                spool: self.spool.clone(),
                metrics: self.metrics.clone(),
                retention: self.config.retention(),
                alerts_file: self.config.kafka.is_none().then(|| self.config.alerts.file.clone()),
                audit_years: self.config.retention.audit_years,
                clock: self.pipeline.clock.clone(),
                every: Duration::from_secs(self.config.retention.sweep_seconds),
            };
            tasks.spawn(sweeper.run(stop.clone()));
        }
        {
            let sink = match &self.config.kafka {
                Some(k) => Sink::kafka(&k.brokers, &k.alerts_topic, &k.settings)
                    .map_err(|e| ServeError::Kafka(e.to_string()))?,
                None => Sink::file(self.config.alerts.file.clone()),
            };
            let forwarder = Forwarder {
                store: self.store.clone(),
                sink,
                clock: self.pipeline.clock.clone(),
                every: Duration::from_millis(self.config.alerts.poll_ms),
            };
            tasks.spawn(forwarder.run(stop.clone()));
        }
        {
            let s = &self.config.screening;
            let reloader = Reloader::new(
                s.watchlists.clone(),
                s.trends.clone(),
                s.threshold,
                Duration::from_secs(s.reload_seconds.max(1)),
                self.screener.clone(),
                self.metrics.clone(),
            );
            tasks.spawn(reloader.run(stop.clone()));
        }
        stop.cancelled().await;
        tracing::info!("stopping: finishing work in flight");
        while sources.join_next().await.is_some() {}
        listeners_stop.cancel();
        while tasks.join_next().await.is_some() {}
        if let Err(e) = state.audit_failures(true).await {
            tracing::warn!(error = %e, "the last failed sign-ins were not audited");
        }
        // Nothing audited is left unchained by a clean stop.
        if let Err(e) = self.store.audit_flush().await {
            tracing::warn!(error = %e, "audit entries left pending; the next start chains them");
        }
        self.store.pool().close().await;
        tracing::info!("stopped");
        Ok(())
    }
}
