//! A coarse key for names written in two scripts: a name in Cyrillic,
//! Greek, Arabic or Hebrew script meets a Latin spelling written by another
//! language's rules (CURIE / КЮРИ, PÖHLMANN / ПЕЛЬМАН, GUPTA / غوبتا,
//! PAVLO / פבלו), where letter-by-letter folding does not reach. The key
//! keeps the consonants in classes that the scripts confuse (B P F V; D T;
//! G K Q; the sibilants and affricates S Z SH CH TS J), drops vowels and
//! the letters scripts write as vowels or leave out (H, W, Y), and writes
//! each run once. Two names with one key of three classes or more are taken
//! for one name written twice (see `docs/matching.md`).

/// Fewest consonant classes for a key to count: two-class keys meet by chance.
pub const MIN_KEY: usize = 3;

/// The coarse key of a token as written (upper-case ASCII, before the fold:
/// the fold reads C as K, which Polish CZ and Italian CE are not).
pub fn coarse_key(text: &str) -> String {
    let b = text.as_bytes();
    let at = |i: usize, pat: &[u8]| b.len() >= i + pat.len() && &b[i..i + pat.len()] == pat;
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let (class, n): (Option<u8>, usize) = if at(i, b"TSCH") {
            (Some(b'S'), 4)
        } else if at(i, b"SCH") || at(i, b"DZH") {
            (Some(b'S'), 3)
        } else if [&b"CZ"[..], b"SZ", b"CS", b"ZS", b"TZ", b"TS", b"SH", b"CH", b"ZH", b"DZ", b"DJ", b"DS"]
            .iter()
            .any(|p| at(i, p))
        {
            (Some(b'S'), 2)
        } else if at(i, b"KH") {
            // Х stands for the H of other languages as often as for a K.
            (None, 2)
        } else if at(i, b"GH") || at(i, b"CK") {
            (Some(b'K'), 2)
        } else if at(i, b"PH") || at(i, b"TH") {
            (Some(class_of(b[i])), 2)
        } else if b[i] == b'X' {
            out.push(b'K');
            (Some(b'S'), 1)
        } else if b[i] == b'C' {
            (Some(if matches!(b.get(i + 1), Some(b'E' | b'I' | b'Y')) { b'S' } else { b'K' }), 1)
        } else {
            let c = class_of(b[i]);
            (if c == 0 { None } else { Some(c) }, 1)
        };
        if let Some(k) = class {
            if out.last() != Some(&k) {
                out.push(k);
            }
        }
        i += n;
    }
    String::from_utf8(out).unwrap_or_default()
}

/// The class of one letter (0 for letters the key drops).
fn class_of(c: u8) -> u8 {
    match c {
        b'B' | b'P' | b'F' | b'V' => b'P',
        b'D' | b'T' => b'T',
        b'G' | b'K' | b'Q' => b'K',
        b'S' | b'Z' | b'J' => b'S',
        b'L' | b'R' | b'M' | b'N' => c,
        _ => 0,
    }
}

/// Does a transliterated Cyrillic token read as Japanese in the Russian
/// (Polivanov) system: open syllables of Japanese sounds only, no L, F, V,
/// ZH, SH or CH? Then its ТИ is Hepburn's CHI (ТИДЗИМАЦУ / CHIJIMATSU).
fn polivanov(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() < 3 || text.contains("SH") || text.contains("CH") || text.contains("ZH") {
        return false;
    }
    let vowel = |c: u8| matches!(c, b'A' | b'E' | b'I' | b'O' | b'U');
    for (i, &c) in b.iter().enumerate() {
        let next = b.get(i + 1).copied();
        let ok = match c {
            b'L' | b'F' | b'V' | b'X' | b'Y' | b'W' | b'C' | b'J' | b'Q' => false,
            _ if vowel(c) => true,
            // N closes a syllable; a doubled consonant is a Japanese geminate.
            b'N' => true,
            b'D' if next == Some(b'Z') => true,
            b'T' if next == Some(b'S') => true,
            b'K' if next == Some(b'H') => true,
            _ => next.is_some_and(|n| vowel(n) || n == c || (c == b'M' && matches!(n, b'B' | b'P'))),
        };
        if !ok {
            return false;
        }
    }
    true
}

/// The coarse keys of a token: its own, and for a Cyrillic name that reads
/// as Japanese, its key with ТИ read CHI.
pub fn coarse_keys(text: &str, native: bool) -> Vec<String> {
    let mut out = vec![coarse_key(text)];
    if native && text.contains("TI") && polivanov(text) {
        out.push(coarse_key(&text.replace("TI", "CHI")));
    }
    out
}

/// Endings of East Slavic and Greek surnames, patronymics and given names as
/// transliterated: such a name in Cyrillic or Greek script is in its own
/// script, where the transliteration rules meet it, and names of one
/// culture share too much of a coarse key (TIMOSHENKO / TKACHENKO).
const DOMESTIC_ENDINGS: &[&str] = &[
    "KO", "OV", "EV", "OVA", "EVA", "IN", "INA", "SKI", "SKII", "SKY", "SKAIA", "UK", "YK", "ICH", "VNA", "IS", "OS",
    "AS", "OU", "II", "IA",
];

/// Does a transliterated Cyrillic or Greek token end as the names of that script's own people do?
pub fn domestic(text: &str) -> bool {
    DOMESTIC_ENDINGS.iter().any(|e| text.ends_with(e))
}

/// Do two tokens (as written) share a coarse key of [`MIN_KEY`] classes or more?
pub fn coarse_match(a: &str, b: &str) -> bool {
    let ka = coarse_key(a);
    ka.len() >= MIN_KEY && ka == coarse_key(b)
}

/// The coarse key without a leading Arabic article (AL-, EL-), which the
/// other script may leave out (ALDALI / EDDALI).
pub fn without_article(key: &str) -> Option<&str> {
    key.strip_prefix('L').filter(|rest| rest.len() >= MIN_KEY)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::normalize::transliterate;

    fn key(s: &str) -> String {
        coarse_key(&transliterate(s).0)
    }

    #[test]
    fn names_written_by_sound_share_a_key() {
        for (latin, other) in [
            ("GUPTA", "غوبتا"),
            ("PAVLO", "פבלו"),
            ("KOMAROV", "קומארוב"),
            ("PICKARD", "بيكارد"),
            ("DANDENO", "дандено"),
            ("TUPOLEV", "טופולב"),
            ("JAKIEVICH", "جاكيفيتش"),
        ] {
            assert_eq!(key(latin), key(other), "{latin} / {other}");
        }
        assert_ne!(key("SMITH"), key("JONES"));
        assert!(!coarse_match("EVA", "AVA"), "two classes are too few");
    }

    #[test]
    fn japanese_in_cyrillic_reads_ti_as_chi() {
        let k = |s: &str| coarse_keys(&transliterate(s).0, true);
        assert!(k("тидзимацу").contains(&coarse_key("CHIJIMATSU")));
        assert!(k("ёкомати").contains(&coarse_key("YOKOMACHI")));
        // A Russian name is not read so.
        assert_eq!(k("Тимофеев").len(), 1);
    }

    #[test]
    fn names_of_the_scripts_own_people_are_left_to_transliteration() {
        for t in ["TIMOSHENKO", "PETROV", "SERGEEVNA", "PAPADOPOULOS", "NATALIIA"] {
            assert!(domestic(t), "{t}");
        }
        assert!(!domestic("KIURI") && !domestic("DANDENO"));
    }

    #[test]
    fn the_article_may_be_left_out() {
        assert_eq!(without_article("LSMN"), Some("SMN"));
        assert_eq!(without_article("LSM"), None);
    }
}
