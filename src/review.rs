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
