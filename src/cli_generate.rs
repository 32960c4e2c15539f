//! The commands that make test data: `generate`, `generate-watchlist`,
//! `recall` (how much of what was planted a replay found).

use crate::common::parse_day;
use anyhow::{bail, Context, Result};
use clap::Args;
use paxscreen::formats::api_json;
use paxscreen::generate::{self, ManifestOptions};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// `paxscreen generate`.
#[derive(Args)]
pub struct GenerateArgs {
    /// How many flights.
    #[arg(long, default_value_t = 10)]
    flights: usize,
    /// Seed of the random generator: the same seed gives the same manifests.
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
}

/// Synthetic flight manifests, optionally with planted listed persons.
pub fn generate(
    GenerateArgs { flights, seed, out, date, plant_from, plant_seed, plant_share, format }: GenerateArgs,
) -> Result<ExitCode> {
    let paxlst = match format.as_str() {
        "json" => false,
        "paxlst" => true,
        other => bail!("unknown format {other:?}: json or paxlst"),
    };
    let day = parse_day(&date)?;
    let rows = match &plant_from {
        None => Vec::new(),
        Some(p) => {
            let n = csv::Reader::from_path(p).with_context(|| format!("reading {}", p.display()))?.records().count();
            let rows = generate::watchlist(n, plant_seed, day);
            // The rows must be the ones in the file: regenerate and compare ids and names.
            let mut rdr = csv::Reader::from_path(p)?;
            for (rec, row) in rdr.deserialize::<std::collections::HashMap<String, String>>().zip(&rows) {
                let rec = rec?;
                if rec.get("entry_id") != Some(&row.entry_id) || rec.get("surname") != Some(&row.surname) {
                    bail!(
                        "{} was not generated with --seed {plant_seed}: pass the seed given to generate-watchlist",
                        p.display()
                    );
                }
            }
            rows
        }
    };
    let (messages, planted) = generate::manifests(
        &ManifestOptions { flights, seed, date: day, plant_share: if rows.is_empty() { 0.0 } else { plant_share } },
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
            std::fs::write(dir.join(format!("{}.json", m.message_id)), serde_json::to_vec(&api_json::to_value(m))?)?;
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

/// `paxscreen generate-watchlist`.
#[derive(Args)]
pub struct GenerateWatchlistArgs {
    /// How many entries.
    #[arg(long)]
    entries: usize,
    /// Seed of the random generator (give it to `generate --plant-seed`).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The CSV file to write.
    #[arg(long)]
    out: PathBuf,
    /// The day validity windows are drawn around.
    #[arg(long, default_value = "2026-11-22")]
    date: String,
}

/// A synthetic watchlist CSV.
pub fn generate_watchlist(
    GenerateWatchlistArgs { entries, seed, out, date }: GenerateWatchlistArgs,
) -> Result<ExitCode> {
    let rows = generate::watchlist(entries, seed, parse_day(&date)?);
    let f = std::fs::File::create(&out).with_context(|| format!("creating {}", out.display()))?;
    generate::write_watchlist(&rows, std::io::BufWriter::new(f))?;
    eprintln!("wrote {} entries to {}", rows.len(), out.display());
    Ok(ExitCode::SUCCESS)
}

/// `paxscreen redate`.
#[derive(Args)]
pub struct RedateArgs {
    /// Files or folders of messages (JSON, JSON Lines or PAXLST, told by content).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Folder to write the fresh messages to, one JSON file each.
    #[arg(long)]
    out: PathBuf,
}

/// Recorded manifests made fresh: each sent a minute ago, its flight
/// landing in the next hours (files in name order, 35 minutes apart).
pub fn redate(RedateArgs { paths, out }: RedateArgs) -> Result<ExitCode> {
    use paxscreen::formats::decode::{decode_bytes, Decoded};
    let (files, skipped) = paxscreen::ingest::replay::collect_files(&paths);
    for (path, why) in &skipped {
        eprintln!("skipped: {}: {why}", path.display());
    }
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let now = chrono::Utc::now();
    let (mut slot, mut failed) = (0, skipped.len());
    for f in &files {
        let bytes = std::fs::read(f).with_context(|| format!("reading {}", f.display()))?;
        for d in decode_bytes(&bytes) {
            match d {
                Decoded::Message { result: Ok(rm), .. } => {
                    let mut m = rm.message;
                    generate::redate::redate(&mut m, now, slot);
                    slot += 1;
                    let name = m.message_id.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_");
                    let path = out.join(format!("{name}.json"));
                    std::fs::write(&path, serde_json::to_vec(&api_json::to_value(&m))?)
                        .with_context(|| format!("writing {}", path.display()))?;
                }
                Decoded::Message { line, result: Err(e), .. } => {
                    failed += 1;
                    eprintln!("rejected: {}:{line}: {}", f.display(), e.redacted());
                }
                Decoded::Notice { line, error } => eprintln!("warning: {}:{line}: {}", f.display(), error.redacted()),
            }
        }
    }
    eprintln!(
        "wrote {slot} message(s) to {}, landing from {} minutes from now",
        out.display(),
        generate::redate::FIRST_ARRIVAL_MINUTES
    );
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// `paxscreen recall`.
#[derive(Args)]
pub struct RecallArgs {
    /// The folder given to `generate --out`.
    #[arg(long)]
    generated: PathBuf,
    /// The hits written by `replay --out`.
    #[arg(long)]
    hits: PathBuf,
}

/// Recall and false hits of a replay of generated manifests.
pub fn recall(RecallArgs { generated, hits }: RecallArgs) -> Result<ExitCode> {
    let gen: serde_json::Value = serde_json::from_slice(&std::fs::read(generated.join("generation.json"))?)?;
    let passengers = gen["passengers"].as_u64().unwrap_or(0) as f64;
    let planted = std::fs::read_to_string(generated.join("planted.jsonl"))?;
    let hits = std::fs::read_to_string(&hits)?;
    let r = paxscreen::generate::recall(&planted, &hits, passengers)?;
    println!("{}", serde_json::to_string_pretty(&r)?);
    Ok(ExitCode::SUCCESS)
}
