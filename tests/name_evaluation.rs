//! The name matcher on the repo's labelled evaluation set
//! (`eval/name-pairs.csv`, built from `eval/name-groups.txt` by
//! `scripts/eval-pairs.py`): precision, recall and F1 at the default threshold.

use paxscreen::matching::evaluate::{evaluate, read_pairs};
use paxscreen::matching::DEFAULT_THRESHOLD;

#[test]
fn f1_on_the_evaluation_set() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/eval/name-pairs.csv");
    let pairs = read_pairs(std::fs::File::open(path).unwrap()).unwrap();
    let same = pairs.iter().filter(|p| p.same_person).count();
    assert!(pairs.len() >= 1000, "the evaluation set holds {} pairs", pairs.len());
    assert!(same >= 300 && pairs.len() - same >= 300, "{same} positive of {}", pairs.len());
    let e = evaluate(&pairs, DEFAULT_THRESHOLD);
    println!(
        "evaluation set: {} pairs, TP {} FP {} FN {} TN {}, precision {:.4} recall {:.4} F1 {:.4}",
        e.pairs, e.true_positives, e.false_positives, e.false_negatives, e.true_negatives, e.precision, e.recall, e.f1
    );
    // The issue asks for 0.92; the bar sits just under what the matcher reaches (0.963) so a regression shows.
    assert!(e.f1 >= 0.95, "F1 {:.4} under 0.95", e.f1);
    assert!(e.precision >= 0.98, "precision {:.4}", e.precision);
}

/// The shipped pairs file is the one the script makes from the groups file:
/// a pair added by hand to one and not the other shows here.
#[test]
fn pairs_file_matches_groups_file() {
    let dir = env!("CARGO_MANIFEST_DIR");
    let groups = std::fs::read_to_string(format!("{dir}/eval/name-groups.txt")).unwrap();
    let pairs = read_pairs(std::fs::File::open(format!("{dir}/eval/name-pairs.csv")).unwrap()).unwrap();
    let people: Vec<Vec<&str>> = groups
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split('|').skip(1).map(str::trim).filter(|v| !v.is_empty()).collect())
        .collect();
    let mut expected_positive = 0;
    for variants in &people {
        let mut distinct: Vec<&str> = Vec::new();
        for v in variants {
            if !distinct.contains(v) {
                distinct.push(v);
            }
        }
        expected_positive += distinct.len() * (distinct.len() - 1) / 2;
    }
    assert_eq!(pairs.iter().filter(|p| p.same_person).count(), expected_positive);
    for p in pairs.iter().filter(|p| p.same_person) {
        assert!(
            people.iter().any(|v| v.contains(&p.name1.as_str()) && v.contains(&p.name2.as_str())),
            "positive pair not on one line of the groups file: {} / {}",
            p.name1,
            p.name2
        );
    }
}
