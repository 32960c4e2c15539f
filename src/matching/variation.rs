//! The class of variation between two ways of writing a name, so the
//! evaluation can report precision and recall per class: another script,
//! a title, joined or split words, reordered words, initials, a nickname,
//! or a spelling (typo, transliteration). A pair whose `kind` already names
//! one of these classes keeps it.

use super::evaluate::LabelledPair;
use super::normalize::{fold, is_title, transliterate};

/// The classes, in the order a pair is tested for them.
pub const CLASSES: &[&str] =
    &["other_script", "title", "joined_split", "reordered", "initials", "nickname", "exact", "spelling"];

/// The class of a labelled pair: its `kind` when that is a class, else the
/// first class of [`CLASSES`] the two names show.
pub fn class_of(p: &LabelledPair) -> &'static str {
    if let Some(c) = CLASSES.iter().find(|c| **c == p.kind) {
        return c;
    }
    classify(&p.name1, &p.name2)
}

/// Is any letter of `s` outside the Latin script?
fn non_latin(s: &str) -> bool {
    s.chars().any(|c| {
        c.is_alphabetic()
            && !(c.is_ascii() || ('\u{00C0}'..='\u{024F}').contains(&c) || ('\u{1E00}'..='\u{1EFF}').contains(&c))
    })
}

/// The words of a name, transliterated and upper-case.
fn words(s: &str) -> Vec<String> {
    transliterate(s).0.split(' ').filter(|w| !w.is_empty()).map(str::to_string).collect()
}

/// The class of variation between two spellings of a name.
pub fn classify(a: &str, b: &str) -> &'static str {
    if non_latin(a) || non_latin(b) {
        return "other_script";
    }
    let (wa, wb) = (words(a), words(b));
    if wa.iter().chain(&wb).any(|w| is_title(w)) {
        return "title";
    }
    let folded = |w: &[String]| w.iter().map(|x| fold(x)).collect::<Vec<_>>();
    let (fa, fb) = (folded(&wa), folded(&wb));
    if fa.len() != fb.len() && fold(&wa.concat()) == fold(&wb.concat()) {
        return "joined_split";
    }
    let (mut sa, mut sb) = (fa.clone(), fb.clone());
    sa.sort();
    sb.sort();
    if fa != fb && sa == sb {
        return "reordered";
    }
    if wa.iter().chain(&wb).any(|w| w.len() == 1) {
        return "initials";
    }
    if wa.iter().any(|x| wb.iter().any(|y| super::nicknames::is_nickname_pair(&fold(x), &fold(y)))) {
        return "nickname";
    }
    if fa == fb {
        return "exact";
    }
    "spelling"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_of_pairs() {
        assert_eq!(classify("Иванов, Сергей", "IVANOV, SERGEI"), "other_script");
        assert_eq!(classify("习近平", "XI JINPING"), "other_script");
        assert_eq!(classify("DR AHMED KHAN", "AHMED KHAN"), "title");
        assert_eq!(classify("ABDULRAHMANALI", "ABDUL RAHMAN ALI"), "joined_split");
        assert_eq!(classify("KHAN, AHMED", "AHMED KHAN"), "reordered");
        assert_eq!(classify("SMITH, JOHN P", "SMITH, JOHN PAUL"), "initials");
        assert_eq!(classify("CLINTON, BILL", "CLINTON, WILLIAM"), "nickname");
        assert_eq!(classify("MÜLLER, HANS", "MUELLER, HANS"), "exact");
        assert_eq!(classify("NAKAMURA, HIROSHI", "NAKAMRUA, HIROSHI"), "spelling");
    }

    #[test]
    fn a_kind_that_names_a_class_is_kept() {
        let p = |kind: &str| LabelledPair {
            name1: "NAKAMURA, HIROSHI".into(),
            name2: "NAKAMRUA, HIROSHI".into(),
            same_person: true,
            kind: kind.into(),
        };
        assert_eq!(class_of(&p("nickname")), "nickname");
        assert_eq!(class_of(&p("same_person")), "spelling");
    }
}
