//! The commands on list folders and manifest files: `check`, `replay`, `convert`.

use crate::common::{open_catalog, today, Inputs};
use anyhow::{Context, Result};
use clap::Args;
use paxscreen::catalog;
use paxscreen::formats::api_json;
use paxscreen::formats::decode::{decode, Decoded};
use paxscreen::ingest::replay::{collect_files, Replay, Summary};
use paxscreen::matching::DEFAULT_THRESHOLD;
use paxscreen::reference::Scope;
use paxscreen::screening::Screener;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// `paxscreen check`.
#[derive(Args)]
pub struct CheckArgs {
    #[command(flatten)]
    inputs: Inputs,
    /// Print the offending values too (dates of birth, document numbers): personal data.
    #[arg(long)]
    show_values: bool,
}

/// Validate watchlists and trends; every problem with file and line.
pub fn check(CheckArgs { inputs, show_values }: CheckArgs) -> Result<ExitCode> {
    let day = today();
    let wl = paxscreen::matching::watchlist::load_dir(&inputs.watchlists, day);
    let tr = paxscreen::trends::load_dir(&inputs.trends, day);
    let show = |p: &catalog::Problem| if show_values { p.with_value() } else { p.to_string() };
    for n in wl.notices.iter().chain(&tr.notices) {
        println!("notice: {}", show(n));
    }
    for p in wl.problems.iter().chain(&tr.problems) {
        println!("error: {}", show(p));
    }
    let problems = wl.problems.len() + tr.problems.len();
    println!(
        "{} watchlist file(s), {} entries; {} trend file(s), {} trends; {} problem(s), {} notice(s)",
        wl.files,
        wl.entries.len(),
        tr.files,
        tr.trends.len(),
        problems,
        wl.notices.len() + tr.notices.len()
    );
    Ok(if problems == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// `paxscreen replay`.
#[derive(Args)]
pub struct ReplayArgs {
    /// Files or folders of messages. The format is told by content.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    inputs: Inputs,
    /// Write hits here as JSON Lines (default: standard output).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Write refused messages and skipped persons here, with the offending values, for the carrier.
    #[arg(long)]
    rejects: Option<PathBuf>,
    /// Which flights are screened: eu-schengen (flights into the EU/Schengen area) or all.
    #[arg(long, default_value = "eu-schengen")]
    scope: String,
    /// Watchlist decision threshold on the 0..1 score.
    #[arg(long, default_value_t = DEFAULT_THRESHOLD)]
    threshold: f64,
    /// Write the summary as JSON to this file as well.
    #[arg(long)]
    summary_json: Option<PathBuf>,
}

/// Screen manifests from files; hits out, a summary on stderr.
pub fn replay(
    ReplayArgs { paths, inputs, out, rejects, scope, threshold, summary_json }: ReplayArgs,
) -> Result<ExitCode> {
    let scope = Scope::parse(&scope)?;
    let cat = open_catalog(&inputs)?;
    let screener = Screener::new(cat.watchlist.with_threshold(threshold), cat.trends, scope);
    let (files, skipped) = collect_files(&paths);
    let hits_out: Box<dyn Write> = match &out {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let rejects_out: Option<Box<dyn Write>> = match &rejects {
        Some(p) => Some(Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?,
        ))),
        None => None,
    };
    let progress = (std::io::stderr().is_terminal() && files.len() > 20).then(|| {
        let pb = indicatif::ProgressBar::new(files.len() as u64);
        pb.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} files {elapsed_precise}")
                .expect("valid template"),
        );
        pb
    });
    let on_file = progress.clone().map(|pb| Box::new(move || pb.inc(1)) as Box<dyn FnMut()>);
    let summary = Replay { screener: &screener, hits_out, rejects_out, on_file }.run(&files, &skipped)?;
    if let Some(pb) = progress {
        pb.finish_and_clear();
    }
    print_sample(&summary.sample, summary_problems(&summary), rejects.is_some());
    eprint!("{summary}");
    if let Some(p) = summary_json {
        std::fs::write(&p, serde_json::to_vec_pretty(&summary)?)?;
    }
    // The process ends here: freeing a large list's millions of
    // allocations one by one only delays the exit (half a second at a
    // million entries); the system takes the memory back at once.
    std::mem::forget(screener);
    Ok(if summary.anything_rejected() { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// `paxscreen convert`.
#[derive(Args)]
pub struct ConvertArgs {
    /// Files or folders of messages (JSON, JSON Lines or PAXLST, told by content).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
}

/// Read messages in any format and write them as paxscreen.api/1 JSON Lines.
pub fn convert(ConvertArgs { paths }: ConvertArgs) -> Result<ExitCode> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let (files, skipped) = collect_files(&paths);
    let mut failed = skipped.len();
    for (path, why) in &skipped {
        eprintln!("skipped: {}: {why}", path.display());
    }
    for f in files {
        let name = f.display();
        let items = match std::fs::File::open(&f).and_then(|file| decode(std::io::BufReader::new(file))) {
            Ok(items) => items,
            Err(e) => {
                failed += 1;
                eprintln!("skipped: {name}: cannot be read: {e}");
                continue;
            }
        };
        for item in items {
            match item.with_context(|| format!("reading {name}"))? {
                Decoded::Notice { line, error } => eprintln!("warning: {name}:{line}: {}", error.redacted()),
                Decoded::Message { line, result: Ok(rm), .. } => {
                    serde_json::to_writer(&mut out, &api_json::to_value(&rm.message))?;
                    out.write_all(b"\n")?;
                    let r = &rm.report;
                    failed += r.rejected_passengers.len();
                    for e in &r.rejected_passengers {
                        eprintln!("skipped: {name}:{line}: {}", e.redacted());
                    }
                    for e in &r.field_defects {
                        eprintln!("dropped: {name}:{line}: {}", e.redacted());
                    }
                    for w in &r.warnings {
                        eprintln!("warning: {name}:{line}: {}", w.redacted());
                    }
                }
                Decoded::Message { line, result: Err(e), .. } => {
                    failed += 1;
                    eprintln!("rejected: {name}:{line}: {}", e.redacted());
                }
            }
        }
    }
    out.flush()?;
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// How many problems a replay met, all kinds together.
fn summary_problems(s: &Summary) -> usize {
    s.skipped_paths + s.rejected_messages + s.rejected_passengers + s.fields_dropped + s.warnings
}

/// Show the first problems, redacted; say where the rest are.
fn print_sample(sample: &[String], total: usize, have_rejects: bool) {
    for line in sample {
        eprintln!("problem: {line}");
    }
    if total > sample.len() {
        let more = total - sample.len();
        match have_rejects {
            true => eprintln!("... and {more} more: every one, with values, is in the --rejects file"),
            false => eprintln!("... and {more} more: pass --rejects FILE to have every one, with values"),
        }
    }
}
