//! Name tools for analysts: `names score`, `names evaluate`.

use anyhow::{Context, Result};
use clap::Subcommand;
use paxscreen::matching::DEFAULT_THRESHOLD;
use std::path::PathBuf;
use std::process::ExitCode;

/// `paxscreen names ...`.
#[derive(Subcommand)]
pub enum NamesCommand {
    /// Score name pairs: CSV `name1,name2` in (stdin without --pairs), `name1,name2,score,match` out.
    Score {
        /// A CSV file of pairs with a header line `name1,name2` (default: standard input).
        #[arg(long)]
        pairs: Option<PathBuf>,
    },
    /// Precision, recall and F1 on labelled pairs: CSV `name1,name2,same_person[,kind]`
    /// (the repo's evaluation set is eval/name-pairs.csv), per class of variation, with a
    /// precision-recall curve; with --xscript, recall on cross-script pairs instead.
    Evaluate {
        /// The labelled pairs.
        #[arg(long, default_value = "eval/name-pairs.csv")]
        pairs: PathBuf,
        /// A folder of cross-script pairs (russian.tsv, arabic.tsv, hebrew.tsv: latin, the other
        /// script with spaces between characters, count): recall at a false-positive rate of at
        /// most 1 % against shuffled negatives, per script.
        #[arg(long)]
        xscript: Option<PathBuf>,
        /// The score from which a pair counts as the same person.
        #[arg(long, default_value_t = DEFAULT_THRESHOLD)]
        threshold: f64,
        /// Print this many misclassified pairs (worst first).
        #[arg(long, default_value_t = 0)]
        errors: usize,
        /// Write the whole evaluation as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Run a `names` command.
pub fn names(command: NamesCommand) -> Result<ExitCode> {
    match command {
        NamesCommand::Score { pairs } => score(pairs),
        NamesCommand::Evaluate { xscript: Some(dir), threshold, errors, json, .. } => {
            evaluate_xscript(dir, threshold, errors, json)
        }
        NamesCommand::Evaluate { pairs, threshold, errors, json, xscript: None } => {
            evaluate(pairs, threshold, errors, json)
        }
    }
}

fn score(pairs: Option<PathBuf>) -> Result<ExitCode> {
    let input: Box<dyn std::io::Read> = match pairs {
        Some(p) => Box::new(std::fs::File::open(&p).with_context(|| format!("opening {}", p.display()))?),
        None => Box::new(std::io::stdin().lock()),
    };
    let mut rdr = csv::Reader::from_reader(input);
    let mut w = csv::Writer::from_writer(std::io::stdout().lock());
    w.write_record(["name1", "name2", "score", "match"])?;
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.with_context(|| format!("pairs line {}", i + 2))?;
        let (a, b) = (rec.get(0).unwrap_or(""), rec.get(1).unwrap_or(""));
        let s = paxscreen::matching::compare::name_score(a, b);
        w.write_record([a, b, &format!("{s:.3}"), if s >= DEFAULT_THRESHOLD { "true" } else { "false" }])?;
    }
    w.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn evaluate(pairs: PathBuf, threshold: f64, errors: usize, json: bool) -> Result<ExitCode> {
    use paxscreen::matching::evaluate;
    let file = std::fs::File::open(&pairs).with_context(|| format!("opening {}", pairs.display()))?;
    let labelled = evaluate::read_pairs(file).with_context(|| format!("reading {}", pairs.display()))?;
    let e = evaluate::evaluate(&labelled, threshold);
    if json {
        println!("{}", serde_json::to_string_pretty(&e)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "pairs {}  threshold {:.2}\nTP {}  FP {}  FN {}  TN {}\nprecision {:.4}  recall {:.4}  F1 {:.4}",
        e.pairs,
        e.threshold,
        e.true_positives,
        e.false_positives,
        e.false_negatives,
        e.true_negatives,
        e.precision,
        e.recall,
        e.f1
    );
    println!("\nclass           positives  negatives  precision  recall  F1");
    for c in &e.classes {
        println!(
            "{:<15} {:>9}  {:>9}  {:>9.4}  {:.4}  {:.4}",
            c.class, c.positives, c.negatives, c.precision, c.recall, c.f1
        );
    }
    println!("\nthreshold  precision  recall  F1");
    for p in &e.curve {
        println!("{:>9.2}  {:>9.4}  {:.4}  {:.4}", p.threshold, p.precision, p.recall, p.f1);
    }
    for x in e.errors.iter().take(errors) {
        let what = if x.same_person { "missed" } else { "false" };
        println!("{what} {:.3} [{}] {} <> {}", x.score, x.kind, x.name1, x.name2);
    }
    Ok(ExitCode::SUCCESS)
}

/// Recall per script on cross-script pairs.
fn evaluate_xscript(dir: PathBuf, threshold: f64, errors: usize, json: bool) -> Result<ExitCode> {
    let e = paxscreen::matching::xscript::evaluate_dir(&dir, threshold, errors)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&e)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("script          pairs   recall@fpr<=1%  threshold  fpr      recall@{threshold:.2}  fpr@{threshold:.2}");
    for r in &e.scripts {
        // The lowest threshold can be "anything above zero".
        let t = if r.threshold_at_fpr > 0.0 && r.threshold_at_fpr < 1e-6 {
            "> 0".to_string()
        } else {
            format!("{:.3}", r.threshold_at_fpr)
        };
        println!(
            "{:<15} {:>6}  {:>14.4}  {:>9}  {:.4}   {:>11.4}  {:.4}",
            r.script, r.pairs, r.recall_at_fpr, t, r.fpr_at_threshold, r.recall_at_default, r.fpr_at_default
        );
    }
    for m in &e.misses {
        println!("missed {:.3} {} <> {}", m.score, m.latin, m.other);
    }
    Ok(ExitCode::SUCCESS)
}
