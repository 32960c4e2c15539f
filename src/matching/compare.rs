//! Comparing a passenger with a watchlist entry: names, date of birth,
//! document numbers, nationality. Every comparison returns evidence that
//! explains itself.

use super::normalize::{consonants, Token};
use crate::matching::watchlist::PartialDate;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use strsim::jaro_winkler;

/// Below this a token pair counts as not matching at all.
const TOKEN_FLOOR: f64 = 0.78;
/// Weight of each entry token by position: surname tokens, first given name, further given names.
const W_SURNAME: f64 = 1.0;
const W_FIRST_GIVEN: f64 = 0.8;
const W_MIDDLE: f64 = 0.35;
/// A middle name missing on one side is absence, not contradiction.
const MISSING_MIDDLE: f64 = 0.7;
/// Each extra name on the passenger's side costs this factor.
const EXTRA_TOKEN_FACTOR: f64 = 0.97;
/// Matching a surname against a given name (swapped fields) costs this factor.
const SWAP_FACTOR: f64 = 0.98;

/// A name ready for comparison: surname tokens then given-name tokens.
#[derive(Debug, Clone, Default)]
pub struct PreparedName {
    pub tokens: Vec<Token>,
    /// How many of `tokens` are the surname.
    pub surname_len: usize,
}

impl PreparedName {
    pub fn new(surname: &str, given: &str) -> PreparedName {
        let mut tokens = super::normalize::tokens(surname);
        let surname_len = tokens.len();
        tokens.extend(super::normalize::tokens(given));
        PreparedName {
            tokens,
            surname_len,
        }
    }
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
}

impl PreparedName {
    /// A full name as one string: `SURNAME, GIVEN NAMES`, or a plain full
    /// name whose last word is taken as the surname.
    pub fn parse_full(name: &str) -> PreparedName {
        match name.split_once(',') {
            Some((s, g)) => PreparedName::new(s, g),
            None => {
                let words: Vec<&str> = name.split_whitespace().collect();
                match words.split_last() {
                    Some((last, first)) if !first.is_empty() => {
                        PreparedName::new(last, &first.join(" "))
                    }
                    _ => PreparedName::new(name, ""),
                }
            }
        }
    }
}

/// The name score of two full names (see [`PreparedName::parse_full`]):
/// the larger of the two directions, so the order of the pair does not matter.
pub fn name_score(a: &str, b: &str) -> f64 {
    let (a, b) = (PreparedName::parse_full(a), PreparedName::parse_full(b));
    compare_names(&a, &b).score.max(compare_names(&b, &a).score)
}

/// Similarity of two tokens in 0..1.
pub fn token_similarity(a: &Token, b: &Token) -> f64 {
    if a.folded == b.folded {
        return 1.0;
    }
    if a.abjad || b.abjad {
        let (ca, cb) = (consonants(&a.folded), consonants(&b.folded));
        if ca.is_empty() || cb.is_empty() {
            return 0.0;
        }
        return if ca == cb {
            0.95
        } else {
            0.95 * jaro_winkler(&ca, &cb)
        };
    }
    let mut s = jaro_winkler(&a.folded, &b.folded);
    if let Some(j) = &a.joined {
        s = s.max(jaro_winkler(j, &b.folded));
    }
    if let Some(j) = &b.joined {
        s = s.max(jaro_winkler(&a.folded, j));
    }
    // Same skeleton on a long token: a romanisation variant (MOHAMED / MUHAMAD).
    if a.skeleton.len() >= 5 && a.skeleton == b.skeleton {
        s = s.max(0.94);
    }
    // An initial against a full name.
    if (a.text.len() == 1 || b.text.len() == 1) && a.text.as_bytes()[0] == b.text.as_bytes()[0] {
        s = s.max(0.85);
    } else if a.text.len() == 1 || b.text.len() == 1 {
        s = 0.0;
    }
    // Jaro-Winkler is generous on very short tokens: LI vs LIU.
    if a.folded.len().min(b.folded.len()) <= 3 {
        s *= 0.95;
    }
    s
}

/// How one entry token was matched.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TokenMatch {
    pub entry: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passenger: Option<String>,
    pub similarity: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NameEvidence {
    pub score: f64,
    pub tokens: Vec<TokenMatch>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub swapped: bool,
    #[serde(skip_serializing_if = "is_zero")]
    pub extra_passenger_tokens: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Compare an entry's name with a passenger's. The result is symmetric in
/// spirit but weighted by the entry's tokens: its surname must be found.
pub fn compare_names(entry: &PreparedName, pax: &PreparedName) -> NameEvidence {
    let (e, p) = (&entry.tokens, &pax.tokens);
    if e.is_empty() || p.is_empty() {
        return NameEvidence {
            score: 0.0,
            tokens: vec![],
            swapped: false,
            extra_passenger_tokens: 0,
        };
    }
    // Joined / split tokens: a passenger pair that spells one entry token
    // (ANNA MARIA / ANNAMARIA) and the reverse.
    let mut sims = vec![0.0f64; e.len() * p.len()];
    for (i, et) in e.iter().enumerate() {
        for (j, pt) in p.iter().enumerate() {
            sims[i * p.len() + j] = token_similarity(et, pt);
        }
    }
    // Greedy one-to-one assignment, best pairs first (names are short).
    let mut order: Vec<usize> = (0..sims.len())
        .filter(|k| sims[*k] >= TOKEN_FLOOR)
        .collect();
    order.sort_by(|a, b| {
        sims[*b]
            .partial_cmp(&sims[*a])
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.cmp(b))
    });
    let mut e_used: Vec<Option<(usize, f64)>> = vec![None; e.len()];
    let mut p_used = vec![false; p.len()];
    for k in order {
        let (i, j) = (k / p.len(), k % p.len());
        if e_used[i].is_none() && !p_used[j] {
            e_used[i] = Some((j, sims[k]));
            p_used[j] = true;
        }
    }
    // Split tokens: an unmatched entry token equal to two adjacent unmatched passenger tokens, and the reverse.
    for i in 0..e.len() {
        if e_used[i].is_some() {
            continue;
        }
        for j in 0..p.len().saturating_sub(1) {
            if !p_used[j]
                && !p_used[j + 1]
                && format!("{}{}", p[j].folded, p[j + 1].folded) == e[i].folded
            {
                e_used[i] = Some((j, 0.97));
                p_used[j] = true;
                p_used[j + 1] = true;
                break;
            }
        }
    }
    for i in 0..e.len().saturating_sub(1) {
        if e_used[i].is_some() || e_used[i + 1].is_some() {
            continue;
        }
        let joined = format!("{}{}", e[i].folded, e[i + 1].folded);
        if let Some(j) = (0..p.len()).find(|j| !p_used[*j] && p[*j].folded == joined) {
            e_used[i] = Some((j, 0.97));
            e_used[i + 1] = Some((j, 0.97));
            p_used[j] = true;
        }
    }

    let mut num = 0.0;
    let mut den = 0.0;
    let mut swapped = false;
    let mut out = Vec::with_capacity(e.len());
    let given_start = entry.surname_len;
    let pax_has_given = pax.tokens.len() > pax.surname_len;
    let unmatched_pax = p_used.iter().filter(|u| !**u).count();
    for (i, et) in e.iter().enumerate() {
        let w = if i < entry.surname_len {
            W_SURNAME
        } else if i == given_start {
            W_FIRST_GIVEN
        } else {
            W_MIDDLE
        };
        let s = match e_used[i] {
            Some((j, s)) => {
                let entry_is_surname = i < entry.surname_len;
                let pax_is_surname = j < pax.surname_len;
                if entry_is_surname != pax_is_surname
                    && entry.surname_len > 0
                    && pax.surname_len > 0
                    && pax_has_given
                {
                    swapped = true;
                }
                out.push(TokenMatch {
                    entry: et.text.clone(),
                    passenger: Some(p[j].text.clone()),
                    similarity: round3(s),
                });
                s
            }
            None => {
                out.push(TokenMatch {
                    entry: et.text.clone(),
                    passenger: None,
                    similarity: 0.0,
                });
                // A middle name the passenger does not give (and no passenger name is left over to contradict it).
                if i > given_start && unmatched_pax == 0 {
                    MISSING_MIDDLE
                } else {
                    0.0
                }
            }
        };
        num += w * s;
        den += w;
    }
    let mut score = if den > 0.0 { num / den } else { 0.0 };
    if swapped {
        score *= SWAP_FACTOR;
    }
    score *= EXTRA_TOKEN_FACTOR.powi(unmatched_pax as i32);
    NameEvidence {
        score: round3(score),
        tokens: out,
        swapped,
        extra_passenger_tokens: unmatched_pax,
    }
}

pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// What the dates of birth say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DobEvidence {
    /// Full dates equal.
    Exact,
    /// The entry knows only year and month, and they agree.
    YearMonth,
    /// The entry knows only the year, and it agrees.
    Year,
    /// Day and month exchanged (04-07 / 07-04).
    DayMonthSwapped,
    /// Same day and month, year one off.
    NearYear,
    /// Contradicting dates.
    Mismatch,
    /// One side has no date.
    Unknown,
}

impl DobEvidence {
    /// The adjustment this evidence makes to the name score.
    pub fn adjustment(self) -> f64 {
        match self {
            DobEvidence::Exact => 0.10,
            DobEvidence::YearMonth => 0.06,
            DobEvidence::Year => 0.03,
            DobEvidence::DayMonthSwapped => 0.03,
            DobEvidence::NearYear => 0.0,
            DobEvidence::Mismatch => -0.25,
            DobEvidence::Unknown => 0.0,
        }
    }
}

pub fn compare_dob(entry: Option<PartialDate>, pax: Option<NaiveDate>) -> DobEvidence {
    let (Some(e), Some(p)) = (entry, pax) else {
        return DobEvidence::Unknown;
    };
    let (py, pm, pd) = (p.year(), p.month(), p.day());
    match e {
        PartialDate::Year(y) => {
            if y == py {
                DobEvidence::Year
            } else {
                DobEvidence::Mismatch
            }
        }
        PartialDate::YearMonth(y, m) => {
            if y == py && m == pm {
                DobEvidence::YearMonth
            } else if y == py && m == pd && pd <= 12 {
                DobEvidence::DayMonthSwapped
            } else {
                DobEvidence::Mismatch
            }
        }
        PartialDate::Full(d) => {
            if d == p {
                DobEvidence::Exact
            } else if d.year() == py && d.month() == pd && d.day() == pm {
                DobEvidence::DayMonthSwapped
            } else if (d.year() - py).abs() == 1 && d.month() == pm && d.day() == pd {
                DobEvidence::NearYear
            } else {
                DobEvidence::Mismatch
            }
        }
    }
}

/// Normalise a document number: uppercase letters and digits only.
pub fn normalise_document(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The document number with the usual reading confusions folded (0/O, 1/I, 5/S, 8/B, 2/Z).
pub fn confusable_document(normalised: &str) -> String {
    normalised
        .chars()
        .map(|c| match c {
            'O' | 'Q' | 'D' => '0',
            'I' | 'L' => '1',
            'S' => '5',
            'B' => '8',
            'Z' => '2',
            'G' => '6',
            c => c,
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentEvidence {
    /// Same number (and issuer, where both give one).
    Exact,
    /// Same number but for reading confusions (0/O, 1/I, 5/S, 8/B).
    Confusable,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(e: (&str, &str), p: (&str, &str)) -> f64 {
        compare_names(&PreparedName::new(e.0, e.1), &PreparedName::new(p.0, p.1)).score
    }

    #[test]
    fn identical_and_transliterated() {
        assert_eq!(score(("VOLKOV", "DMITRIY"), ("VOLKOV", "DMITRIY")), 1.0);
        assert!(score(("VOLKOV", "DMITRIY"), ("ВОЛКОВ", "ДМИТРИЙ")) >= 0.99);
        assert!(score(("MUELLER", "HANS"), ("MÜLLER", "HANS")) >= 0.99);
        assert!(score(("AL-SAYED", "MOHAMMED"), ("ALSAYED", "MUHAMMAD")) >= 0.9);
    }

    #[test]
    fn swapped_fields() {
        let s = score(("OKAFOR", "CHINEDU"), ("CHINEDU", "OKAFOR"));
        assert!(s > 0.95 && s < 1.0, "{s}");
    }

    #[test]
    fn missing_and_extra_middle_names() {
        let s = score(("GARCIA", "MARIA ELENA"), ("GARCIA", "MARIA"));
        assert!(s >= 0.9, "{s}");
        let s = score(("GARCIA", "MARIA"), ("GARCIA", "MARIA ELENA"));
        assert!(s >= 0.9 && s < 1.0, "{s}");
    }

    #[test]
    fn joined_and_split_tokens() {
        assert!(score(("ROSSI", "ANNAMARIA"), ("ROSSI", "ANNA MARIA")) >= 0.95);
        assert!(score(("ROSSI", "ANNA MARIA"), ("ROSSI", "ANNAMARIA")) >= 0.95);
        assert!(score(("EL AMRANI", "YOUSSEF"), ("ELAMRANI", "YOUSSEF")) >= 0.95);
    }

    #[test]
    fn initials() {
        let s = score(("SMITH", "JOHN PAUL"), ("SMITH", "JOHN P"));
        assert!(s >= 0.9, "{s}");
        assert!(score(("SMITH", "JOHN"), ("SMITH", "K")) < 0.7);
    }

    #[test]
    fn typos() {
        assert!(score(("KOWALSKI", "PIOTR"), ("KOWALSKY", "PIOTR")) >= 0.9);
        assert!(score(("NAKAMURA", "HIROSHI"), ("NAKAMRUA", "HIROSHI")) >= 0.9);
    }

    #[test]
    fn different_people() {
        assert!(score(("SMITH", "JOHN"), ("SMITH", "ROBERT")) < 0.7);
        assert!(score(("SMITH", "JOHN"), ("JONES", "JOHN")) < 0.7);
        assert!(score(("MOHAMMED", "ALI"), ("MAHMOUD", "ALI")) < 0.9);
    }

    #[test]
    fn arabic_script_entry() {
        let e = PreparedName::new("محمد", "");
        let p = PreparedName::new("MOHAMMED", "");
        assert!(compare_names(&e, &p).score >= 0.9);
    }

    #[test]
    fn dob_rules() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let full = Some(PartialDate::Full(d("1979-11-02")));
        assert_eq!(compare_dob(full, Some(d("1979-11-02"))), DobEvidence::Exact);
        assert_eq!(
            compare_dob(full, Some(d("1979-02-11"))),
            DobEvidence::DayMonthSwapped
        );
        assert_eq!(
            compare_dob(full, Some(d("1980-11-02"))),
            DobEvidence::NearYear
        );
        assert_eq!(
            compare_dob(full, Some(d("1985-01-01"))),
            DobEvidence::Mismatch
        );
        assert_eq!(
            compare_dob(
                Some(PartialDate::YearMonth(1979, 11)),
                Some(d("1979-11-20"))
            ),
            DobEvidence::YearMonth
        );
        assert_eq!(
            compare_dob(Some(PartialDate::Year(1990)), Some(d("1990-05-05"))),
            DobEvidence::Year
        );
        assert_eq!(
            compare_dob(Some(PartialDate::Year(1990)), Some(d("1991-05-05"))),
            DobEvidence::Mismatch
        );
        assert_eq!(
            compare_dob(None, Some(d("1991-05-05"))),
            DobEvidence::Unknown
        );
    }

    #[test]
    fn document_confusions() {
        assert_eq!(normalise_document("nxr-7h2 k91"), "NXR7H2K91");
        assert_eq!(confusable_document("AB1O5"), confusable_document("A8I05"));
        assert_ne!(confusable_document("AB1O5"), confusable_document("AB1O6"));
    }
}
