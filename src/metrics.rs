//! Prometheus metrics (service.md section 6). Every label value is a fixed
//! word, a list or trend name, or a version hash: never personal data.

use prometheus::{
    Encoder, Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
};

pub use crate::events::MessageOutcome;
use crate::events::{Events, MessageScreened, MessageSkipped};
use crate::review::HitState;

pub struct Metrics {
    registry: Registry,
    messages: IntCounterVec,
    passengers: IntCounter,
    hits: IntCounterVec,
    review_queue: IntGaugeVec,
    purged: IntCounterVec,
    watchlist_entries: IntGaugeVec,
    reload_failures: IntCounterVec,
    dead_letters: IntCounter,
    multipart_incomplete: prometheus::IntGauge,
    special_category: IntCounterVec,
    special_senders: std::sync::Mutex<std::collections::HashSet<String>>,
    latency: Histogram,
}

/// Senders named in `paxscreen_special_category_discarded_total` at most;
/// beyond, and for a sender that is not a plain code, the label is `other`
/// (the sender is written by whoever sends the message).
pub const MAX_SENDER_LABELS: usize = 500;

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let counter_vec = |name: &str, help: &str, labels: &[&str]| {
            let c = IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric");
            registry.register(Box::new(c.clone())).expect("registered once");
            c
        };
        let gauge_vec = |name: &str, help: &str, labels: &[&str]| {
            let g = IntGaugeVec::new(Opts::new(name, help), labels).expect("valid metric");
            registry.register(Box::new(g.clone())).expect("registered once");
            g
        };
        let counter = |name: &str, help: &str| {
            let c = IntCounter::new(name, help).expect("valid metric");
            registry.register(Box::new(c.clone())).expect("registered once");
            c
        };
        let messages = counter_vec("paxscreen_messages_total", "Messages by outcome.", &["outcome"]);
        for o in MessageOutcome::ALL {
            messages.with_label_values(&[o.as_str()]);
        }
        let hits = counter_vec("paxscreen_hits_total", "Hits queued for review, by kind.", &["kind"]);
        hits.with_label_values(&["watchlist"]);
        hits.with_label_values(&["trend"]);
        let latency = Histogram::with_opts(
            HistogramOpts::new(
                "paxscreen_ingest_seconds",
                "From a message's arrival at paxscreen to its passengers and hits committed to the store.",
            )
            .buckets(vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5]),
        )
        .expect("valid metric");
        registry.register(Box::new(latency.clone())).expect("registered once");
        Metrics {
            messages,
            passengers: counter("paxscreen_passengers_screened_total", "Passengers screened."),
            hits,
            review_queue: gauge_vec("paxscreen_review_queue", "Hits by review state.", &["state"]),
            purged: counter_vec("paxscreen_purged_total", "Rows and files deleted at expiry, by what.", &["what"]),
            watchlist_entries: gauge_vec("paxscreen_watchlist_entries", "Entries in service, by list.", &["list"]),
            reload_failures: counter_vec(
                "paxscreen_reload_failures_total",
                "Watchlist or trend versions that failed to load (the last good one stays in service).",
                &["what"],
            ),
            dead_letters: counter("paxscreen_dead_letters_total", "Records written to the dead-letter topic."),
            multipart_incomplete: {
                let g = prometheus::IntGauge::new(
                    "paxscreen_multipart_incomplete",
                    "Multi-part PAXLST messages whose parts have not all arrived within 15 minutes.",
                )
                .expect("valid metric");
                registry.register(Box::new(g.clone())).expect("registered once");
                g
            },
            special_category: counter_vec(
                "paxscreen_special_category_discarded_total",
                "Special-category fields (GDPR art. 9) discarded on arrival, by sender.",
                &["sender"],
            ),
            special_senders: Default::default(),
            latency,
            registry,
        }
    }

    fn message(&self, outcome: MessageOutcome) {
        self.messages.with_label_values(&[outcome.as_str()]).inc();
    }

    /// Seconds from a message's arrival to its commit in the store.
    pub fn ingest_latency(&self, seconds: f64) {
        self.latency.observe(seconds);
    }

    pub fn review_queue(&self, counts: &[(HitState, i64)]) {
        for s in HitState::ALL {
            let n = counts.iter().find(|(state, _)| *state == s).map_or(0, |c| c.1);
            self.review_queue.with_label_values(&[s.as_str()]).set(n);
        }
    }

    /// Multi-part messages still missing parts.
    pub fn multipart_incomplete(&self, n: usize) {
        self.multipart_incomplete.set(n as i64);
    }

    pub fn purged(&self, what: &str, n: u64) {
        self.purged.with_label_values(&[what]).inc_by(n);
    }

    pub fn watchlist_entries(&self, per_list: &std::collections::BTreeMap<String, usize>) {
        self.watchlist_entries.reset();
        for (list, n) in per_list {
            self.watchlist_entries.with_label_values(&[list]).set(*n as i64);
        }
    }

    pub fn reload_failed(&self, what: &str) {
        self.reload_failures.with_label_values(&[what]).inc();
    }

    pub fn dead_letter(&self) {
        self.dead_letters.inc();
    }

    /// `n` special-category fields discarded from a message of `sender`.
    pub fn special_category_discarded(&self, sender: &str, n: usize) {
        if n == 0 {
            return;
        }
        let plain = !sender.is_empty()
            && sender.len() <= 35
            && sender.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        let mut known = self.special_senders.lock().unwrap_or_else(|e| e.into_inner());
        let label = if plain && (known.contains(sender) || known.len() < MAX_SENDER_LABELS) {
            known.insert(sender.to_string());
            sender
        } else {
            "other"
        };
        self.special_category.with_label_values(&[label]).inc_by(n as u64);
    }

    /// The special-category discards so far, by sender (the privacy page).
    pub fn special_category_by_sender(&self) -> Vec<(String, u64)> {
        use prometheus::core::Collector;
        let mut out: Vec<(String, u64)> = self
            .special_category
            .collect()
            .iter()
            .flat_map(|f| f.get_metric().iter())
            .filter_map(|m| {
                let sender = m.get_label().first()?.value().to_string();
                let n = m.get_counter().get_value() as u64;
                (n > 0).then_some((sender, n))
            })
            .collect();
        out.sort();
        out
    }

    /// The events as counters: `(&*metrics).skipped(..)`.
    pub fn events(&self) -> MetricEvents<'_> {
        MetricEvents(self)
    }

    /// The Prometheus text format.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut out).expect("text encoding");
        String::from_utf8(out).expect("the text format is UTF-8")
    }
}

/// The metrics as a listener of [`crate::events`].
pub struct MetricEvents<'a>(&'a Metrics);

impl Events for MetricEvents<'_> {
    fn skipped(&mut self, e: MessageSkipped) {
        self.0.message(e.0);
    }

    fn screened(&mut self, e: MessageScreened<'_>) {
        let (watchlist, trend) = e.hits_by_kind();
        self.0.message(MessageOutcome::Screened);
        self.0.passengers.inc_by(e.passengers as u64);
        self.0.hits.with_label_values(&["watchlist"]).inc_by(watchlist as u64);
        self.0.hits.with_label_values(&["trend"]).inc_by(trend as u64);
    }
}
