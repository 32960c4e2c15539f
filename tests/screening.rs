//! End to end: the contract's examples, scope, special categories,
//! malformed passengers, determinism, and the index against the exhaustive
//! matcher.

mod common;
use common::*;
use paxscreen::catalog;
use paxscreen::ingest::replay::{collect_files, Replay, Summary};
use paxscreen::reference::Scope;
use paxscreen::screening::Screener;
use serde_json::Value;
use std::path::Path;

fn day() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
}

fn replay(manifests: &Path, wl: &Path, tr: &Path, scope: Scope) -> (Vec<Value>, Summary, Vec<u8>) {
    let cat = catalog::open(wl, tr, day()).unwrap_or_else(|(p, _)| panic!("{p:?}"));
    let screener = Screener::new(cat.watchlist, cat.trends, scope);
    let mut out = Vec::new();
    let (files, skipped) = collect_files(&[manifests.to_path_buf()]);
    let summary = Replay { screener: &screener, hits_out: Box::new(&mut out), rejects_out: None, on_file: None }
        .run(&files, &skipped)
        .unwrap();
    let hits = String::from_utf8(out.clone()).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    (hits, summary, out)
}

/// The contract's example message, as JSON to edit.
fn spec_message() -> Value {
    serde_json::from_slice(&std::fs::read(spec_examples().join("api-message.json")).unwrap()).unwrap()
}

/// Replay one edited message against the contract's watchlist and trend.
fn replay_message(m: &Value, scope: Scope) -> (Vec<Value>, Summary, Vec<u8>) {
    let s = spec_inputs();
    let d = folder_with("m.json", m.to_string().as_bytes());
    replay(d.path(), s.wl.path(), s.tr.path(), scope)
}

struct Spec {
    wl: tempfile::TempDir,
    tr: tempfile::TempDir,
}

fn spec_inputs() -> Spec {
    let ex = spec_examples();
    Spec {
        wl: folder_with("watchlist.csv", &std::fs::read(ex.join("watchlist.csv")).unwrap()),
        tr: folder_with("trend.toml", &std::fs::read(ex.join("trend.toml")).unwrap()),
    }
}

#[test]
fn contract_examples_give_exactly_the_expected_hits() {
    let s = spec_inputs();
    let m = folder_with("m.json", &std::fs::read(spec_examples().join("api-message.json")).unwrap());
    let (hits, summary, _) = replay(m.path(), s.wl.path(), s.tr.path(), Scope::eu_schengen());
    let got: Vec<(String, u64, String)> = hits
        .iter()
        .map(|h| {
            let id = h["entry_id"].as_str().or(h["trend_id"].as_str()).unwrap().to_string();
            (h["kind"].as_str().unwrap().to_string(), h["passenger"].as_u64().unwrap(), id)
        })
        .collect();
    assert_eq!(
        got,
        vec![("watchlist".into(), 1, "W-0001".into()), ("trend".into(), 1, "TR-2026-007".into())],
        "the Cyrillic passenger hits W-0001 and the trend; nobody hits expired W-0003"
    );
    let w = &hits[0];
    assert_eq!(w["list"], "NL-WANTED");
    assert!(w["score"].as_f64().unwrap() >= 0.85);
    assert_eq!(w["explanation"]["document"], "exact");
    assert_eq!(w["explanation"]["date_of_birth"], "year_month");
    assert_eq!(w["explanation"]["name"]["tokens"][1]["passenger"], "ARTEM");
    let t = &hits[1];
    assert_eq!(t["score"], 90.0);
    assert_eq!(t["explanation"]["matched"].as_array().unwrap().len(), 3);
    assert_eq!(summary.passengers, 2);
    assert_eq!(summary.hits, 2);
}

#[test]
fn expired_entry_never_hits() {
    // W-0003 (valid until 2026-01-31) against the very person it lists.
    let s = spec_inputs();
    let mut m = spec_message();
    m["passengers"][0]["surname"] = "ΠΑΠΑΔΟΠΟΥΛΟΣ".into();
    m["passengers"][0]["given_names"] = "ΝΙΚΟΣ".into();
    m["passengers"][0]["date_of_birth"] = "1970-02-14".into();
    m["passengers"][0]["nationality"] = "GRC".into();
    let d = folder_with("m.json", m.to_string().as_bytes());
    let (hits, _, _) = replay(d.path(), s.wl.path(), s.tr.path(), Scope::eu_schengen());
    assert!(hits.iter().all(|h| h["entry_id"] != "W-0003"));
    // The same person on a flight before the entry expired is a hit.
    m["flight"]["departure_time"] = "2026-01-10T01:45:00Z".into();
    m["flight"]["arrival_time"] = "2026-01-10T08:55:00Z".into();
    let d = folder_with("m.json", m.to_string().as_bytes());
    let (hits, _, _) = replay(d.path(), s.wl.path(), s.tr.path(), Scope::eu_schengen());
    assert!(hits.iter().any(|h| h["entry_id"] == "W-0003" && h["passenger"] == 0));
}

#[test]
fn out_of_scope_flight_is_not_screened() {
    let mut m = spec_message();
    m["flight"]["departure_airport"] = "FRA".into();
    let (hits, summary, _) = replay_message(&m, Scope::eu_schengen());
    assert!(hits.is_empty());
    assert_eq!(summary.out_of_scope, 1);
    assert_eq!(summary.passengers, 0);
    // `--scope all` screens it.
    let (hits, summary, _) = replay_message(&m, Scope::All);
    assert_eq!(summary.out_of_scope, 0);
    assert!(hits.iter().any(|h| h["entry_id"] == "W-0001"));
}

#[test]
fn ethnicity_field_is_discarded_counted_and_the_rest_screened() {
    let mut m = spec_message();
    m["passengers"][1]["ethnicity"] = "recorded-by-carrier".into();
    let (hits, summary, out) = replay_message(&m, Scope::eu_schengen());
    assert_eq!(summary.special_category_fields_discarded, 1);
    assert_eq!(summary.special_category_by_sender.get("KL"), Some(&1));
    assert!(hits.iter().any(|h| h["entry_id"] == "W-0001"));
    assert!(!String::from_utf8(out).unwrap().contains("recorded-by-carrier"));
}

#[test]
fn malformed_passenger_does_not_drop_the_flight() {
    let mut m = spec_message();
    m["passengers"][0] = "not a person".into();
    let (hits, summary, _) = replay_message(&m, Scope::eu_schengen());
    assert_eq!(summary.rejected_passengers, 1);
    assert_eq!(summary.passengers, 1);
    assert!(summary.anything_rejected());
    assert!(hits.iter().any(|h| h["entry_id"] == "W-0001" && h["passenger"] == 1), "index kept");
}

/// A defective field costs the field: the person is still screened on the
/// rest, and the hit says the input was damaged.
#[test]
fn a_defective_field_is_dropped_and_the_hit_flagged() {
    let mut m = spec_message();
    m["passengers"][1]["gender"] = "male".into();
    m["passengers"][1]["document"]["issuing_country"] = "".into();
    let (hits, summary, _) = replay_message(&m, Scope::eu_schengen());
    assert_eq!(summary.rejected_passengers, 0);
    assert_eq!(summary.passengers, 2);
    assert_eq!(summary.fields_dropped, 2);
    assert_eq!(summary.damaged_passengers, 1);
    assert!(!summary.anything_rejected(), "a dropped field is reported, not a rejection");
    let hit = hits.iter().find(|h| h["entry_id"] == "W-0001").expect("still screened");
    assert_eq!(hit["input_damaged"], true);
    let (clean, _, _) = replay_message(&spec_message(), Scope::eu_schengen());
    assert!(clean.iter().all(|h| h.get("input_damaged").is_none()), "no flag on clean input");
}

#[test]
fn jsonl_bad_lines_and_duplicates() {
    let s = spec_inputs();
    let m = spec_message();
    let mut other = m.clone();
    other["message_id"] = "second".into();
    let text = format!("{}\n{{not json\n{}\n{}\n", m, m, other);
    let d = folder_with("m.jsonl", text.as_bytes());
    let (_, summary, _) = replay(d.path(), s.wl.path(), s.tr.path(), Scope::eu_schengen());
    assert_eq!(summary.messages, 4);
    assert_eq!(summary.rejected_messages, 1);
    assert_eq!(summary.duplicates, 1);
    assert_eq!(summary.passengers, 4);
}

#[test]
fn replay_is_deterministic() {
    let day = day();
    let rows = paxscreen::generate::watchlist(3000, 11, day);
    let wl = tempfile::tempdir().unwrap();
    paxscreen::generate::write_watchlist(&rows, std::fs::File::create(wl.path().join("l.csv")).unwrap()).unwrap();
    let tr = folder_with("trend.toml", &std::fs::read(spec_examples().join("trend.toml")).unwrap());
    let opts = paxscreen::generate::ManifestOptions { flights: 40, seed: 5, date: day, plant_share: 0.05 };
    let (msgs, planted) = paxscreen::generate::manifests(&opts, &rows);
    assert!(!planted.is_empty());
    let m = tempfile::tempdir().unwrap();
    for msg in &msgs {
        std::fs::write(
            m.path().join(format!("{}.json", msg.message_id)),
            paxscreen::formats::api_json::to_value(msg).to_string(),
        )
        .unwrap();
    }
    let (hits, _, a) = replay(m.path(), wl.path(), tr.path(), Scope::All);
    let (_, _, b) = replay(m.path(), wl.path(), tr.path(), Scope::All);
    assert!(!hits.is_empty());
    assert_eq!(a, b, "same input, same output, byte for byte");
}
