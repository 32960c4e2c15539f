//! What happens to a message, as named events. The same events feed the
//! replay summary and the service's Prometheus metrics, so the two count
//! alike (as Vector's internal events do). No event carries personal data.

use crate::screening::{Hit, HitKind};

/// How a message ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageOutcome {
    Screened,
    Duplicate,
    OutOfScope,
    TooOld,
    Rejected,
}

impl MessageOutcome {
    pub const ALL: [MessageOutcome; 5] = [
        MessageOutcome::Screened,
        MessageOutcome::Duplicate,
        MessageOutcome::OutOfScope,
        MessageOutcome::TooOld,
        MessageOutcome::Rejected,
    ];

    /// The label of `paxscreen_messages_total{outcome}`.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageOutcome::Screened => "screened",
            MessageOutcome::Duplicate => "duplicate",
            MessageOutcome::OutOfScope => "out_of_scope",
            MessageOutcome::TooOld => "too_old",
            MessageOutcome::Rejected => "rejected",
        }
    }
}

/// A message ended without being screened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageSkipped(pub MessageOutcome);

/// A message was screened: its passengers and its hits.
#[derive(Debug, Clone, Copy)]
pub struct MessageScreened<'a> {
    pub passengers: usize,
    pub hits: &'a [Hit],
}

impl MessageScreened<'_> {
    /// Hits by kind: (watchlist, trend).
    pub fn hits_by_kind(&self) -> (usize, usize) {
        let watchlist = self.hits.iter().filter(|h| h.kind == HitKind::Watchlist).count();
        (watchlist, self.hits.len() - watchlist)
    }
}

/// Who listens: the replay summary, the service's metrics.
pub trait Events {
    fn skipped(&mut self, e: MessageSkipped);
    fn screened(&mut self, e: MessageScreened<'_>);
}
