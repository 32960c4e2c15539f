//! UN/EDIFACT PAXLST: own fixtures for every feature, the public samples
//! in ../shared when they are there (read in place, never copied; skipped with a printed line when not), and the writer/reader round trip.

mod common;
use paxscreen::formats::paxlst::{read_messages, write, Interchange, PartTracker, Separators, WriteOptions};
use paxscreen::formats::{detect, Format};
use paxscreen::model::{ApiMessage, Role};
use proptest::prelude::*;
use std::path::Path;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/paxlst").join(name)).unwrap()
}

fn messages(bytes: &[u8]) -> Vec<paxscreen::model::ReadMessage> {
    read_messages(bytes).into_iter().map(|m| m.result.unwrap_or_else(|e| panic!("{e}"))).collect()
}

#[test]
fn custom_separators_and_release_character() {
    let b = fixture("custom-separators.edi");
    let ic = Interchange::parse(&b).unwrap();
    assert_eq!(
        ic.separators,
        Separators {
            component: b'*',
            element: b'#',
            decimal: b'.',
            release: Some(b'!'),
            repetition: b' ',
            segment: b'~'
        }
    );
    let m = &messages(&b)[0];
    assert!(m.report.warnings.is_empty(), "{:?}", m.report.warnings);
    let p = &m.message.passengers;
    assert_eq!(p[0].surname, "O'BRIEN");
    assert_eq!(p[0].given_names.as_deref(), Some("SEAN PATRICK"));
    // Released separators inside names: SMITH#JONES and ANNA*MARIA.
    assert_eq!(p[1].surname, "SMITH#JONES");
    assert_eq!(p[1].given_names.as_deref(), Some("ANNA*MARIA"));
    assert_eq!(p[1].date_of_birth.unwrap().to_string(), "1988-12-31");
    let d = p[0].document.as_ref().unwrap();
    assert_eq!(d.number.as_deref(), Some("PA1234567"));
    assert_eq!(d.expiry_date.unwrap().to_string(), "2031-02-03", "two-digit expiry year in the future");
    assert_eq!(d.issue_date.unwrap().to_string(), "2021-02-03");
    assert_eq!(p[0].date_of_birth.unwrap().to_string(), "1975-10-10", "two-digit birth year in the past");
    assert_eq!(p[0].pnr_locator.as_deref(), Some("QX7T2L"));
    assert_eq!(m.message.message_id, "ZZ0815-20261122");
    // Local times become instants with the airports' zones (Bogota UTC-5, Amsterdam UTC+1).
    assert_eq!(m.message.flight.departure_time.to_rfc3339(), "2026-11-22T02:30:00-05:00");
    assert_eq!(m.message.flight.arrival_time.to_rfc3339(), "2026-11-22T19:15:00+01:00");
    assert_eq!(m.message.sent_at.to_rfc3339(), "2026-11-21T23:50:00+00:00");
}

#[test]
fn release_character_apostrophe_in_default_separators() {
    let text = "UNB+UNOA:4+XX+YY+261122:0100+1'UNH+1+PAXLST:D:05B:UN:IATA'BGM+745'TDT+20+XX1+++XX'LOC+125+JFK'DTM+189:2611221800:201'LOC+87+AMS'DTM+232:2611230700:201'NAD+FL+++O?'BRIEN:SEAN'CNT+42:1'UNT+10+1'UNZ+1+1'";
    let m = &messages(text.as_bytes())[0];
    assert_eq!(m.message.passengers[0].surname, "O'BRIEN");
    assert!(m.report.warnings.is_empty(), "{:?}", m.report.warnings);
}

#[test]
fn crew_list_with_transit_crew() {
    let all = read_messages(&fixture("crew-list.edi"));
    assert!(all[0].crew_list);
    let m = all.into_iter().next().unwrap().result.unwrap();
    let roles: Vec<Role> = m.message.passengers.iter().map(|p| p.role).collect();
    assert_eq!(roles, vec![Role::Crew, Role::Crew, Role::TransitCrew]);
    assert_eq!(m.message.passengers[0].surname, "DE VRIES");
    assert_eq!(m.message.passengers[2].nationality.as_deref(), Some("DEU"), "ICAO code D");
    assert_eq!(m.message.flight.total_passengers, 3, "CNT+41 on a crew list");
    assert!(m.report.warnings.is_empty(), "{:?}", m.report.warnings);
}

#[test]
fn multi_leg_flight_takes_the_last_leg_and_the_whole_route() {
    let m = &messages(&fixture("multi-leg.edi"))[0];
    let f = &m.message.flight;
    assert_eq!((f.number.as_str(), f.departure_airport.as_str(), f.arrival_airport.as_str()), ("AC0824", "YYZ", "AMS"));
    assert_eq!(f.itinerary, vec!["YVR", "YYZ", "AMS"]);
    let p = &m.message.passengers;
    assert_eq!(p[0].given_names.as_deref(), Some("ADAEZE CHIDINMA"));
    assert_eq!(p[0].document.as_ref().unwrap().doc_type.as_deref(), Some("P"));
    assert_eq!(p[1].role, Role::TransitPassenger);
}

#[test]
fn three_part_message_each_part_screened_and_tied_together() {
    let all = read_messages(&fixture("three-parts.edi"));
    assert_eq!(all.len(), 3);
    let mut tracker = PartTracker::default();
    for m in &all {
        tracker.see(m.part.as_ref().unwrap());
    }
    assert!(tracker.incomplete().is_empty());
    assert_eq!(all[0].part.as_ref().unwrap().group, all[2].part.as_ref().unwrap().group);
    assert!(all[2].part.as_ref().unwrap().last);
    let ids: Vec<String> = all.iter().map(|m| m.result.as_ref().unwrap().message.message_id.clone()).collect();
    assert_eq!(ids, vec!["TK1951-20261122#01", "TK1951-20261122#02", "TK1951-20261122#03"]);
    // Part 3 has a person with an impossible date of birth: only that field is lost,
    // the person is screened on the rest and marked damaged.
    let p3 = all[2].result.as_ref().unwrap();
    assert_eq!(p3.message.passengers.len(), 2);
    assert!(p3.report.rejected_passengers.is_empty());
    assert_eq!(p3.message.passengers[0].date_of_birth, None);
    assert!(p3.message.passengers[0].damaged);
    assert_eq!(p3.message.passengers[1].surname, "CELIK");
    assert_eq!(p3.message.passengers[1].index, 1);
    assert!(!p3.message.passengers[1].damaged);
    assert_eq!(p3.message.passengers[1].date_of_birth.unwrap().to_string(), "2002-02-02");
    let e = p3.report.field_defects[0].to_string();
    assert_eq!(e, "persons[0]: segment 35 DTM+329 element 1: not a date: dropped: \"990230\"");
    assert_eq!(p3.report.field_defects[0].redacted(), "persons[0]: segment 35 DTM+329 element 1: not a date: dropped");
}

#[test]
fn a_missing_part_is_reported() {
    let text = String::from_utf8(fixture("three-parts.edi")).unwrap();
    let start = text.find("UNH+P2").unwrap();
    let end = text.find("UNH+P3").unwrap();
    let without_p2 = format!("{}{}", &text[..start], &text[end..]);
    let mut tracker = PartTracker::default();
    for m in read_messages(without_p2.as_bytes()) {
        tracker.see(m.part.as_ref().unwrap());
    }
    let inc = tracker.incomplete();
    assert_eq!(inc.len(), 1);
    assert_eq!(inc[0].1, vec![2]);
    // And through replay, in the summary.
    let d = common::folder_with("x.edi", without_p2.as_bytes());
    let wl = common::folder_with("w.csv", b"list,entry_id,surname,given_names,aliases,date_of_birth,nationality,document_numbers,category,valid_until\nL,1,NOBODY,HERE,,,,,wanted,\n");
    let out = common::bin()
        .args(["replay", "--trends"])
        .arg(wl.path())
        .arg("--watchlists")
        .arg(wl.path())
        .arg(d.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("incomplete multi-part") && err.contains("parts [2] missing"), "{err}");
}

#[test]
fn wrong_counts_are_warnings_not_rejections() {
    let text = String::from_utf8(fixture("multi-leg.edi"))
        .unwrap()
        .replace("UNT+29+M1", "UNT+31+M1")
        .replace("CNT+42:2", "CNT+42:5");
    let m = &messages(text.as_bytes())[0];
    assert_eq!(m.message.passengers.len(), 2);
    assert_eq!(m.report.warnings.len(), 2, "{:?}", m.report.warnings);
    assert!(m.report.warnings[0].to_string().contains("the message has 29 segments, not as many as UNT says: \"31\""));
    assert!(m.report.warnings[1].to_string().contains("total 5 but the message lists 2 persons"));
}

#[test]
fn message_errors_name_segment_and_element() {
    let text = String::from_utf8(fixture("multi-leg.edi"))
        .unwrap()
        .replace("DTM+189:2611212330:201", "DTM+189:26112X2330:201");
    let e = read_messages(text.as_bytes()).remove(0).result.unwrap_err().to_string();
    assert_eq!(e, "segment 12 DTM+189 element 1: not a date and time: \"26112X2330\"");
    let text = String::from_utf8(fixture("multi-leg.edi")).unwrap().replace("LOC+87+AMS", "LOC+87+AMSTERDAM");
    let e = read_messages(text.as_bytes()).remove(0).result.unwrap_err().to_string();
    assert!(e.contains("arrival airport is not an IATA code"), "{e}");
    let person = String::from_utf8(fixture("multi-leg.edi")).unwrap().replace("ATT+2++F", "ATT+2++Q");
    let m = read_messages(person.as_bytes()).remove(0).result.unwrap();
    assert_eq!(
        m.report.field_defects[0].to_string(),
        "persons[0]: segment 16 ATT+2 element 3: expected M, F, X or U: dropped: \"Q\""
    );
    assert_eq!(m.message.passengers.len(), 2);
    assert_eq!(m.message.passengers[0].gender, None);
}

#[test]
fn format_is_told_by_content() {
    assert_eq!(detect(&fixture("crew-list.edi")), Some(Format::Paxlst));
    assert_eq!(detect(b"  \nUNA:+.? 'UNB"), Some(Format::Paxlst));
    assert_eq!(detect(b"{\"schema\":1}"), Some(Format::Json));
    assert_eq!(detect(b"hello"), None);
}

/// The public samples (US-CBP/GTAS test resources), read where they lie.
#[test]
fn shared_samples_parse() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples/paxlst");
    if !dir.is_dir() {
        println!(
            "skipped: third-party PAXLST samples not found at {} (place them beside the repository to run this check)",
            dir.display()
        );
        return;
    }
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = e.unwrap().path();
        for m in read_messages(&std::fs::read(&path).unwrap()) {
            let rm = m.result.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(!rm.message.passengers.is_empty(), "{}", path.display());
            assert!(
                rm.report.rejected_passengers.is_empty(),
                "{}: {:?}",
                path.display(),
                rm.report.rejected_passengers
            );
            n += 1;
        }
    }
    assert_eq!(n, 3);
}

fn generated(seed: u64) -> ApiMessage {
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let opts = paxscreen::generate::ManifestOptions { flights: 1, seed, date: day, plant_share: 0.0 };
    paxscreen::generate::manifests(&opts, &[]).0.remove(0)
}

const SEPARATOR_SETS: &[[u8; 4]] = &[*b":+?'", *b"*#!~", *b"^|\\\n", *b":+?#"];

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    /// generated manifest → PAXLST writer → reader gives the same model.
    #[test]
    fn round_trip(seed in 0u64..100_000, set in 0usize..SEPARATOR_SETS.len(), newlines: bool, part_size in prop_oneof![Just(0usize), 7usize..60]) {
        let m = generated(seed);
        let [c, e, r, s] = SEPARATOR_SETS[set];
        let opts = WriteOptions {
            separators: Separators { component: c, element: e, decimal: b'.', release: Some(r), repetition: b' ', segment: s },
            newlines: newlines && s != b'\n',
            part_size,
        };
        let text = write(&m, &opts);
        let read = read_messages(text.as_bytes());
        let mut passengers = Vec::new();
        for (i, r) in read.iter().enumerate() {
            let rm = r.result.as_ref().map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(rm.report.warnings.is_empty(), "{:?}", rm.report.warnings);
            prop_assert!(rm.report.rejected_passengers.is_empty());
            prop_assert_eq!(&rm.message.flight, &m.flight);
            prop_assert_eq!(rm.message.sent_at, m.sent_at);
            prop_assert_eq!(&rm.message.sender, &m.sender);
            if read.len() == 1 {
                prop_assert_eq!(&rm.message.message_id, &m.message_id);
            } else {
                prop_assert_eq!(&rm.message.message_id, &format!("{}#{:02}", m.message_id, i + 1));
            }
            passengers.extend(rm.message.passengers.iter().cloned());
        }
        prop_assert_eq!(passengers.len(), m.passengers.len());
        for (a, b) in passengers.iter().zip(&m.passengers) {
            let mut a = a.clone();
            a.index = b.index; // indices restart in each part
            prop_assert_eq!(&a, b);
        }
    }
}

/// The BGM table of service.md section 7, read from a carrier's message and
/// written for each transmission; a combination outside it is read as a
/// passenger list (nobody lost) and reported.
#[test]
fn bgm_codes_name_the_transmission() {
    use paxscreen::model::Transmission::{self, *};
    let text = String::from_utf8(fixture("multi-leg.edi")).unwrap();
    assert!(text.contains("BGM+745'"));
    for (bgm, want) in [
        ("BGM+745'", PassengerList),
        ("BGM+745+CP'", Change),
        ("BGM+745+XR'", Cancellation),
        ("BGM+745+RP'", Cancellation),
        ("BGM+266+CL'", FlightClosure),
        ("BGM+266+CLOB'", FlightClosure),
        ("BGM+266+CLNB'", NotOnBoard),
        ("BGM+266+XF'", FlightCancelled),
    ] {
        let m = read_messages(text.replace("BGM+745'", bgm).as_bytes()).remove(0).result.unwrap();
        assert_eq!(m.message.transmission, want, "{bgm}");
        assert!(m.report.warnings.iter().all(|w| !w.reason.contains("transmissions")), "{bgm}");
    }
    let m = read_messages(text.replace("BGM+745'", "BGM+266+ZZ'").as_bytes()).remove(0).result.unwrap();
    assert_eq!(m.message.transmission, PassengerList);
    assert!(!m.message.passengers.is_empty());
    assert!(m.report.warnings.iter().any(|w| w.value.as_deref() == Some("266+ZZ")), "{:?}", m.report.warnings);
    // Written and read back, for every transmission.
    for t in Transmission::ALL {
        let mut g = generated(7);
        g.transmission = t;
        let back = read_messages(write(&g, &WriteOptions::default()).as_bytes()).remove(0).result.unwrap();
        assert_eq!(back.message.transmission, t);
    }
}
