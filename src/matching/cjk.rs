//! Names written in Han characters, Hangul or kana, romanised the ways
//! travel documents write them, and Wade-Giles spellings read as pinyin.
//!
//! * Han: Hanyu Pinyin through the `pinyin` crate (MIT), without tones;
//!   a Chinese name is a one-character surname (or a two-character one
//!   such as 欧阳) and a given name written as one word (习近平 → XI JINPING).
//! * Hangul: decomposed into jamo (Unicode's algorithm) and romanised by
//!   the Revised Romanisation table below, one token a syllable; each
//!   syllable also keeps its McCune-Reischauer and usual passport spellings
//!   (정 JEONG / CHONG / JONG / JUNG) as other readings, and surnames their
//!   customary spellings (김 KIM, 이 LEE, 박 PARK). Two names both written in
//!   Hangul are compared syllable by syllable (김정은 is not 김종은).
//! * Kana: Hepburn through the `wana_kana` crate (MIT), long vowels written
//!   once as passports do (サトウ → SATO).
//! * Wade-Giles: a name with a Wade-Giles mark (HS, TS, TZ, a final IH,
//!   IEH) has each syllable also read as pinyin (HSI CHIN PING → XI JIN
//!   PING, MAO TSE TUNG → MAO ZE DONG).

use super::normalize::{add_alternates, fold, tokens_of_transliterated, Token};

/// Where the words being tokenised stand in the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The surname field.
    Surname,
    /// The given-names field.
    Given,
    /// A whole name, surname first (East Asian order).
    Full,
}

fn is_han(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
        || ('\u{3400}'..='\u{4DBF}').contains(&c)
        || ('\u{F900}'..='\u{FAFF}').contains(&c)
}

fn is_hangul(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

fn is_kana(c: char) -> bool {
    ('\u{3041}'..='\u{30FF}').contains(&c) && c != '\u{30FB}'
}

/// Does the text hold Han, Hangul or kana?
pub fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| is_han(c) || is_hangul(c) || is_kana(c))
}

/// The words of a name: split at spaces, commas and the middle dots of
/// Japanese and Korean writing.
fn words(s: &str) -> Vec<&str> {
    s.split(|c: char| c.is_whitespace() || matches!(c, ',' | '・' | '·' | '-' | '，' | '\u{3000}'))
        .filter(|w| !w.is_empty())
        .collect()
}

/// Two-character Chinese surnames.
const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "诸葛", "上官", "东方", "夏侯", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "令狐",
    "歐陽", "司馬", "諸葛",
];

/// Characters read otherwise as a surname than the dictionary's first reading.
fn han_surname_reading(c: char) -> Option<&'static str> {
    Some(match c {
        '曾' => "ZENG",
        '单' | '單' => "SHAN",
        '解' => "XIE",
        '区' | '區' => "OU",
        '查' => "ZHA",
        '仇' => "QIU",
        '盖' => "GE",
        '乐' | '樂' => "YUE",
        '翟' => "ZHAI",
        '覃' => "QIN",
        '朴' => "PIAO",
        '缪' => "MIAO",
        '召' => "SHAO",
        '秘' => "BI",
        '重' => "CHONG",
        '万' | '萬' => "WAN",
        _ => return None,
    })
}

/// Pinyin of a run of Han characters, upper case, syllables joined.
fn han_pinyin(s: &str, surname: bool) -> String {
    use pinyin::ToPinyin;
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if surname && i == 0 {
            if let Some(r) = han_surname_reading(c) {
                out.push_str(r);
                continue;
            }
        }
        match c.to_pinyin() {
            Some(p) => out.push_str(&p.plain().to_ascii_uppercase()),
            None => out.push_str(&deunicode::deunicode_char(c).unwrap_or("").trim().to_ascii_uppercase()),
        }
    }
    out.retain(|c| c.is_ascii_alphabetic());
    out
}

/// Revised Romanisation of the 19 initial consonants, 21 vowels and 28 finals.
const RR_INITIAL: [&str; 19] =
    ["G", "KK", "N", "D", "TT", "R", "M", "B", "PP", "S", "SS", "", "J", "JJ", "CH", "K", "T", "P", "H"];
const RR_VOWEL: [&str; 21] = [
    "A", "AE", "YA", "YAE", "EO", "E", "YEO", "YE", "O", "WA", "WAE", "OE", "YO", "U", "WO", "WE", "WI", "YU", "EU",
    "UI", "I",
];
const RR_FINAL: [&str; 28] = [
    "", "K", "K", "K", "N", "N", "N", "T", "L", "K", "M", "L", "L", "L", "P", "L", "M", "P", "P", "T", "T", "NG", "T",
    "T", "K", "T", "P", "T",
];

/// Other spellings of each piece: McCune-Reischauer without its marks and
/// the usual passport spellings.
fn initial_variants(rr: &str) -> &'static [&'static str] {
    match rr {
        "G" => &["G", "K"],
        "KK" => &["KK", "GG", "K"],
        "D" => &["D", "T"],
        "TT" => &["TT", "DD", "T"],
        "B" => &["B", "P"],
        "PP" => &["PP", "BB", "P"],
        "J" => &["J", "CH"],
        "JJ" => &["JJ", "CH", "J"],
        "R" => &["R", "L", ""],
        "S" => &["S", "SH"],
        "CH" => &["CH"],
        "K" => &["K"],
        "T" => &["T"],
        "P" => &["P"],
        "N" => &["N"],
        "M" => &["M"],
        "SS" => &["SS", "S"],
        "H" => &["H"],
        _ => &[""],
    }
}

fn vowel_variants(rr: &str) -> &'static [&'static str] {
    match rr {
        "EO" => &["EO", "O", "U"],
        "YEO" => &["YEO", "YO", "YU"],
        "EU" => &["EU", "U"],
        "U" => &["U", "OO"],
        "I" => &["I", "EE"],
        "UI" => &["UI", "EUI", "I"],
        "AE" => &["AE", "E"],
        "OE" => &["OE", "OI"],
        "A" => &["A"],
        "YA" => &["YA"],
        "YAE" => &["YAE"],
        "E" => &["E"],
        "YE" => &["YE"],
        "O" => &["O", "OH"],
        "WA" => &["WA"],
        "WAE" => &["WAE"],
        "YO" => &["YO"],
        "WO" => &["WO"],
        "WE" => &["WE"],
        "WI" => &["WI"],
        "YU" => &["YU"],
        _ => &[""],
    }
}

fn final_variants(rr: &str) -> &'static [&'static str] {
    match rr {
        "K" => &["K", "G"],
        "P" => &["P", "B"],
        "T" => &["T"],
        "N" => &["N"],
        "L" => &["L"],
        "M" => &["M"],
        "NG" => &["NG"],
        _ => &[""],
    }
}

/// Customary spellings of Korean surnames (the first is the token's text).
fn korean_surname(c: char) -> Option<&'static [&'static str]> {
    Some(match c {
        '김' => &["KIM", "GIM"],
        '이' => &["LEE", "YI", "RHEE", "I", "RI"],
        '박' => &["PARK", "PAK", "BAK"],
        '최' => &["CHOI", "CHOE"],
        '정' => &["JUNG", "JEONG", "CHUNG", "CHONG", "JONG"],
        '강' => &["KANG", "GANG"],
        '조' => &["CHO", "JO"],
        '윤' => &["YOON", "YUN"],
        '장' => &["JANG", "CHANG"],
        '임' => &["LIM", "IM", "YIM"],
        '한' => &["HAN"],
        '오' => &["OH", "O"],
        '서' => &["SEO", "SUH", "SO"],
        '신' => &["SHIN", "SIN"],
        '권' => &["KWON", "GWON"],
        '황' => &["HWANG"],
        '안' => &["AHN", "AN"],
        '송' => &["SONG"],
        '류' => &["RYU", "YOO", "YU", "RYOO"],
        '유' => &["YOO", "YU"],
        '전' => &["JEON", "JUN", "CHUN", "CHON"],
        '홍' => &["HONG"],
        '고' => &["KO", "GO"],
        '문' => &["MOON", "MUN"],
        '양' => &["YANG"],
        '손' => &["SON", "SOHN"],
        '배' => &["BAE", "PAE"],
        '백' => &["BAEK", "PAIK", "BAIK"],
        '허' => &["HEO", "HUR", "HO"],
        '남' => &["NAM"],
        '심' => &["SIM", "SHIM"],
        '노' => &["NOH", "ROH", "NO"],
        '하' => &["HA"],
        '곽' => &["KWAK", "GWAK"],
        '성' => &["SUNG", "SEONG"],
        '차' => &["CHA"],
        '주' => &["JOO", "JU", "CHU"],
        '우' => &["WOO", "U"],
        '구' => &["KOO", "GU", "KU"],
        '민' => &["MIN"],
        '진' => &["JIN", "CHIN"],
        '나' => &["NA", "RA"],
        '변' => &["BYUN", "BYEON", "PYON"],
        _ => return None,
    })
}

/// The jamo of a Hangul syllable: Revised Romanisation of its initial,
/// vowel and final.
fn jamo(c: char) -> (&'static str, &'static str, &'static str) {
    let s = c as u32 - 0xAC00;
    let (l, v, t) = (s / (21 * 28), (s % (21 * 28)) / 28, s % 28);
    (RR_INITIAL[l as usize], RR_VOWEL[v as usize], RR_FINAL[t as usize])
}

/// A Hangul syllable as a token: Revised Romanisation as its text (or a
/// surname's customary spelling), the other spellings as readings.
fn hangul_token(c: char, as_surname: bool) -> Option<Token> {
    let (i, v, f) = jamo(c);
    let rr = format!("{i}{v}{f}");
    let surname = if as_surname { korean_surname(c) } else { None };
    let text = surname.map_or(rr.as_str(), |s| s[0]);
    let mut t = tokens_of_transliterated(text, false).pop()?;
    let mut readings: Vec<String> = Vec::new();
    for a in initial_variants(i) {
        for b in vowel_variants(v) {
            for z in final_variants(f) {
                let r = fold(&format!("{a}{b}{z}"));
                if !r.is_empty() && !readings.contains(&r) {
                    readings.push(r);
                }
            }
        }
    }
    for s in surname.unwrap_or(&[]) {
        readings.push(fold(s));
    }
    add_alternates(&mut t, readings);
    // Compared by syllable: keep the Revised Romanisation as the text.
    t.text = rr.into();
    if let Some(s) = surname {
        // The customary spelling is what lists and passports show.
        t.text = s[0].into();
    }
    t.hangul = true;
    Some(t)
}

/// Kana in Hepburn, long vowels written once (SATOU → SATO, YUUKI → YUKI).
fn kana_romaji(s: &str) -> String {
    use wana_kana::ConvertJapanese;
    let mut r: String = s.to_romaji().to_ascii_uppercase();
    r.retain(|c| c.is_ascii_alphabetic());
    for (long, short) in [("OU", "O"), ("OO", "O"), ("UU", "U")] {
        r = r.replace(long, short);
    }
    r
}

/// One word of a CJK name as tokens (for the role it plays).
fn word_tokens(w: &str, role: Role, first_word: bool, out: &mut Vec<Token>) {
    let chars: Vec<char> = w.chars().collect();
    if chars.iter().all(|c| is_hangul(*c)) {
        let surname_first = (role == Role::Surname && chars.len() == 1) || (role == Role::Full && first_word);
        for (k, c) in chars.iter().enumerate() {
            out.extend(hangul_token(*c, surname_first && k == 0));
        }
        return;
    }
    if chars.iter().all(|c| is_han(*c)) {
        if role == Role::Full && first_word && chars.len() >= 2 {
            let split = if chars.len() >= 3 && COMPOUND_SURNAMES.iter().any(|s| w.starts_with(s)) { 2 } else { 1 };
            let (s, g): (String, String) = (chars[..split].iter().collect(), chars[split..].iter().collect());
            out.extend(tokens_of_transliterated(&han_pinyin(&s, true), false));
            out.extend(tokens_of_transliterated(&han_pinyin(&g, false), false));
        } else {
            let surname = role == Role::Surname || (role == Role::Full && first_word);
            out.extend(tokens_of_transliterated(&han_pinyin(w, surname), false));
        }
        return;
    }
    if chars.iter().any(|c| is_kana(*c)) {
        out.extend(tokens_of_transliterated(&kana_romaji(w), false));
        return;
    }
    let (text, abjad) = super::normalize::transliterate(w);
    out.extend(tokens_of_transliterated(&text, abjad));
}

/// Tokens of a name that holds Han, Hangul or kana (`None` for any other).
pub fn tokens(name: &str, role: Role) -> Option<Vec<Token>> {
    if !has_cjk(name) {
        return None;
    }
    let mut out = Vec::new();
    for (k, w) in words(name).into_iter().enumerate() {
        word_tokens(w, role, k == 0, &mut out);
    }
    Some(out)
}

/// Wade-Giles marks: a token that shows one makes the whole name read as
/// Wade-Giles.
pub fn is_wade_giles(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() >= 2
        && (b.starts_with(b"HS")
            || ((b.starts_with(b"TS") || b.starts_with(b"TZ") || b.starts_with(b"SZ")) && b.len() <= 5)
            || (b.len() <= 5 && (t.ends_with("IH") || t.ends_with("IEH"))))
}

/// A Wade-Giles syllable read as pinyin (several where Wade-Giles without its
/// apostrophes leaves it open: CHIN is JIN or QIN), folded; empty when the
/// token is no Wade-Giles syllable or reads the same.
pub fn wade_giles_readings(t: &str) -> Vec<String> {
    let initials: &[(&str, &[&str])] = &[
        ("CH", &["ZH", "CH", "J", "Q"]),
        ("HS", &["X"]),
        ("TS", &["Z", "C"]),
        ("TZ", &["Z", "C"]),
        ("SS", &["S"]),
        ("SZ", &["S"]),
        ("SH", &["SH"]),
        ("K", &["G", "K"]),
        ("T", &["D", "T"]),
        ("P", &["B", "P"]),
        ("J", &["R"]),
        ("M", &["M"]),
        ("F", &["F"]),
        ("N", &["N"]),
        ("L", &["L"]),
        ("H", &["H"]),
        ("Y", &["Y"]),
        ("W", &["W"]),
        ("S", &["S"]),
        ("", &[""]),
    ];
    if t.len() > 6 || !t.bytes().all(|c| c.is_ascii_uppercase()) {
        return Vec::new();
    }
    let Some((ini, options)) = initials.iter().find(|(i, _)| t.starts_with(i)) else { return Vec::new() };
    let fin = &t[ini.len()..];
    let sibilant = matches!(*ini, "CH" | "SH" | "J" | "TS" | "TZ" | "SS" | "SZ");
    let fin: String = match fin {
        "IH" if sibilant => "I".into(),
        "U" if matches!(*ini, "TZ" | "TS" | "SS" | "SZ") => "I".into(),
        "O" if matches!(*ini, "K" | "H") => "E".into(),
        "ERH" => "ER".into(),
        _ => {
            let mut f = fin.to_string();
            for (a, b) in [("IEH", "IE"), ("UEH", "UE"), ("IEN", "IAN"), ("IUNG", "IONG"), ("UNG", "ONG"), ("EH", "E")]
            {
                if let Some(head) = f.strip_suffix(a) {
                    f = format!("{head}{b}");
                    break;
                }
            }
            if *ini == "Y" && f == "U" {
                f = "OU".into();
            }
            f
        }
    };
    if fin.is_empty() || !fin.bytes().any(super::normalize::is_vowel) {
        return Vec::new();
    }
    let front = fin.starts_with('I') || (fin.starts_with('U') && *ini == "HS");
    let own = fold(t);
    let mut out = Vec::new();
    for o in options.iter() {
        if (matches!(*o, "J" | "Q" | "X") && !front) || (matches!(*o, "ZH" | "CH") && *ini == "CH" && front) {
            continue;
        }
        let r = fold(&format!("{o}{fin}"));
        if r != own && !out.contains(&r) {
            out.push(r);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(name: &str, role: Role) -> Vec<String> {
        tokens(name, role).unwrap().iter().map(|t| t.text.to_string()).collect()
    }

    #[test]
    fn han_as_pinyin_surname_then_given_name() {
        assert_eq!(texts("习近平", Role::Full), ["XI", "JINPING"]);
        assert_eq!(texts("毛泽东", Role::Full), ["MAO", "ZEDONG"]);
        assert_eq!(texts("欧阳修文", Role::Full), ["OUYANG", "XIUWEN"]);
        assert_eq!(texts("近平", Role::Given), ["JINPING"]);
        assert_eq!(texts("曾", Role::Surname), ["ZENG"]);
        assert!(tokens("SMITH", Role::Full).is_none());
    }

    #[test]
    fn hangul_by_revised_romanisation() {
        assert_eq!(jamo('김'), ("G", "I", "M"));
        assert_eq!(jamo('정'), ("J", "EO", "NG"));
        assert_eq!(jamo('은'), ("", "EU", "N"));
        assert_eq!(texts("김정은", Role::Full), ["KIM", "JEONG", "EUN"]);
        let t = tokens("김정은", Role::Full).unwrap();
        assert!(t.iter().all(|t| t.hangul));
        // 정 is also read JONG and JUNG, 은 UN.
        assert!(t[1].alternates().iter().any(|a| a == "JONG"));
        assert!(t[2].alternates().iter().any(|a| a == "UN"));
    }

    #[test]
    fn kana_by_hepburn_with_long_vowels_once() {
        assert_eq!(texts("タナカ ヒロシ", Role::Full), ["TANAKA", "HIROSHI"]);
        assert_eq!(texts("サトウ", Role::Surname), ["SATO"]);
        assert_eq!(texts("ゆうき", Role::Given), ["YUKI"]);
    }

    #[test]
    fn wade_giles_read_as_pinyin() {
        assert!(wade_giles_readings("HSI").contains(&fold("XI")));
        assert!(wade_giles_readings("CHIN").contains(&fold("JIN")));
        assert!(wade_giles_readings("TSE").contains(&fold("ZE")));
        assert!(wade_giles_readings("TUNG").contains(&fold("DONG")));
        assert!(wade_giles_readings("CHIH").contains(&fold("ZHI")));
        assert!(wade_giles_readings("TZU").contains(&fold("ZI")));
        assert!(is_wade_giles("HSI") && is_wade_giles("TSE") && !is_wade_giles("MAO") && !is_wade_giles("SMITH"));
        assert!(wade_giles_readings("SMITH").is_empty());
    }
}
