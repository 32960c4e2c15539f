//! The screening engine: one message in, hits out. Combines the watchlist
//! matcher and the trends; never decides anything about a person — a hit is
//! only a proposal for a reviewer.

use crate::matching::{PreparedPassenger, Watchlist, WatchlistMatch};
use crate::model::ApiMessage;
use crate::reference::{Scope, ScopeDecision};
pub use crate::trends::TrendSet;
use crate::trends::{Trend, TrendContext, TrendMatch};
use arc_swap::ArcSwap;
use serde::Serialize;
use std::sync::Arc;

/// One hit, as written by `replay --out` (contract section 4).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Hit {
    pub kind: HitKind,
    pub message_id: String,
    pub passenger: usize,
    pub flight: String,
    pub departure_date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trend_id: Option<String>,
    /// Version of the list or trend set that produced the hit.
    pub version: String,
    pub score: f64,
    pub threshold: f64,
    pub explanation: Explanation,
    /// The person's record was damaged on the way in (a field dropped, a
    /// stray or cut-off segment): screened on what was valid; the reviewer
    /// should look at the message as sent.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub input_damaged: bool,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum HitKind {
    Watchlist,
    Trend,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(untagged)]
pub enum Explanation {
    Watchlist(WatchlistMatch),
    Trend(TrendMatch),
}

/// Screens messages against the current watchlist and trends. Both can be
/// replaced while screening goes on; each message sees one consistent
/// version of each.
pub struct Screener {
    watchlist: ArcSwap<Watchlist>,
    trends: ArcSwap<TrendSet>,
    pub scope: Scope,
}

/// What screening one message gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Screened { hits: Vec<Hit>, unknown_airport: bool },
    OutOfScope { departure_country: String },
}

impl Screener {
    pub fn new(watchlist: Watchlist, trends: TrendSet, scope: Scope) -> Screener {
        Screener { watchlist: ArcSwap::from_pointee(watchlist), trends: ArcSwap::from_pointee(trends), scope }
    }

    /// Swap in a new watchlist version atomically; screening in flight keeps the old one.
    pub fn reload_watchlist(&self, w: Watchlist) {
        self.watchlist.store(Arc::new(w));
    }

    pub fn reload_trends(&self, t: TrendSet) {
        self.trends.store(Arc::new(t));
    }

    pub fn watchlist(&self) -> Arc<Watchlist> {
        self.watchlist.load_full()
    }

    pub fn trends(&self) -> Arc<TrendSet> {
        self.trends.load_full()
    }

    pub fn screen(&self, m: &ApiMessage) -> Outcome {
        let unknown_airport = match self.scope.decide(&m.flight.departure_airport) {
            ScopeDecision::OutOfScope { departure_country } => return Outcome::OutOfScope { departure_country },
            ScopeDecision::UnknownAirport => true,
            ScopeDecision::InScope => false,
        };
        Outcome::Screened { hits: self.screen_passengers(m), unknown_airport }
    }

    /// Screen every passenger of the message, whatever its scope.
    pub fn screen_passengers(&self, m: &ApiMessage) -> Vec<Hit> {
        let wl = self.watchlist.load();
        let ts = self.trends.load();
        let day = m.flight.departure_date();
        let ctx = TrendContext::new(m);
        let active: Vec<(usize, &Trend)> = ts.trends.iter().enumerate().filter(|(_, t)| t.is_active_on(day)).collect();
        let mut hits = Vec::new();
        let base = |kind| Hit {
            kind,
            message_id: m.message_id.clone(),
            passenger: 0,
            flight: m.flight.number.clone(),
            departure_date: day.to_string(),
            list: None,
            entry_id: None,
            category: None,
            trend_id: None,
            version: String::new(),
            score: 0.0,
            threshold: 0.0,
            explanation: Explanation::Trend(TrendMatch { trend: 0, score: 0, threshold: 0, matched: vec![] }),
            input_damaged: false,
        };
        for p in &m.passengers {
            let prepared = PreparedPassenger::new(p);
            for wm in wl.screen(&prepared, day) {
                let e = wl.entry(wm.entry);
                hits.push(Hit {
                    passenger: p.index,
                    input_damaged: p.damaged,
                    list: Some(e.list.to_string()),
                    entry_id: Some(e.entry_id.to_string()),
                    category: Some(e.category.to_string()),
                    version: wl.version.clone(),
                    score: wm.score,
                    threshold: wl.threshold,
                    explanation: Explanation::Watchlist(wm),
                    ..base(HitKind::Watchlist)
                });
            }
            for (i, t) in &active {
                if let Some(tm) = t.evaluate(*i, &ctx, p) {
                    hits.push(Hit {
                        passenger: p.index,
                        input_damaged: p.damaged,
                        trend_id: Some(t.id.clone()),
                        version: ts.version.clone(),
                        score: tm.score as f64,
                        threshold: t.threshold as f64,
                        explanation: Explanation::Trend(tm),
                        ..base(HitKind::Trend)
                    });
                }
            }
        }
        hits
    }
}
