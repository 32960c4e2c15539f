//! Input that cannot hurt: one test per class of failure seen with hostile
//! and sloppy input (bounded memory, no personal data on the terminal, no
//! silent damage, field defects, files that are not files, line positions,
//! misread shapes, process hygiene, reload-path panics, stable versions).

mod common;
use common::*;
use paxscreen::formats::decode::{decode_bytes, Decoded, MAX_JSON_MESSAGE};
use paxscreen::formats::paxlst::read_messages;
use paxscreen::formats::MessageError;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const LIST: &str =
    "list,entry_id,surname,given_names,aliases,date_of_birth,nationality,document_numbers,category,valid_until\n\
NL-WANTED,W-1,OBRIEN,SEAMUS,,1975-03-09,IRL,IRL:PX1234567,wanted-serious-crime,\n\
NL-WANTED,W-2,OKONKWO,ADAEZE,,1988-04-17,CAN,,wanted-serious-crime,\n";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/paxlst").join(name)).unwrap()
}

/// A folder with the given files.
fn folder(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for (name, content) in files {
        std::fs::write(d.path().join(name), content).unwrap();
    }
    d
}

fn no_trends() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// `paxscreen replay` of `manifests` against LIST, with a rejects file; hits parsed.
fn replay(manifests: &Path, extra: &[&str]) -> (Output, Vec<Value>, String) {
    let wl = folder(&[("list.csv", LIST.as_bytes())]);
    let tr = no_trends();
    let out = tempfile::tempdir().unwrap();
    let hits = out.path().join("hits.jsonl");
    let rejects = out.path().join("rejects.jsonl");
    let o = bin()
        .arg("replay")
        .arg(manifests)
        .args(["--scope", "all", "--watchlists"])
        .arg(wl.path())
        .arg("--trends")
        .arg(tr.path())
        .arg("--out")
        .arg(&hits)
        .arg("--rejects")
        .arg(&rejects)
        .args(extra)
        .output()
        .unwrap();
    let hits =
        std::fs::read_to_string(&hits).unwrap_or_default().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    (o, hits, std::fs::read_to_string(&rejects).unwrap_or_default())
}

/// `paxscreen replay` with only its lists (no output files), in `env`.
fn plain_replay(manifests: &Path, wl: &Path, tr: &Path, env: &[(&str, &str)]) -> Output {
    let mut c = bin();
    c.arg("replay").arg(manifests).arg("--watchlists").arg(wl).arg("--trends").arg(tr);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

// --- Memory grows with bad input -------------------------------------------

/// Rejections stream to the rejects file; the summary keeps counts and a
/// bounded sample, whatever the number of bad lines.
#[test]
fn rejections_stream_and_the_summary_stays_bounded() {
    let lines = "{garbage}\n".repeat(20_000);
    let d = folder(&[("bad.jsonl", lines.as_bytes())]);
    let (o, _, rejects) = replay(d.path(), &["--summary-json", "/dev/stdout"]);
    assert_eq!(rejects.lines().count(), 20_000, "every rejection in the rejects file");
    let summary: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["rejected_messages"], 20_000);
    assert_eq!(summary["sample"].as_array().unwrap().len(), paxscreen::ingest::replay::SAMPLE);
    assert!(stderr(&o).lines().count() < 120, "the terminal gets a sample, not 20,000 lines");
}

/// A document larger than the limit is refused unread and costs nothing else.
#[test]
fn an_oversized_document_is_refused_and_the_next_one_read() {
    let big = format!("{{\"schema\": \"{}\"}}\n", "x".repeat(MAX_JSON_MESSAGE + 10));
    let input = format!("{big}{{\"not\": \"a message\"}}\n");
    let got = decode_bytes(input.as_bytes());
    assert_eq!(got.len(), 2);
    assert!(matches!(&got[0], Decoded::Message { result: Err(MessageError::TooLarge { .. }), .. }));
    assert!(matches!(&got[1], Decoded::Message { line: 2, result: Err(MessageError::Field(_)), .. }));
}

// --- Personal data on the terminal ------------------------------------------

#[test]
fn check_and_replay_never_print_a_listed_persons_data() {
    let bad = format!("{LIST}NL-WANTED,W-3,DOE,JANE,,1975-13-40,IRL,ZZQ:XK99887766,wanted-serious-crime,\n");
    let wl = folder(&[("list.csv", bad.as_bytes())]);
    let tr = no_trends();
    let check = |extra: &[&str]| {
        bin()
            .arg("check")
            .arg("--watchlists")
            .arg(wl.path())
            .arg("--trends")
            .arg(tr.path())
            .args(extra)
            .output()
            .unwrap()
    };
    let o = check(&[]);
    let all = format!("{}{}", String::from_utf8_lossy(&o.stdout), stderr(&o));
    assert!(all.contains("date_of_birth") && all.contains("document_numbers"), "{all}");
    for value in ["1975-13-40", "XK99887766"] {
        assert!(!all.contains(value), "check printed {value}: {all}");
    }
    let shown = check(&["--show-values"]);
    assert!(String::from_utf8_lossy(&shown.stdout).contains("XK99887766"), "asked for explicitly");

    let m = folder(&[("m.json", b"{}")]);
    let o = plain_replay(m.path(), wl.path(), tr.path(), &[]);
    assert_eq!(o.status.code(), Some(2), "a refused list stops the replay");
    let err = stderr(&o);
    assert!(err.contains("refused whole"), "{err}");
    for value in ["1975-13-40", "XK99887766"] {
        assert!(!err.contains(value), "replay printed {value}: {err}");
    }
}

#[test]
fn paxlst_problems_are_redacted_on_the_terminal_and_whole_in_rejects() {
    let text = fixture("multi-leg.edi").replace("ATT+2++F", "ATT+2++SECRETVALUE").replace("CNT+42:2", "CNT+42:ZZTOP");
    let d = folder(&[("m.edi", text.as_bytes())]);
    let (o, hits, rejects) = replay(d.path(), &[]);
    let err = stderr(&o);
    assert!(err.contains("ATT+2 element 3: expected M, F, X or U"), "{err}");
    assert!(!err.contains("SECRETVALUE") && !err.contains("ZZTOP"), "{err}");
    assert!(rejects.contains("SECRETVALUE") && rejects.contains("ZZTOP"), "{rejects}");
    assert!(hits.iter().any(|h| h["entry_id"] == "W-2"), "still screened");
}

// --- Damage that passes silently ---------------------------------------------

#[test]
fn an_unescaped_apostrophe_is_read_as_part_of_the_name_and_flagged() {
    let text = fixture("multi-leg.edi")
        .replace("NAD+DDU+++TANAKA:HIROSHI'", "NAD+DDU+++O'BRIEN:SEAMUS'\nDTM+329:750309'\nDOC+P+PX1234567'");
    let m = read_messages(text.as_bytes()).remove(0).result.unwrap();
    let p = &m.message.passengers[1];
    assert_eq!(p.surname, "O'BRIEN");
    assert_eq!(p.given_names.as_deref(), Some("SEAMUS"));
    assert!(p.damaged && !m.message.passengers[0].damaged);
    assert!(m.report.warnings.iter().any(|w| w.reason.contains("unescaped apostrophe")));

    let d = folder(&[("m.edi", text.as_bytes())]);
    let (o, hits, _) = replay(d.path(), &[]);
    let hit = hits.iter().find(|h| h["entry_id"] == "W-1").unwrap_or_else(|| panic!("{hits:?}"));
    assert_eq!(hit["input_damaged"], true);
    assert!(stderr(&o).contains("unescaped apostrophe"), "the warning is shown");
}

#[test]
fn garbage_segments_and_a_cut_off_interchange_are_reported_and_flagged() {
    // Garbage inside the first person's group, garbage between messages.
    let text =
        fixture("multi-leg.edi").replace("NAT+2+CAN'", "NAT+2+CAN'\n%%%@@@'").replace("UNZ+1+55'", "JUNK+1'UNZ+1+55'");
    let m = read_messages(text.as_bytes()).remove(0).result.unwrap();
    assert!(m.message.passengers[0].damaged);
    assert!(!m.message.passengers[1].damaged);
    assert!(m.report.warnings.iter().any(|w| w.reason.contains("not an EDIFACT segment")));
    let notices: Vec<_> = decode_bytes(text.as_bytes())
        .into_iter()
        .filter_map(|d| match d {
            Decoded::Notice { error, .. } => Some(error.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].contains("outside any message"));

    // Cut off in the middle of the second person.
    let full = fixture("multi-leg.edi");
    let cut = &full[..full.find("NAT+2+JPN").unwrap() + 5];
    let m = read_messages(cut.as_bytes()).remove(0).result.unwrap();
    assert_eq!(m.message.passengers.len(), 2);
    assert!(m.message.passengers[1].damaged, "the last person of a cut-off message");
    assert!(m.report.warnings.iter().any(|w| w.reason.contains("no UNT trailer")));
    let d = folder(&[("m.edi", cut.as_bytes())]);
    let (o, _, _) = replay(d.path(), &[]);
    assert!(stderr(&o).contains("no UNT trailer"), "{}", stderr(&o));
}

// --- A defect in one field loses the whole passenger -------------------------

#[test]
fn an_empty_optional_element_is_absent_and_a_bad_one_costs_only_itself() {
    let text = fixture("multi-leg.edi").replace("LOC+91+CAN'", "LOC+91+'").replace("NAT+2+JPN", "NAT+2+");
    let m = read_messages(text.as_bytes()).remove(0).result.unwrap();
    assert_eq!(m.message.passengers.len(), 2);
    assert!(m.report.field_defects.is_empty(), "{:?}", m.report.field_defects);
    assert!(m.message.passengers.iter().all(|p| !p.damaged));
    assert_eq!(m.message.passengers[0].document.as_ref().unwrap().issuing_country, None);

    let future = fixture("multi-leg.edi").replace("DTM+329:880417", "DTM+329:20300101:102");
    let m = read_messages(future.as_bytes()).remove(0).result.unwrap();
    assert_eq!(m.message.passengers.len(), 2);
    assert_eq!(m.message.passengers[0].date_of_birth, None);
    assert!(m.report.field_defects[0].reason.contains("after the flight's departure"));
    let old = fixture("multi-leg.edi").replace("DTM+329:880417", "DTM+329:18991231:102");
    let m = read_messages(old.as_bytes()).remove(0).result.unwrap();
    assert!(m.report.field_defects[0].reason.contains("before 1900"));
    // No surname but a document: screened on the document.
    let doc_only = fixture("multi-leg.edi").replace("NAD+FL+++OKONKWO:ADAEZE:CHIDINMA", "NAD+FL+++");
    let m = read_messages(doc_only.as_bytes()).remove(0).result.unwrap();
    assert_eq!(m.message.passengers.len(), 2);
    assert_eq!(m.message.passengers[0].document.as_ref().unwrap().number.as_deref(), Some("HT4491027"));
}

// --- Files that are not files -------------------------------------------------

#[cfg(unix)]
#[test]
fn fifos_and_link_loops_are_skipped_and_named() {
    let d = folder(&[("a.edi", fixture("multi-leg.edi").as_bytes())]);
    let fifo = d.path().join("pipe");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    std::os::unix::fs::symlink(d.path().join("loop1"), d.path().join("loop2")).unwrap();
    std::os::unix::fs::symlink(d.path().join("loop2"), d.path().join("loop1")).unwrap();
    std::os::unix::fs::symlink(d.path(), d.path().join("self")).unwrap();
    let (o, hits, rejects) = replay(d.path(), &[]);
    let err = stderr(&o);
    assert!(err.contains("pipe") && err.contains("not a regular file"), "{err}");
    assert!(err.contains("loop1") && err.contains("link loop"), "{err}");
    assert!(hits.iter().any(|h| h["entry_id"] == "W-2"), "the real file is screened");
    assert!(rejects.contains("path_skipped"));
    assert_eq!(o.status.code(), Some(1), "something was skipped");
}

// --- Wrong positions in errors -------------------------------------------------

#[test]
fn watchlist_errors_name_the_line_where_the_record_began() {
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let load = |text: &str| {
        let mut l = paxscreen::matching::watchlist::Loaded::default();
        paxscreen::matching::watchlist::load_csv(text.as_bytes(), "l.csv", day, &mut l);
        l.problems
    };
    let crlf = LIST.replace('\n', "\r\n") + "NL-WANTED,W-3,DOE,JANE,,1975-13-40,,,wanted-serious-crime,\r\n";
    let p = load(&crlf);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].line, 4);
    let quoted = format!(
        "{LIST}NL-WANTED,W-3,\"DOE\nSMITH\",JANE,,1975-13-40,,,wanted-serious-crime,\nNL-WANTED,W-4,X,Y,,19xx,,,c,\n"
    );
    let p = load(&quoted);
    assert_eq!(p.iter().map(|p| p.line).collect::<Vec<_>>(), vec![4, 6], "{p:?}");
    let unterminated =
        format!("{LIST}NL-WANTED,W-3,\"DOE,JANE,,1975,,,wanted-serious-crime,\nNL-WANTED,W-4,X,Y,,,,,c,\n");
    let p = load(&unterminated);
    assert_eq!(p[0].line, 4, "{p:?}");
}

// --- Misread shapes ---------------------------------------------------------------

#[test]
fn a_multi_line_document_is_one_message_with_its_error_at_the_real_line() {
    let text = "{\"schema\": \"paxscreen.api/1\",\n \"message_id\": \"M1\",\n \"sender\": \"KL\"\n \"flight\": {}\n}\n";
    let got = decode_bytes(text.as_bytes());
    assert_eq!(got.len(), 1, "{got:?}");
    match &got[0] {
        Decoded::Message { line: 1, result: Err(MessageError::Syntax { line, .. }), .. } => assert_eq!(*line, 4),
        other => panic!("{other:?}"),
    }
}

// --- Process hygiene ------------------------------------------------------------------

#[test]
fn a_closed_pipe_ends_convert_quietly() {
    let d = tempfile::tempdir().unwrap();
    let text = fixture("multi-leg.edi");
    for i in 0..400 {
        std::fs::write(d.path().join(format!("m{i:03}.edi")), text.replace("UNH+M1", &format!("UNH+M{i}"))).unwrap();
    }
    let mut child = bin().arg("convert").arg(d.path()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 10];
    std::io::Read::read_exact(&mut out, &mut first).unwrap();
    drop(out);
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("Broken pipe"), "{}", stderr(&o));
}

#[test]
fn replay_exit_status_tells_whether_anything_was_rejected() {
    let good = folder(&[("m.edi", fixture("multi-leg.edi").as_bytes())]);
    let (o, _, _) = replay(good.path(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let bad = folder(&[("m.edi", fixture("multi-leg.edi").as_bytes()), ("x.json", b"{garbage}")]);
    let (o, _, _) = replay(bad.path(), &[]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn logs_have_no_colours_off_a_terminal() {
    let good = folder(&[("m.edi", fixture("multi-leg.edi").as_bytes())]);
    let wl = folder(&[("list.csv", LIST.as_bytes())]);
    let tr = no_trends();
    let o = plain_replay(good.path(), wl.path(), tr.path(), &[("PAXSCREEN_LOG", "info")]);
    let err = stderr(&o);
    assert!(err.contains("watchlists loaded"), "{err}");
    assert!(!err.contains('\u{1b}'), "{err:?}");
}

// --- Panics and overflows in reload paths ---------------------------------------------

#[test]
fn huge_weights_and_too_many_names_are_load_errors() {
    let trend = r#"
id = "TR-1"
title = "t"
justification = "j"
valid_from = "2026-01-01"
valid_until = "2027-01-01"
threshold = 4294967297

[[characteristic]]
field = "flight.departure_airport"
op = "eq"
value = "AAA"
weight = 4294967295

[[characteristic]]
field = "document.days_since_issue"
op = "lt"
value = 30
weight = 4294967295
"#;
    let problems = paxscreen::trends::parse_trend(trend, "t.toml").unwrap_err();
    let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    assert!(text.iter().any(|p| p.contains("threshold") && p.contains("up to 1000000")), "{text:?}");
    assert!(text.iter().any(|p| p.contains("weight") && p.contains("up to 1000000")), "{text:?}");

    let aliases: Vec<String> = (0..300).map(|i| format!("NAME{i}, X")).collect();
    let list = format!("{LIST}NL-WANTED,W-9,MANY,NAMES,\"{}\",,,,c,\n", aliases.join(";"));
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let mut l = paxscreen::matching::watchlist::Loaded::default();
    paxscreen::matching::watchlist::load_csv(list.as_bytes(), "l.csv", day, &mut l);
    assert!(l.problems.iter().any(|p| p.message.contains("at most 255")), "{:?}", l.problems);
}

// --- Unstable list versions --------------------------------------------------------------

#[test]
fn list_versions_are_sha256_anyone_can_recompute() {
    let wl = folder(&[("b.csv", LIST.as_bytes()), ("a-list.csv", LIST.replace("W-", "A-").as_bytes())]);
    std::fs::create_dir(wl.path().join("a")).unwrap();
    std::fs::write(wl.path().join("a/x.csv"), LIST.replace("W-", "X-").replace("NL-WANTED", "X")).unwrap();
    let version = paxscreen::catalog::folder_version(wl.path(), "csv").unwrap();
    let script =
        "find . -type f -name '*.csv' | sed 's|^\\./||' | LC_ALL=C sort | xargs -d '\\n' sha256sum | sha256sum";
    let o = Command::new("sh").arg("-c").arg(script).current_dir(wl.path()).output().unwrap();
    let expected = String::from_utf8(o.stdout).unwrap();
    assert_eq!(version, format!("sha256:{}", &expected[..64]));

    let m = folder(&[("m.edi", fixture("multi-leg.edi").as_bytes())]);
    let (_, hits, _) = replay(m.path(), &[]);
    assert!(hits[0]["version"].as_str().unwrap().starts_with("sha256:"));
}
