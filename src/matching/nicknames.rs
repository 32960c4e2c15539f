//! Short and familiar forms of given names (`data/nicknames.txt`): BILL for
//! WILLIAM, SASHA for ALEKSANDR, PEPE for JOSE. A short form stands for its
//! full name only as a given name and beside a surname that matches well;
//! the comparison ([`super::compare`]) enforces that and scores it below an
//! exact match.

use super::normalize::fold;
use rustc_hash::FxHashMap;
use std::sync::OnceLock;

static NICKNAMES_TXT: &str = include_str!("../../data/nicknames.txt");

/// Folded name → the ids of the lines of `data/nicknames.txt` it is on.
fn table() -> &'static FxHashMap<String, Vec<u16>> {
    static MAP: OnceLock<FxHashMap<String, Vec<u16>>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut m: FxHashMap<String, Vec<u16>> = FxHashMap::default();
        let lines = NICKNAMES_TXT.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'));
        for (id, line) in lines.enumerate() {
            let (full, short) = line.split_once(':').unwrap_or((line, ""));
            for name in full.split_whitespace().chain(short.split_whitespace()) {
                let v = m.entry(fold(name)).or_default();
                if !v.contains(&(id as u16)) {
                    v.push(id as u16);
                }
            }
        }
        m
    })
}

/// The nickname lines a folded name is on (empty for most names).
pub fn nickname_classes(folded: &str) -> &'static [u16] {
    table().get(folded).map_or(&[], |v| v.as_slice())
}

/// Are two folded names a full name and its short form (or two short forms
/// of one name)? Equal names are not a nickname pair.
pub fn is_nickname_pair(a: &str, b: &str) -> bool {
    a != b && {
        let cb = nickname_classes(b);
        nickname_classes(a).iter().any(|c| cb.contains(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_forms_meet_their_full_names() {
        let pair = |a: &str, b: &str| is_nickname_pair(&fold(a), &fold(b));
        assert!(pair("BILL", "WILLIAM"));
        assert!(pair("SASHA", "ALEKSANDR"));
        assert!(pair("SASHA", "ALEKSANDRA"));
        assert!(pair("PEPE", "JOSE"));
        assert!(pair("WILLIAM", "BILL"));
        assert!(!pair("BILL", "ROBERT"));
        assert!(!pair("WILLIAM", "WILLIAM"));
        assert!(nickname_classes(&fold("SMITH")).is_empty());
    }
}
