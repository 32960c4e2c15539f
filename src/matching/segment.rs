//! Joined names cut back into the names a list knows: `ABDULRAHMANALI` as
//! `ABDUL RAHMAN ALI`, `JEANPIERRE` as `JEAN PIERRE` (machine-readable zones
//! and some departure control systems drop the spaces). One Aho-Corasick
//! automaton over every name token of the list finds, in one pass over the
//! joined word, every known name inside it; the cut with the fewest pieces
//! that covers the word exactly wins.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

/// Names shorter than this are no pieces (a two-letter name fits almost anywhere).
const MIN_PIECE: usize = 2;

/// The automaton over a list's name tokens.
#[derive(Debug, Default)]
pub struct Segmenter {
    automaton: Option<AhoCorasick>,
    /// The patterns, by the automaton's pattern id.
    names: Vec<String>,
}

impl Segmenter {
    /// Build over the given names (upper-case Latin; duplicates and names
    /// under two letters are left out).
    pub fn build<'a>(names: impl IntoIterator<Item = &'a str>) -> Segmenter {
        let mut names: Vec<String> = names
            .into_iter()
            .filter(|n| n.len() >= MIN_PIECE && n.bytes().all(|b| b.is_ascii_uppercase()))
            .map(str::to_string)
            .collect();
        names.sort_unstable();
        names.dedup();
        if names.is_empty() {
            return Segmenter::default();
        }
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .build(&names)
            .ok();
        Segmenter { automaton, names }
    }

    /// How many names the automaton holds.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Does it hold none?
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The cut of `word` into two or more known names with the fewest
    /// pieces, if one covers it exactly.
    pub fn segment(&self, word: &str) -> Option<Vec<&str>> {
        let ac = self.automaton.as_ref()?;
        let n = word.len();
        // best[k]: fewest pieces covering word[..k], and the piece ending there.
        let mut best: Vec<(u32, usize, usize)> = vec![(u32::MAX, 0, 0); n + 1];
        best[0].0 = 0;
        let mut found: Vec<(usize, usize, usize)> =
            ac.find_overlapping_iter(word).map(|m| (m.start(), m.end(), m.pattern().as_usize())).collect();
        found.sort_unstable();
        for (start, end, id) in found {
            let (pieces, _, _) = best[start];
            if pieces != u32::MAX && pieces + 1 < best[end].0 {
                best[end] = (pieces + 1, start, id);
            }
        }
        if best[n].0 == u32::MAX || best[n].0 < 2 {
            return None;
        }
        let mut out = Vec::with_capacity(best[n].0 as usize);
        let mut k = n;
        while k > 0 {
            let (_, start, id) = best[k];
            out.push(self.names[id].as_str());
            k = start;
        }
        out.reverse();
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joined_names_are_cut_into_known_names() {
        let s = Segmenter::build(["ABDUL", "RAHMAN", "ALI", "JEAN", "PIERRE", "ABDULRAHMAN", "AL", "I"]);
        // The fewest pieces: ABDULRAHMAN + ALI.
        assert_eq!(s.segment("ABDULRAHMANALI"), Some(vec!["ABDULRAHMAN", "ALI"]));
        assert_eq!(s.segment("JEANPIERRE"), Some(vec!["JEAN", "PIERRE"]));
        // A known name alone is no cut, an unknown rest no cover.
        assert_eq!(s.segment("PIERRE"), None);
        assert_eq!(s.segment("JEANPAUL"), None);
        assert_eq!(Segmenter::build([]).segment("JEANPIERRE"), None);
    }
}
