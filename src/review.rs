//! The four-eyes review (service.md section 4): the states a hit goes
//! through and who may move it. The rules here are pure; the store applies
//! them atomically (`Store::decide`), with the four-eyes rule also written
//! into the database as a trigger, so it holds for every route and every
//! instance.
//!
//! ```text
//! new ──confirm──> confirmed_once ──confirm (another person)──> confirmed ──> forwarded
//!  │                     │
//!  └──dismiss──> dismissed <──dismiss (another person)──┘
//! new / confirmed_once ──(data expires)──> expired
//! ```

use serde::{Deserialize, Serialize};

/// What a reviewer decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Confirm,
    Dismiss,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Confirm => "confirm",
            Decision::Dismiss => "dismiss",
        }
    }
}

/// Where a hit stands in the review (service.md section 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HitState {
    /// Waiting for its first review.
    New,
    /// Confirmed by one reviewer; waiting for a second, different one.
    ConfirmedOnce,
    /// Confirmed by two reviewers; waiting to be forwarded.
    Confirmed,
    /// Sent to the border.
    Forwarded,
    /// Dismissed by a reviewer (with a reason).
    Dismissed,
    /// Undecided when its data expired.
    Expired,
}

impl HitState {
    /// Every state, in the order of the review.
    pub const ALL: [HitState; 6] = [
        HitState::New,
        HitState::ConfirmedOnce,
        HitState::Confirmed,
        HitState::Forwarded,
        HitState::Dismissed,
        HitState::Expired,
    ];

    /// The contract's name of the state, as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            HitState::New => "new",
            HitState::ConfirmedOnce => "confirmed_once",
            HitState::Confirmed => "confirmed",
            HitState::Forwarded => "forwarded",
            HitState::Dismissed => "dismissed",
            HitState::Expired => "expired",
        }
    }

    /// Whether the hit still waits for a reviewer.
    pub fn is_open(self) -> bool {
        matches!(self, HitState::New | HitState::ConfirmedOnce)
    }
}

impl std::fmt::Display for HitState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A state name that is not one of the contract's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown state: one of new, confirmed_once, confirmed, forwarded, dismissed, expired")]
pub struct UnknownState;

impl std::str::FromStr for HitState {
    type Err = UnknownState;

    fn from_str(s: &str) -> Result<HitState, UnknownState> {
        HitState::ALL.into_iter().find(|h| h.as_str() == s).ok_or(UnknownState)
    }
}

/// A decision the rules allow: which review it is (1 or 2) and the state it leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Move {
    /// The state the decision is taken on.
    pub from: HitState,
    /// The first (1) or the second (2) review.
    pub step: i64,
    /// The state it leads to.
    pub to: HitState,
}

/// The move `decision` makes from `state`, or `None` when that state takes
/// no such decision (decided already, forwarded, expired).
pub fn next(state: HitState, decision: Decision) -> Option<Move> {
    use HitState::*;
    let (step, to) = match (state, decision) {
        (New, Decision::Confirm) => (1, ConfirmedOnce),
        (New, Decision::Dismiss) => (1, Dismissed),
        (ConfirmedOnce, Decision::Confirm) => (2, Confirmed),
        (ConfirmedOnce, Decision::Dismiss) => (2, Dismissed),
        _ => return None,
    };
    Some(Move { from: state, step, to })
}

/// Why a decision was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("no such hit")]
    NotFound,
    /// The caller made the hit's first decision.
    #[error("four_eyes")]
    FourEyes,
    /// The hit is no longer in a state that takes this decision.
    #[error("state")]
    State,
    #[error("a dismissal needs a reason")]
    ReasonRequired,
    #[error("a reason is at most {MAX_REASON} characters")]
    ReasonTooLong,
}

/// The longest reason kept.
pub const MAX_REASON: usize = 2000;

/// Characters that show nothing: format characters (zero-width spaces and
/// joiners, direction marks, the byte-order mark, tags), fillers and blanks
/// that are not whitespace to Unicode.
fn invisible(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(c,
            '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
            | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}' | '\u{2800}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
            | '\u{FFA0}' | '\u{FFF9}'..='\u{FFFB}' | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

/// The reason as kept: trimmed of whitespace and invisible characters at
/// either end; required to dismiss, and then it must say something (a
/// letter or digit: invisible characters or punctuation alone are no reason).
pub fn check_reason(decision: Decision, reason: Option<&str>) -> Result<Option<String>, Refused> {
    let reason = reason.map(|r| r.trim_matches(invisible)).filter(|r| r.chars().any(char::is_alphanumeric));
    if decision == Decision::Dismiss && reason.is_none() {
        return Err(Refused::ReasonRequired);
    }
    if reason.is_some_and(|r| r.chars().count() > MAX_REASON) {
        return Err(Refused::ReasonTooLong);
    }
    Ok(reason.map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_move_allowed_and_refused() {
        use Decision::*;
        use HitState::*;
        assert_eq!(next(New, Confirm).map(|m| (m.step, m.to)), Some((1, ConfirmedOnce)));
        assert_eq!(next(New, Dismiss).map(|m| (m.step, m.to)), Some((1, Dismissed)));
        assert_eq!(next(ConfirmedOnce, Confirm).map(|m| (m.step, m.to)), Some((2, Confirmed)));
        assert_eq!(next(ConfirmedOnce, Dismiss).map(|m| (m.step, m.to)), Some((2, Dismissed)));
        for s in [Confirmed, Forwarded, Dismissed, Expired] {
            assert_eq!(next(s, Confirm), None, "{s}");
            assert_eq!(next(s, Dismiss), None, "{s}");
        }
    }

    #[test]
    fn states_read_back_as_written() {
        for s in HitState::ALL {
            assert_eq!(s.as_str().parse::<HitState>(), Ok(s));
            assert_eq!(serde_json::to_value(s).unwrap(), serde_json::Value::from(s.as_str()));
        }
        assert_eq!("bogus".parse::<HitState>(), Err(UnknownState));
        assert!(HitState::New.is_open() && HitState::ConfirmedOnce.is_open() && !HitState::Confirmed.is_open());
    }

    #[test]
    fn a_dismissal_needs_a_reason() {
        assert_eq!(check_reason(Decision::Dismiss, None), Err(Refused::ReasonRequired));
        assert_eq!(check_reason(Decision::Dismiss, Some("  ")), Err(Refused::ReasonRequired));
        for nothing in
            ["\u{200B}", " \u{200B}\u{200D} ", "\u{FEFF}\u{2060}", "\u{3164}", "\u{E0041}", "--", "\u{202E}."]
        {
            assert_eq!(check_reason(Decision::Dismiss, Some(nothing)), Err(Refused::ReasonRequired), "{nothing:?}");
        }
        assert_eq!(check_reason(Decision::Dismiss, Some("\u{200B}namesake\u{200B}")), Ok(Some("namesake".into())));
        assert_eq!(check_reason(Decision::Dismiss, Some(" namesake ")), Ok(Some("namesake".into())));
        assert_eq!(check_reason(Decision::Confirm, None), Ok(None));
        assert_eq!(check_reason(Decision::Confirm, Some(&"x".repeat(2001))), Err(Refused::ReasonTooLong));
    }
}
