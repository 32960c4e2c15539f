//! Similarity of two name tokens (0..1): equal after folding, Jaro-Winkler
//! blended with the edit distance, and the rescues for what the fold and the
//! blend get wrong (romanisation variants, one typo, one vowel, doubled
//! letters, known variants, abjad consonants, names in two scripts by their
//! coarse key). See `docs/matching.md`.

use super::normalize::{consonants, same_variant_class, strong_consonants, Token};
use strsim::jaro_winkler;

/// An initial against a name with that initial (J / JOHN): above the floor, below a typo.
const INITIAL_SIMILARITY: f64 = 0.88;
/// Below this a token pair counts as not matching at all.
pub const TOKEN_FLOOR: f64 = 0.86;

/// Jaro-Winkler similarity of two ASCII byte strings, without allocating
/// (tokens of up to 64 bytes; longer ones fall back to `strsim`). Equal to
/// `strsim::jaro_winkler` on the same input (a property test checks it).
#[allow(clippy::needless_range_loop)] // matching windows index both strings
pub fn jaro_winkler_ascii(a: &[u8], b: &[u8]) -> f64 {
    if a.len() > 64 || b.len() > 64 {
        return jaro_winkler(std::str::from_utf8(a).unwrap_or(""), std::str::from_utf8(b).unwrap_or(""));
    }
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut b_used = 0u64;
    let mut a_match = 0u64;
    let mut matches = 0usize;
    for (i, &ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        for j in lo..hi {
            if b_used & (1 << j) == 0 && b[j] == ca {
                b_used |= 1 << j;
                a_match |= 1 << i;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut j = 0usize;
    for (i, &ca) in a.iter().enumerate() {
        if a_match & (1 << i) != 0 {
            while b_used & (1 << j) == 0 {
                j += 1;
            }
            if ca != b[j] {
                transpositions += 1;
            }
            j += 1;
        }
    }
    let m = matches as f64;
    let jaro = (m / a.len() as f64 + m / b.len() as f64 + (m - (transpositions / 2) as f64) / m) / 3.0;
    if jaro <= 0.7 {
        return jaro;
    }
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count() as f64;
    jaro + 0.1 * prefix * (1.0 - jaro)
}

/// Optimal string alignment distance (Levenshtein plus adjacent
/// transpositions) of two byte strings, without allocating for tokens of up
/// to 32 bytes; longer ones go to `strsim`. Equal to `strsim::osa_distance`
/// on ASCII (a property test checks it).
pub fn osa_distance_ascii(a: &[u8], b: &[u8]) -> usize {
    const N: usize = 33;
    if a.len() >= N || b.len() >= N {
        return strsim::osa_distance(std::str::from_utf8(a).unwrap_or(""), std::str::from_utf8(b).unwrap_or(""));
    }
    // Three rows of the dynamic programme (i-2, i-1, i), rotated by index.
    let mut rows = [[0u8; N]; 3];
    for (j, v) in rows[0].iter_mut().enumerate().take(b.len() + 1) {
        *v = j as u8;
    }
    for i in 1..=a.len() {
        let (cur, prev, prev2) = (i % 3, (i + 2) % 3, (i + 1) % 3);
        rows[cur][0] = i as u8;
        for j in 1..=b.len() {
            let cost = u8::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[prev][j] + 1).min(rows[cur][j - 1] + 1).min(rows[prev][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[prev2][j - 2] + 1);
            }
            rows[cur][j] = d;
        }
    }
    rows[a.len() % 3][b.len()] as usize
}

fn jw(a: &str, b: &str) -> f64 {
    jaro_winkler_ascii(a.as_bytes(), b.as_bytes())
}

/// Similarity of two tokens in 0..1.
pub fn token_similarity(a: &Token, b: &Token) -> f64 {
    let s = spelling_similarity(a, b);
    // A name in another script against a Latin spelling that another
    // language's rules wrote (CURIE / КЮРИ, GUPTA / غوبتا): one coarse key.
    if s < TOKEN_FLOOR && (a.abjad != b.abjad || a.native != b.native) && !a.hangul && !b.hangul {
        return s.max(cross_script(a, b));
    }
    s
}

/// How a name in another script and a Latin one meet by their coarse keys
/// (the article of the abjad one may be left out): one key → above the
/// floor; else 0 (keys one edit apart were tried: they cost the index a
/// fifth of its speed on a large list for a point of recall).
fn cross_script(a: &Token, b: &Token) -> f64 {
    use super::phonetic::{coarse_keys, domestic, without_article, MIN_KEY};
    // A Slavic or Greek name in its own script is met by the transliteration
    // rules; the coarse key is for names that script wrote by sound.
    if (a.native && domestic(&a.text)) || (b.native && domestic(&b.text)) {
        return 0.0;
    }
    let (ka, kb) = (coarse_keys(&a.text, a.native), coarse_keys(&b.text, b.native));
    for x in &ka {
        for y in &kb {
            if x == y && x.len() >= MIN_KEY {
                return CROSS_SCRIPT_SIMILARITY;
            }
            let (abjad_key, latin_key) = if a.abjad { (x, y) } else { (y, x) };
            if (a.abjad || b.abjad) && without_article(abjad_key) == Some(latin_key.as_str()) {
                return CROSS_SCRIPT_SIMILARITY;
            }
        }
    }
    0.0
}

/// Two names in two scripts with one coarse key: at the floor's level,
/// above it by a little.
const CROSS_SCRIPT_SIMILARITY: f64 = 0.87;

/// Similarity of two tokens by their spellings (see [`token_similarity`]).
fn spelling_similarity(a: &Token, b: &Token) -> f64 {
    // Two syllables written in Hangul are one name only when they are one syllable.
    if a.hangul && b.hangul {
        return if a.text == b.text { 1.0 } else { 0.0 };
    }
    if a.folded == b.folded {
        return 1.0;
    }
    if a.abjad || b.abjad {
        let (ca, cb) = (consonants(&a.folded), consonants(&b.folded));
        if ca.is_empty() || cb.is_empty() {
            return 0.0;
        }
        if ca == cb {
            return 0.95;
        }
        let s = 0.95 * jw(&ca, &cb);
        if s < TOKEN_FLOOR {
            let (sa, sb) = (strong_consonants(&a.folded), strong_consonants(&b.folded));
            if !sa.is_empty() && sa == sb {
                return ABJAD_WEAK_SIMILARITY;
            }
        }
        return s;
    }
    let (at, bt) = (a.text.as_bytes(), b.text.as_bytes());
    // An initial against a full name.
    if at.len() == 1 || bt.len() == 1 {
        return if at[0] == bt[0] { INITIAL_SIMILARITY } else { 0.0 };
    }
    // The folded forms' edit distance, computed once for the blend and the rules below.
    let (af, bf) = (a.folded.as_bytes(), b.folded.as_bytes());
    let folded_edits = osa_distance_ascii(af, bf);
    let mut s = blend(jaro_winkler_ascii(af, bf), folded_edits, af.len(), bf.len());
    // The fold can make a one-letter variant look like more (SATO / SATOU
    // fold to SATO / SATU, KHALIL / KALIL to HALIL / KALIL): the letters as
    // written get a say while the folded forms stay one edit apart (as far as
    // the index's deletion keys reach).
    if s < TOKEN_FLOOR && (a.text != a.folded || b.text != b.folded) && af.len().min(bf.len()) >= 4 && folded_edits <= 1
    {
        s = s.max(blended(&a.text, &b.text));
    }
    for j in a.alternates() {
        s = s.max(blended(j, &b.folded));
    }
    for j in b.alternates() {
        s = s.max(blended(&a.folded, j));
    }
    // Same skeleton on a long token, same first letter and close spelling: a
    // romanisation variant (MOHAMED / MUHAMAD), not another name (HASAN / HUSEYIN).
    if a.skeleton.len() >= 6 && a.skeleton == b.skeleton && at[0] == bt[0] && s >= 0.75 {
        s = s.max(0.9);
    }
    // One typo in a name of four letters (JAMES / JVMES, REKHA / REKH), in
    // the folded or the written form (NANAMI / NNAMI fold two apart): the
    // blend puts some of these just under the floor.
    if s < TOKEN_FLOOR
        && at[0] == bt[0]
        && ((folded_edits == 1 && long_enough_for_one_edit(af.len(), bf.len())) || one_edit(at, bt))
    {
        s = s.max(ONE_EDIT_SIMILARITY);
    }
    if s < TOKEN_FLOOR && same_variant_class(a, b) {
        s = s.max(KNOWN_VARIANT_SIMILARITY);
    }
    if s < TOKEN_FLOOR {
        // One vowel written differently, all else equal (HIBA / HEBA, MEHDI /
        // MAHDI, AMRO / AMRU): how short names are romanised; two or more
        // differing vowels are another name (HASAN / HUSEIN), and so is one in
        // a name of one consonant (HO / HA, TA / TAI).
        if at[0] == bt[0] && a.skeleton.len() >= 4 && one_vowel_apart(a.folded.as_bytes(), b.folded.as_bytes()) {
            s = s.max(VOWEL_VARIANT_SIMILARITY);
        }
        // A doubled letter (LE / LEE, ADEYEMI / ADEYEMMI).
        if undoubled_eq(at, bt) {
            s = s.max(DOUBLED_LETTER_SIMILARITY);
        }
    }
    s
}

/// One edit apart (after folding), four letters on one side, same first letter: just at the floor.
const ONE_EDIT_SIMILARITY: f64 = TOKEN_FLOOR;
/// Two names of one class in `data/name-variants.txt`.
const KNOWN_VARIANT_SIMILARITY: f64 = 0.92;
/// An abjad name equal to a Latin one once the weak consonants (H, V) are set aside.
const ABJAD_WEAK_SIMILARITY: f64 = 0.88;
/// One vowel written differently, everything else equal.
const VOWEL_VARIANT_SIMILARITY: f64 = 0.88;
/// Equal once doubled letters are written once.
const DOUBLED_LETTER_SIMILARITY: f64 = 0.93;

/// One edit apart (OSA), one of the two of four letters or more, neither under three.
fn one_edit(a: &[u8], b: &[u8]) -> bool {
    long_enough_for_one_edit(a.len(), b.len()) && osa_distance_ascii(a, b) == 1
}

fn long_enough_for_one_edit(a_len: usize, b_len: usize) -> bool {
    a_len.min(b_len) >= 3 && a_len.max(b_len) >= 4
}

/// Do two folded tokens have the same consonants in the same places, with
/// exactly one run of vowels spelled differently?
pub(super) fn one_vowel_apart(a: &[u8], b: &[u8]) -> bool {
    use super::normalize::is_vowel;
    let (mut i, mut j, mut differing) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        if is_vowel(a[i]) && is_vowel(b[j]) {
            let (si, sj) = (i, j);
            while i < a.len() && is_vowel(a[i]) {
                i += 1;
            }
            while j < b.len() && is_vowel(b[j]) {
                j += 1;
            }
            if a[si..i] != b[sj..j] {
                differing += 1;
            }
        } else if a[i] == b[j] && !is_vowel(a[i]) {
            i += 1;
            j += 1;
        } else {
            return false;
        }
    }
    i == a.len() && j == b.len() && differing == 1
}

/// Equal when runs of one letter count once.
pub(super) fn undoubled_eq(a: &[u8], b: &[u8]) -> bool {
    let mut x = a.iter().copied().peekable();
    let mut y = b.iter().copied().peekable();
    loop {
        match (x.next(), y.next()) {
            (None, None) => return true,
            (Some(p), Some(q)) if p == q => {
                while x.peek() == Some(&p) {
                    x.next();
                }
                while y.peek() == Some(&q) {
                    y.next();
                }
            }
            _ => return false,
        }
    }
}

/// Jaro-Winkler, tempered by the edit distance. Jaro-Winkler is generous on
/// short tokens (SAAD / SAUD, THANH / THANG): there one edit is a large share
/// of the name, so the edit distance (optimal string alignment: a
/// transposition counts once) weighs in; on longer tokens with less weight.
fn blended(a: &str, b: &str) -> f64 {
    blend(jw(a, b), osa_distance_ascii(a.as_bytes(), b.as_bytes()), a.len(), b.len())
}

/// [`blended`] from a Jaro-Winkler similarity and an edit distance already computed.
fn blend(s: f64, edits: usize, a_len: usize, b_len: usize) -> f64 {
    let short = a_len.min(b_len);
    let longest = a_len.max(b_len).max(1) as f64;
    let edit = (1.0 - edits as f64 / longest).max(0.0);
    if short <= 5 {
        (2.0 * s + edit) / 3.0
    } else {
        (3.0 * s + edit) / 4.0
    }
}
