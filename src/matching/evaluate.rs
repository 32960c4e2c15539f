//! Precision, recall and F1 of the name matcher on labelled name pairs
//! (`eval/name-pairs.csv`, built from `eval/name-groups.txt`).

use super::compare::name_score;
use serde::Serialize;

/// A labelled pair: two ways of writing a name, and whether they are one person.
#[derive(Debug, Clone)]
pub struct LabelledPair {
    pub name1: String,
    pub name2: String,
    pub same_person: bool,
    /// What kind of pair this is (`same_person`, `shared_name`, ...), for the report.
    pub kind: String,
}

#[derive(Debug, thiserror::Error)]
pub enum PairsError {
    #[error("line {line}: {reason}")]
    Line { line: usize, reason: String },
    #[error(transparent)]
    Csv(#[from] csv::Error),
}

/// Read CSV with header `name1,name2,same_person[,kind]`; `same_person` is 1/0 or true/false.
pub fn read_pairs<R: std::io::Read>(input: R) -> Result<Vec<LabelledPair>, PairsError> {
    let mut rdr = csv::Reader::from_reader(input);
    let headers = rdr.headers()?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(c1), Some(c2), Some(cl)) = (col("name1"), col("name2"), col("same_person")) else {
        return Err(PairsError::Line { line: 1, reason: "header must name name1, name2 and same_person".into() });
    };
    let ck = col("kind");
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = rec?;
        let get = |c: usize| rec.get(c).unwrap_or("").to_string();
        let same_person = match get(cl).trim() {
            "1" | "true" => true,
            "0" | "false" => false,
            other => {
                return Err(PairsError::Line {
                    line,
                    reason: format!("same_person must be 1/0 or true/false, not {other:?}"),
                })
            }
        };
        out.push(LabelledPair { name1: get(c1), name2: get(c2), same_person, kind: ck.map(get).unwrap_or_default() });
    }
    Ok(out)
}

/// One scored pair the matcher got wrong.
#[derive(Debug, Clone, Serialize)]
pub struct Error {
    pub name1: String,
    pub name2: String,
    pub same_person: bool,
    pub kind: String,
    pub score: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    pub threshold: f64,
    pub pairs: usize,
    pub true_positives: usize,
    pub false_positives: usize,
    pub false_negatives: usize,
    pub true_negatives: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Misclassified pairs, lowest-scoring false negatives and highest-scoring
    /// false positives first.
    pub errors: Vec<Error>,
    /// The same counts per class of variation (see [`super::variation`]).
    pub classes: Vec<ClassReport>,
    /// Precision and recall at thresholds from 0.50 to 1.00.
    pub curve: Vec<CurvePoint>,
}

/// Precision, recall and F1 of the pairs of one class of variation.
#[derive(Debug, Clone, Serialize)]
pub struct ClassReport {
    /// The class (`other_script`, `nickname`, ...).
    pub class: String,
    /// Same-person pairs of the class.
    pub positives: usize,
    /// Different-person pairs of the class.
    pub negatives: usize,
    /// Precision within the class.
    pub precision: f64,
    /// Recall within the class.
    pub recall: f64,
    /// F1 within the class.
    pub f1: f64,
}

/// One point of the precision-recall curve.
#[derive(Debug, Clone, Serialize)]
pub struct CurvePoint {
    /// The threshold.
    pub threshold: f64,
    /// Precision at it.
    pub precision: f64,
    /// Recall at it.
    pub recall: f64,
    /// F1 at it.
    pub f1: f64,
}

/// Precision, recall and F1 from counts (0 where undefined).
fn prf(tp: usize, fp: usize, fneg: usize) -> (f64, f64, f64) {
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let (p, r) = (ratio(tp, tp + fp), ratio(tp, tp + fneg));
    (p, r, if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) })
}

/// Counts of `(score, same_person)` at `threshold`: TP, FP, FN.
fn counts(scored: &[(f64, bool)], threshold: f64) -> (usize, usize, usize) {
    let tp = scored.iter().filter(|(s, y)| *y && *s >= threshold).count();
    let fp = scored.iter().filter(|(s, y)| !*y && *s >= threshold).count();
    let fneg = scored.iter().filter(|(s, y)| *y && *s < threshold).count();
    (tp, fp, fneg)
}

/// The precision-recall curve at thresholds 0.50, 0.55, ..., 1.00.
pub fn curve(scored: &[(f64, bool)]) -> Vec<CurvePoint> {
    (10..=20)
        .map(|k| {
            let threshold = k as f64 * 0.05;
            let (tp, fp, fneg) = counts(scored, threshold - 1e-9);
            let (precision, recall, f1) = prf(tp, fp, fneg);
            CurvePoint { threshold: super::compare::round3(threshold), precision, recall, f1 }
        })
        .collect()
}

/// Score every pair with [`name_score`] and count the outcomes at `threshold`.
pub fn evaluate(pairs: &[LabelledPair], threshold: f64) -> Evaluation {
    let (mut tp, mut fp, mut fneg, mut tn) = (0, 0, 0, 0);
    let mut errors = Vec::new();
    let mut scored = Vec::with_capacity(pairs.len());
    let mut by_class: std::collections::BTreeMap<String, Vec<(f64, bool)>> = Default::default();
    for p in pairs {
        let score = name_score(&p.name1, &p.name2);
        scored.push((score, p.same_person));
        let class = super::variation::class_of(p);
        by_class.entry(class.to_string()).or_default().push((score, p.same_person));
        let said = score >= threshold;
        match (said, p.same_person) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, true) => fneg += 1,
            (false, false) => tn += 1,
        }
        if said != p.same_person {
            errors.push(Error {
                name1: p.name1.clone(),
                name2: p.name2.clone(),
                same_person: p.same_person,
                kind: p.kind.clone(),
                score,
            });
        }
    }
    errors.sort_by(|a, b| {
        let key = |e: &Error| if e.same_person { e.score } else { 1.0 - e.score };
        key(a).total_cmp(&key(b))
    });
    let (precision, recall, f1) = prf(tp, fp, fneg);
    let classes = by_class
        .into_iter()
        .map(|(class, s)| {
            let (ctp, cfp, cfn) = counts(&s, threshold);
            let (precision, recall, f1) = prf(ctp, cfp, cfn);
            let positives = s.iter().filter(|(_, y)| *y).count();
            ClassReport { class, positives, negatives: s.len() - positives, precision, recall, f1 }
        })
        .collect();
    Evaluation {
        threshold,
        pairs: pairs.len(),
        true_positives: tp,
        false_positives: fp,
        false_negatives: fneg,
        true_negatives: tn,
        precision,
        recall,
        f1,
        errors,
        classes,
        curve: curve(&scored),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_f1() {
        let pairs = read_pairs(
            "name1,name2,same_person\n\
             \"IVANOV, SERGEI\",\"Иванов, Сергей\",1\n\
             \"SMITH, JOHN\",\"NGUYEN, THI LAN\",0\n\
             \"SMITH, JOHN\",\"XU, ZHEN\",1\n"
                .as_bytes(),
        )
        .unwrap();
        let e = evaluate(&pairs, 0.85);
        assert_eq!((e.true_positives, e.false_positives, e.false_negatives, e.true_negatives), (1, 0, 1, 1));
        assert_eq!(e.precision, 1.0);
        assert_eq!(e.recall, 0.5);
        assert!((e.f1 - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(e.errors.len(), 1);
        assert_eq!(e.errors[0].name2, "XU, ZHEN");
        assert_eq!(e.classes.iter().map(|c| c.class.as_str()).collect::<Vec<_>>(), ["other_script", "spelling"]);
        let other = &e.classes[0];
        assert_eq!((other.positives, other.negatives, other.recall), (1, 0, 1.0));
        assert_eq!(e.curve.len(), 11);
        assert_eq!(e.curve[0].threshold, 0.5);
        assert_eq!(e.curve[10].threshold, 1.0);
        // Recall never rises with the threshold.
        assert!(e.curve.windows(2).all(|w| w[1].recall <= w[0].recall));
    }

    #[test]
    fn bad_label_names_the_line() {
        let err = read_pairs("name1,name2,same_person\nA,B,1\nA,B,maybe\n".as_bytes()).unwrap_err();
        assert_eq!(err.to_string(), "line 3: same_person must be 1/0 or true/false, not \"maybe\"");
        let err = read_pairs("a,b\nA,B\n".as_bytes()).unwrap_err();
        assert!(err.to_string().contains("header"), "{err}");
    }
}
