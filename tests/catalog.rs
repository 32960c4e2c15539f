//! Every refusal rule for trends and watchlists, and `paxscreen check`.

mod common;
use common::*;
use paxscreen::matching::watchlist::{load_csv, Loaded};
use paxscreen::trends::parse_trend;

const OK_TREND: &str = r#"
id = "T-1"
title = "t"
justification = "analysis 1"
valid_from = "2026-01-01"
valid_until = "2027-01-01"
threshold = 50

[[characteristic]]
field = "flight.departure_airport"
op = "in"
value = ["BOG"]
weight = 40

[[characteristic]]
field = "nationality"
op = "eq"
value = "COL"
weight = 20
"#;

fn refusal(text: &str) -> String {
    match parse_trend(text, "t.toml") {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(ps) => ps.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n"),
    }
}

#[test]
fn a_valid_trend_loads() {
    let t = parse_trend(OK_TREND, "t.toml").unwrap();
    assert_eq!(t.characteristics.len(), 2);
}

#[test]
fn special_category_field_is_refused_as_such() {
    let e = refusal(&OK_TREND.replace("field = \"nationality\"", "field = \"religion\""));
    assert!(e.contains("special-category"), "{e}");
    assert!(e.starts_with("t.toml:"), "{e}");
    let e = refusal(&OK_TREND.replace("field = \"nationality\"", "field = \"health.status\""));
    assert!(e.contains("special-category"), "{e}");
}

#[test]
fn unknown_field_is_refused() {
    let e = refusal(&OK_TREND.replace("field = \"nationality\"", "field = \"shoe_size\""));
    assert!(e.contains("unknown field \"shoe_size\""), "{e}");
    let e = refusal(&format!("colour = \"red\"\n{OK_TREND}"));
    assert!(e.contains("colour"), "{e}");
}

#[test]
fn threshold_reachable_by_support_fields_alone_is_refused() {
    let t = OK_TREND.replace("threshold = 50", "threshold = 20");
    let e = refusal(&t);
    assert!(e.contains("may support a trend, never make one"), "{e}");
    let gender = format!("{OK_TREND}\n[[characteristic]]\nfield = \"gender\"\nop = \"eq\"\nvalue = \"M\"\nweight = 20\n\n[[characteristic]]\nfield = \"document.issuing_country\"\nop = \"eq\"\nvalue = \"COL\"\nweight = 15\n");
    let e = refusal(&gender);
    assert!(e.contains("(55 >= 50)"), "{e}");
}

#[test]
fn other_refusals() {
    for (from, to, want) in [
        ("threshold = 50", "threshold = 500", "can never be reached"),
        ("threshold = 50", "threshold = 0", "must be a positive integer"),
        ("weight = 40", "weight = -4", "must be a positive integer"),
        ("op = \"in\"", "op = \"like\"", "unknown operator"),
        ("op = \"in\"", "op = \"lt\"", "does not apply to a text field"),
        ("valid_until = \"2027-01-01\"", "valid_until = \"2025-01-01\"", "is before valid_from"),
        ("valid_from = \"2026-01-01\"", "valid_from = \"01.01.2026\"", "not YYYY-MM-DD"),
        ("justification = \"analysis 1\"", "justification = \"\"", "must record why"),
    ] {
        let e = refusal(&OK_TREND.replace(from, to));
        assert!(e.contains(want), "{to}: {e}");
    }
    let e = refusal(&OK_TREND.replace(
        "field = \"nationality\"\nop = \"eq\"\nvalue = \"COL\"",
        "field = \"age_years\"\nop = \"between\"\nvalue = [40, 20]",
    ));
    assert!(e.contains("low is above high"), "{e}");
}

#[test]
fn trend_outside_its_window_does_not_screen() {
    let t = parse_trend(OK_TREND, "t.toml").unwrap();
    assert!(t.is_active_on(chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()));
    assert!(!t.is_active_on(chrono::NaiveDate::from_ymd_opt(2027, 1, 2).unwrap()));
    assert!(!t.is_active_on(chrono::NaiveDate::from_ymd_opt(2025, 12, 31).unwrap()));
}

const HEADER: &str =
    "list,entry_id,surname,given_names,aliases,date_of_birth,nationality,document_numbers,category,valid_until\n";

fn load(text: &str) -> Loaded {
    let mut l = Loaded::default();
    load_csv(text.as_bytes(), "w.csv", chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(), &mut l);
    l
}

#[test]
fn watchlist_refusals_name_file_line_and_column() {
    let l = load(&format!("{HEADER}L,1,DOE,JOHN,,1980-13,,,wanted,\nL,2,,,,,,,wanted,\nL,3,ROE,JANE,,,XXQ,,wanted,\nL,4,POE,ED,,,,,,\nL,5,LEE,AL,,,,NLD:AB,wanted,\nL,6,KIM,MI,,,,,wanted,2027-02-30\n"));
    let msgs: Vec<String> = l.problems.iter().map(|p| p.to_string()).collect();
    let want = [
        "w.csv:2: date_of_birth: not YYYY-MM-DD, YYYY-MM or YYYY",
        "w.csv:3: surname: an entry needs a name or a document number",
        "w.csv:4: nationality: not an alpha-3 country code",
        "w.csv:5: category: must not be empty",
        "w.csv:6: document_numbers: document number too short",
        "w.csv:7: valid_until: not YYYY-MM-DD",
    ];
    assert_eq!(msgs.len(), want.len(), "{msgs:#?}");
    for (m, w) in msgs.iter().zip(want) {
        assert!(m.starts_with(w), "{m} vs {w}");
    }
    assert!(l.entries.is_empty());
}

#[test]
fn a_large_list_loads_in_file_order_with_its_problems_in_line_order() {
    // Loading prepares chunks of records in parallel while reading the next:
    // spread problems over several chunks and check nothing moves or is lost.
    let n = 40_000;
    let mut text = HEADER.to_string();
    for i in 0..n {
        match i {
            5 | 20_000 | 39_999 => text.push_str(&format!("L,{i},DOE,JOHN,,1980-13,,,wanted,\n")),
            17_000 => text.push_str("L,17000,too,few,fields\n"),
            _ => text.push_str(&format!("L,{i},SURNAME{i},GIVEN,,1980-01-02,,,wanted,\n")),
        }
    }
    let l = load(&text);
    let lines: Vec<u64> = l.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [7, 17_002, 20_002, 40_001]);
    assert!(l.problems[1].message.starts_with("malformed CSV record"), "{}", l.problems[1]);
    // Every other record is an entry, in file order.
    let ids: Vec<usize> = l.entries.iter().map(|e| e.entry_id.parse().unwrap()).collect();
    assert_eq!(ids.len(), n - 4);
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn watchlist_special_category_and_missing_columns_refuse_the_file() {
    let l = load("list,entry_id,surname,given_names,aliases,date_of_birth,nationality,document_numbers,category,valid_until,religion\nL,1,DOE,J,,,,,wanted,,x\n");
    assert!(l.problems[0].to_string().contains("special-category"), "{:?}", l.problems);
    assert!(l.entries.is_empty());
    let l = load("list,entry_id,surname\nL,1,DOE\n");
    assert!(l.problems.iter().any(|p| p.to_string().contains("given_names: required column missing")));
}

#[test]
fn expired_entries_are_notices_and_extra_columns_are_ignored() {
    let l = load("list,entry_id,surname,given_names,aliases,date_of_birth,nationality,document_numbers,category,valid_until,remark\nL,1,DOE,J,,,,,wanted,2020-01-01,old\n");
    assert!(l.problems.is_empty(), "{:?}", l.problems);
    assert_eq!(l.notices.len(), 1);
    assert_eq!(l.entries.len(), 1);
}

#[test]
fn check_command_reports_and_exits_non_zero() {
    let wl =
        folder_with("w.csv", format!("{HEADER}L,1,DOE,JOHN,,1980-13,,,wanted,\nL,1,DOE,JOHN,,,,,wanted,\n").as_bytes());
    let tr = folder_with("t.toml", OK_TREND.replace("nationality", "ethnicity").as_bytes());
    let out = bin().args(["check", "--watchlists"]).arg(wl.path()).arg("--trends").arg(tr.path()).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("w.csv:2: date_of_birth"), "{text}");
    assert!(text.contains("special-category"), "{text}");
    let ok = bin()
        .args(["check", "--watchlists", "watchlists", "--trends", "trends"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stdout));
}
