//! Other readings of one spelling: a Slavic name written by the German,
//! Czech or French romanisation of Cyrillic read the English way, the given
//! names beside an East Slavic surname, and Somali spelling. Kept on the
//! token beside its fold ([`Token::alternates`]) and compared and indexed
//! like it. See `docs/matching.md`.

use super::normalize::{fold, is_vowel, Token};
use compact_str::CompactString;

/// Endings of East Slavic surnames and patronymics, folded: the other
/// readings are kept only for tokens that end so once re-read.
const SLAVIC_ENDINGS: &[&str] =
    &["OV", "EV", "OVA", "EVA", "IN", "INA", "ENKO", "UK", "SKI", "SKAIA", "ICH", "OVNA", "EVNA"];

/// A Slavic name written by the German, Czech or French romanisation of
/// Cyrillic, read the English way and folded; several when the writing
/// leaves it open. German writes Ж as SCH (SCHUKOW / ZHUKOV), Ц as Z
/// (SAIZEW / ZAITSEV), Я Ю Е at the start as JA JU JE (JAKOWLEW /
/// YAKOVLEV); Czech and Croatian writing without its háčeks have Ц as C
/// (KUZNECOVA / KUZNETSOVA); French writes Ш as CH (KHROUCHTCHEV /
/// KHRUSHCHEV) and ends -INE (ELTSINE / ELTSIN); writing that lost its
/// háčeks has C for Č (SEVCENKO / SHEVCHENKO, JURIC / JURICH). What the fold already
/// evens out (W / V, TSCH / CH, OU / U, inner J / Y) needs no reading.
/// Only tokens that end as Slavic surnames and patronymics do once re-read
/// get readings, so JUAN is not read YUAN nor GONZALEZ GONTSALETS.
pub fn other_readings(t: &str) -> Vec<String> {
    let mut out = cyrillic_readings(t, |f| SLAVIC_ENDINGS.iter().any(|e| f.ends_with(e)));
    if t.len() >= 4 && t.bytes().all(|c| c.is_ascii_uppercase()) {
        if let Some(r) = somali_reading(t.as_bytes()) {
            let f = fold(&r);
            if f != fold(t) && !out.contains(&f) {
                out.push(f);
            }
        }
    }
    out
}

/// Endings that make a whole name East Slavic (surnames and patronymics,
/// folded): stricter than [`SLAVIC_ENDINGS`], which also has -IN, -UK, -ICH
/// that other languages end names with too.
const SLAVIC_NAME_ENDINGS: &[&str] =
    &["OV", "EV", "OVA", "EVA", "ENKO", "SKI", "SKAIA", "OVICH", "EVICH", "OVNA", "EVNA"];

/// Is this token, as folded or as one of its readings, an East Slavic
/// surname or patronymic? Then the given names beside it are read the
/// German, Czech and French ways too ([`slavic_given_readings`]).
pub fn is_slavic_surname(t: &Token) -> bool {
    !t.abjad
        && std::iter::once(&t.folded).chain(t.alternates()).any(|f| SLAVIC_NAME_ENDINGS.iter().any(|e| f.ends_with(e)))
}

/// A given name beside an East Slavic surname, read as the German, Czech or
/// French romanisation of Cyrillic whatever it ends with: JULIJA / YULIYA,
/// JEGOR / YEGOR, SERGEJ / SERGUEI / SERGEY, JEWGENI / YEVGENIY.
pub fn slavic_given_readings(t: &str) -> Vec<String> {
    cyrillic_readings(t, |_| true)
}

/// Add readings to a token's alternates (folded, not its own fold, once each).
pub fn add_alternates(t: &mut Token, readings: Vec<String>) {
    let mut all: Vec<CompactString> = t.alternates().to_vec();
    push_readings(&mut all, &t.folded, readings);
    t.alternates = (!all.is_empty()).then(|| all.into_boxed_slice());
}

/// Append the readings that are neither the token's own fold nor already there.
pub(super) fn push_readings(all: &mut Vec<CompactString>, own: &str, readings: Vec<String>) {
    for r in readings {
        if r != own && !all.iter().any(|a| *a == r) {
            all.push(r.into());
        }
    }
}

/// The German, French and háček-less Czech readings of `t`, folded, those
/// `keep` accepts.
fn cyrillic_readings(t: &str, keep: impl Fn(&str) -> bool) -> Vec<String> {
    let b = t.as_bytes();
    if b.len() < 4 || !b.iter().all(u8::is_ascii_uppercase) {
        return Vec::new();
    }
    let at = |i: usize, pat: &[u8]| b.len() >= i + pat.len() && &b[i..i + pat.len()] == pat;
    // Most names have none of the letters the readings rewrite (C, Z, J,
    // GU, a final -INE): they read the same every way.
    let rewritable = b.iter().any(|c| matches!(c, b'C' | b'Z' | b'J'))
        || b.windows(2).any(|w| w == b"GU")
        || b.ends_with(b"INE")
        || b.ends_with(b"YNE");
    if !rewritable {
        return Vec::new();
    }
    // Czech-style C (not in CH, CK, SC) is Ц; then Z is З, not Ц.
    let czech = (0..b.len()).any(|i| b[i] == b'C' && !at(i, b"CH") && !at(i, b"CK") && (i == 0 || b[i - 1] != b'S'));
    let mut german = Vec::with_capacity(b.len() + 4);
    let mut i = 0;
    while i < b.len() {
        let (rep, n): (&[u8], usize) = if at(i, b"SCHTSCH") {
            (b"SHCH", 7)
        } else if at(i, b"TSCH") {
            (b"CH", 4)
        } else if at(i, b"SCH") {
            (b"ZH", 3)
        } else if at(i, b"CH") || at(i, b"CK") || at(i, b"ZH") {
            (&b[i..i + 2], 2)
        } else if (b[i] == b'C' && czech && (i == 0 || b[i - 1] != b'S')) || (b[i] == b'Z' && !czech) {
            (b"TS", 1)
        } else if b[i] == b'J'
            && ((i == 0 && is_vowel(b[1]))
                || (i > 0 && is_vowel(b[i - 1]) && !b.get(i + 1).is_some_and(|c| is_vowel(*c))))
        {
            // Й after a vowel (SERGEJ, NIKOLAJ) and Я Ю Е at the start (JULIJA).
            (b"Y", 1)
        } else {
            (&b[i..i + 1], 1)
        };
        german.extend_from_slice(rep);
        i += n;
    }
    let mut french = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let (rep, n): (&[u8], usize) = if at(i, b"CHTCH") {
            (b"SHCH", 5)
        } else if at(i, b"TCH") || at(i, b"SCH") {
            (&b[i..i + 3], 3)
        } else if at(i, b"CH") && (i == 0 || b[i - 1] != b'K') {
            (b"SH", 2)
        } else if at(i, b"GUE") || at(i, b"GUI") {
            (b"G", 2)
        } else {
            (&b[i..i + 1], 1)
        };
        french.extend_from_slice(rep);
        i += n;
    }
    if french.ends_with(b"INE") || french.ends_with(b"YNE") {
        french.pop();
    }
    // Written without its háčeks (ŠEVČENKO as SEVCENKO, JURIĆ as JURIC): C is Č.
    let hacek: Vec<u8> = if czech {
        let mut v = Vec::with_capacity(b.len() + 2);
        for i in 0..b.len() {
            v.push(b[i]);
            if b[i] == b'C' && !at(i, b"CH") && !at(i, b"CK") && (i == 0 || b[i - 1] != b'S') {
                v.push(b'H');
            }
        }
        v
    } else {
        Vec::new()
    };
    let own = fold(t);
    let mut out: Vec<String> = Vec::new();
    for r in [german, french, hacek] {
        let f = fold(std::str::from_utf8(&r).unwrap_or_default());
        if f != own && keep(&f) && !out.contains(&f) {
            out.push(f);
        }
    }
    out
}

/// A name in Somali spelling read the English way: X is Ḥ (MAXAMED /
/// MAHAMED, XASAN / HASAN), C is the ʿayn English spellings leave out (CABDI / ABDI,
/// CABDIRAXMAAN / ABDIRAHMAN), long vowels are doubled (the fold writes
/// them once). Only for tokens that show it: an X not before I, U or Y (pinyin's
/// X), a doubled vowel, or a C before a consonant other spellings do not write
/// (SACDIYA); CARLOS is not read ARLOS, nor CABDI alone ABDI.
pub(super) fn somali_reading(b: &[u8]) -> Option<String> {
    let doubled_vowel = b.windows(2).any(|w| w[0] == w[1] && is_vowel(w[0]));
    // Pinyin's X comes before I or U only (XIAO, CHAOXUE, YINGXIU); an X
    // before anything else is Somali (XASAN, MAXAMED, CABDIRAXMAAN, FAARAX).
    let x = (0..b.len()).any(|i| b[i] == b'X' && !matches!(b.get(i + 1), Some(b'I' | b'U' | b'Y')));
    let c_before_consonant = b
        .windows(2)
        .any(|w| w[0] == b'C' && !is_vowel(w[1]) && !matches!(w[1], b'H' | b'K' | b'L' | b'R' | b'Y' | b'Z' | b'C'));
    if !(doubled_vowel || x || c_before_consonant) || !b.iter().any(|c| matches!(c, b'X' | b'C')) {
        return None;
    }
    let mut r = String::with_capacity(b.len());
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'X' => r.push('H'),
            b'C' if !matches!(b.get(i + 1), Some(b'H' | b'K')) => {}
            _ => r.push(c as char),
        }
    }
    Some(r)
}
