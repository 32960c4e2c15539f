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

/// A decision the rules allow: which review it is (1 or 2) and the state it leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Move {
    pub from: &'static str,
    pub step: i64,
    pub to: &'static str,
}

/// The move `decision` makes from `state`, or `None` when that state takes
/// no such decision (decided already, forwarded, expired).
pub fn next(state: &str, decision: Decision) -> Option<Move> {
    let (from, step, to) = match (state, decision) {
        ("new", Decision::Confirm) => ("new", 1, "confirmed_once"),
        ("new", Decision::Dismiss) => ("new", 1, "dismissed"),
        ("confirmed_once", Decision::Confirm) => ("confirmed_once", 2, "confirmed"),
        ("confirmed_once", Decision::Dismiss) => ("confirmed_once", 2, "dismissed"),
        _ => return None,
    };
    Some(Move { from, step, to })
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

/// The reason as kept: trimmed; required to dismiss.
pub fn check_reason(decision: Decision, reason: Option<&str>) -> Result<Option<String>, Refused> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
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
        assert_eq!(next("new", Confirm).map(|m| (m.step, m.to)), Some((1, "confirmed_once")));
        assert_eq!(next("new", Dismiss).map(|m| (m.step, m.to)), Some((1, "dismissed")));
        assert_eq!(next("confirmed_once", Confirm).map(|m| (m.step, m.to)), Some((2, "confirmed")));
        assert_eq!(next("confirmed_once", Dismiss).map(|m| (m.step, m.to)), Some((2, "dismissed")));
        for s in ["confirmed", "forwarded", "dismissed", "expired", "bogus"] {
            assert_eq!(next(s, Confirm), None, "{s}");
            assert_eq!(next(s, Dismiss), None, "{s}");
        }
    }

    #[test]
    fn a_dismissal_needs_a_reason() {
        assert_eq!(check_reason(Decision::Dismiss, None), Err(Refused::ReasonRequired));
        assert_eq!(check_reason(Decision::Dismiss, Some("  ")), Err(Refused::ReasonRequired));
        assert_eq!(check_reason(Decision::Dismiss, Some(" namesake ")), Ok(Some("namesake".into())));
        assert_eq!(check_reason(Decision::Confirm, None), Ok(None));
        assert_eq!(check_reason(Decision::Confirm, Some(&"x".repeat(2001))), Err(Refused::ReasonTooLong));
    }
}
