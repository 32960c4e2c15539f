//! The `paxscreen` command: argument parsing and output only; the work is
//! done by the library.

mod cli_demo;
mod cli_service;

use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};
use paxscreen::catalog;
use paxscreen::formats::api_json;
use paxscreen::formats::decode::{decode, Decoded};
use paxscreen::generate::{self, ManifestOptions};
use paxscreen::ingest::replay::{collect_files, Replay, Summary};
use paxscreen::matching::DEFAULT_THRESHOLD;
use paxscreen::reference::Scope;
use paxscreen::screening::Screener;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "paxscreen",
    version,
    about = "Screen Advance Passenger Information against watchlists and trends.",
    long_about = "\
paxscreen screens Advance Passenger Information (API, Directive 2004/82/EC) against
watchlists (people sought for serious crime; lost and stolen documents) and trends
(weighted risk characteristics). It only proposes hits: a person checks every one.

Start with:
  paxscreen check  --watchlists watchlists --trends trends
  paxscreen replay samples/manifests --watchlists watchlists --trends trends --out hits.jsonl"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct Inputs {
    /// Folder of watchlist CSV files (contract section 2).
    #[arg(long, default_value = "watchlists")]
    watchlists: PathBuf,
    /// Folder of trend TOML files (contract section 3).
    #[arg(long, default_value = "trends")]
    trends: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Validate watchlists and trends; print every problem with file and line.
    Check {
        #[command(flatten)]
        inputs: Inputs,
        /// Print the offending values too (dates of birth, document numbers): personal data.
        #[arg(long)]
        show_values: bool,
    },
    /// Screen flight manifests from files (JSON, JSON Lines or PAXLST; folders are read whole).
    Replay {
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
    },
    /// Generate synthetic flight manifests, optionally with planted listed persons.
    Generate {
        #[arg(long, default_value_t = 10)]
        flights: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output folder: manifests go to OUT/manifests/, planted persons to OUT/planted.jsonl.
        #[arg(long)]
        out: PathBuf,
        /// Departure date of the first flight (flights spread over three days).
        #[arg(long, default_value = "2026-11-22")]
        date: String,
        /// Plant variants of persons from this watchlist CSV (written by generate-watchlist).
        #[arg(long)]
        plant_from: Option<PathBuf>,
        /// Seed the planted watchlist was generated with (to recover the persons behind it).
        #[arg(long, default_value_t = 1)]
        plant_seed: u64,
        /// Share of passengers replaced by listed persons, 0..1.
        #[arg(long, default_value_t = 0.01)]
        plant_share: f64,
        /// Write manifests as `json` (paxscreen.api/1) or `paxlst` (UN/EDIFACT, as airlines send).
        #[arg(long, default_value = "json")]
        format: String,
    },
    /// Read messages (JSON, JSON Lines or PAXLST, told by content) and write them as paxscreen.api/1 JSON Lines.
    Convert {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Generate a synthetic watchlist CSV (many cultures and scripts, aliases, partial dates).
    GenerateWatchlist {
        #[arg(long)]
        entries: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value = "2026-11-22")]
        date: String,
    },
    /// Measure recall and false hits of a replay of generated manifests.
    Recall {
        /// The folder given to `generate --out`.
        #[arg(long)]
        generated: PathBuf,
        /// The hits written by `replay --out`.
        #[arg(long)]
        hits: PathBuf,
    },
    /// Name tools for analysts.
    Names {
        #[command(subcommand)]
        command: NamesCommand,
    },
    /// Run the screening service: Kafka or the spool folder and HTTP in, the store, the API (see --config).
    Serve {
        #[command(flatten)]
        config: cli_service::ConfigArg,
        /// A demonstration: store, spool and alerts in ./paxscreen-demo/, the sample manifests
        /// re-dated and fed through the spool, demo users with passwords printed at start.
        #[arg(long)]
        demo: bool,
    },
    /// Delete expired passenger data now, or as of a later time (a drill).
    Purge {
        #[command(flatten)]
        config: cli_service::ConfigArg,
        /// Sweep as if it were this time (RFC 3339, not in the past).
        #[arg(long)]
        as_of: Option<String>,
    },
    /// Staff accounts and their roles.
    Users {
        #[command(subcommand)]
        command: cli_service::UsersCommand,
    },
    /// Bearer tokens for machine clients and scripts.
    Tokens {
        #[command(subcommand)]
        command: cli_service::TokensCommand,
    },
    /// The hash-chained audit log.
    Audit {
        #[command(subcommand)]
        command: cli_service::AuditCommand,
    },
}

#[derive(Subcommand)]
enum NamesCommand {
    /// Score name pairs: CSV `name1,name2` in (stdin without --pairs), `name1,name2,score,match` out.
    Score {
        #[arg(long)]
        pairs: Option<PathBuf>,
    },
    /// Precision, recall and F1 on labelled pairs: CSV `name1,name2,same_person[,kind]`
    /// (the repo's evaluation set is eval/name-pairs.csv), per class of variation, with a
    /// precision-recall curve; with --xscript, recall on cross-script pairs instead.
    Evaluate {
        #[arg(long, default_value = "eval/name-pairs.csv")]
        pairs: PathBuf,
        /// A folder of cross-script pairs (russian.tsv, arabic.tsv, hebrew.tsv: latin, the other
        /// script with spaces between characters, count): recall at a false-positive rate of at
        /// most 1 % against shuffled negatives, per script.
        #[arg(long)]
        xscript: Option<PathBuf>,
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

fn parse_day(s: &str) -> Result<NaiveDate> {
    paxscreen::model::parse_date(s).with_context(|| format!("not a date YYYY-MM-DD: {s:?}"))
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

fn open_catalog(inputs: &Inputs) -> Result<catalog::Catalog> {
    match catalog::open(&inputs.watchlists, &inputs.trends, today()) {
        Ok(c) => Ok(c),
        Err((problems, _)) => {
            for p in &problems {
                eprintln!("error: {p}");
            }
            bail!("{} problem(s) in watchlists or trends (a list with a bad row is refused whole); run `paxscreen check --show-values` for the values", problems.len())
        }
    }
}

fn init_logs(json: bool, default_level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PAXSCREEN_LOG").unwrap_or_else(|_| default_level.into());
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if json {
        logs.json().init();
    } else {
        logs.with_ansi(std::io::stderr().is_terminal()).init();
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        // The service logs as its configuration says, at info by default.
        Command::Serve { config, demo } => cli_service::load_config(&config).and_then(|mut c| {
            init_logs(c.log.format == "json", "info");
            if demo {
                let users = cli_demo::prepare(&mut c, Path::new("paxscreen-demo"), Path::new("samples/manifests"))?;
                println!("DEMO (not for production): data in ./paxscreen-demo/, sample manifests fed through its spool.");
                println!("Console: http://{}/  Metrics: http://{}/metrics", c.http.listen, c.http.metrics_listen);
                for (name, role, password) in users {
                    println!("  {name:<4} {role:<13} password {password}");
                }
                println!("Sign in as ana, confirm a hit; sign in as ben (another browser or a private window), confirm it again; gil sees the alert.");
            }
            cli_service::serve(c)
        }),
        command => {
            init_logs(false, "warn");
            run(command)
        }
    };
    match result {
        Ok(code) => code,
        // A reader that went away (`paxscreen convert ... | head`) ends the command quietly.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("paxscreen: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>().and_then(|j| j.io_error_kind())
                == Some(std::io::ErrorKind::BrokenPipe)
    })
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

fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Serve { .. } => unreachable!("handled in main"),
        Command::Purge { config, as_of } => cli_service::purge(cli_service::load_config(&config)?, as_of),
        Command::Users { command } => cli_service::users(command),
        Command::Tokens { command } => cli_service::tokens(command),
        Command::Audit { command } => cli_service::audit(command),
        Command::Check { inputs, show_values } => {
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
        Command::Replay { paths, inputs, out, rejects, scope, threshold, summary_json } => {
            let scope = Scope::parse(&scope).map_err(anyhow::Error::msg)?;
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
        Command::GenerateWatchlist { entries, seed, out, date } => {
            let rows = generate::watchlist(entries, seed, parse_day(&date)?);
            let f = std::fs::File::create(&out).with_context(|| format!("creating {}", out.display()))?;
            generate::write_watchlist(&rows, std::io::BufWriter::new(f))?;
            eprintln!("wrote {} entries to {}", rows.len(), out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Convert { paths } => {
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
        Command::Generate { flights, seed, out, date, plant_from, plant_seed, plant_share, format } => {
            let paxlst = match format.as_str() {
                "json" => false,
                "paxlst" => true,
                other => bail!("unknown format {other:?}: json or paxlst"),
            };
            let day = parse_day(&date)?;
            let rows = match &plant_from {
                None => Vec::new(),
                Some(p) => {
                    let n = csv::Reader::from_path(p)
                        .with_context(|| format!("reading {}", p.display()))?
                        .records()
                        .count();
                    let rows = generate::watchlist(n, plant_seed, day);
                    // The rows must be the ones in the file: regenerate and compare ids and names.
                    let mut rdr = csv::Reader::from_path(p)?;
                    for (rec, row) in rdr.deserialize::<std::collections::HashMap<String, String>>().zip(&rows) {
                        let rec = rec?;
                        if rec.get("entry_id") != Some(&row.entry_id) || rec.get("surname") != Some(&row.surname) {
                            bail!("{} was not generated with --seed {plant_seed}: pass the seed given to generate-watchlist", p.display());
                        }
                    }
                    rows
                }
            };
            let (messages, planted) = generate::manifests(
                &ManifestOptions {
                    flights,
                    seed,
                    date: day,
                    plant_share: if rows.is_empty() { 0.0 } else { plant_share },
                },
                &rows,
            );
            let dir = out.join("manifests");
            std::fs::create_dir_all(&dir)?;
            let mut passengers = 0;
            for m in &messages {
                passengers += m.passengers.len();
                if paxlst {
                    let text = paxscreen::formats::paxlst::write(m, &Default::default());
                    std::fs::write(dir.join(format!("{}.edi", m.message_id)), text)?;
                } else {
                    std::fs::write(
                        dir.join(format!("{}.json", m.message_id)),
                        serde_json::to_vec(&api_json::to_value(m))?,
                    )?;
                }
            }
            let mut pf = std::io::BufWriter::new(std::fs::File::create(out.join("planted.jsonl"))?);
            for p in &planted {
                serde_json::to_writer(&mut pf, p)?;
                pf.write_all(b"\n")?;
            }
            pf.flush()?;
            std::fs::write(
                out.join("generation.json"),
                serde_json::to_vec_pretty(
                    &serde_json::json!({"flights": messages.len(), "passengers": passengers, "planted": planted.len(), "seed": seed}),
                )?,
            )?;
            eprintln!(
                "wrote {} flights, {} passengers ({} planted) to {}",
                messages.len(),
                passengers,
                planted.len(),
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Recall { generated, hits } => {
            let gen: serde_json::Value = serde_json::from_slice(&std::fs::read(generated.join("generation.json"))?)?;
            let passengers = gen["passengers"].as_u64().unwrap_or(0) as f64;
            let planted = std::fs::read_to_string(generated.join("planted.jsonl"))?;
            let hits = std::fs::read_to_string(&hits)?;
            let r = paxscreen::generate::recall(&planted, &hits, passengers)?;
            println!("{}", serde_json::to_string_pretty(&r)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Names { command: NamesCommand::Score { pairs } } => {
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
        Command::Names { command: NamesCommand::Evaluate { xscript: Some(dir), threshold, errors, json, .. } } => {
            let e = paxscreen::matching::xscript::evaluate_dir(&dir, threshold, errors)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&e)?);
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "script          pairs   recall@fpr<=1%  threshold  fpr      recall@{threshold:.2}  fpr@{threshold:.2}"
            );
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
        Command::Names { command: NamesCommand::Evaluate { pairs, threshold, errors, json, .. } } => {
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
    }
}
