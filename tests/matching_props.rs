//! Property tests: the index finds every entry the exhaustive matcher finds;
//! the allocation-free Jaro-Winkler equals strsim's.

use paxscreen::generate;
use paxscreen::matching::compare::{jaro_winkler_ascii, osa_distance_ascii};
use paxscreen::matching::watchlist::{load_csv, Loaded};
use paxscreen::matching::{PreparedPassenger, Watchlist};
use proptest::prelude::*;
use std::sync::OnceLock;

fn day() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
}

fn fixture() -> &'static (Watchlist, Vec<generate::WatchlistRow>) {
    static W: OnceLock<(Watchlist, Vec<generate::WatchlistRow>)> = OnceLock::new();
    W.get_or_init(|| {
        let rows = generate::watchlist(5000, 21, day());
        let mut buf = Vec::new();
        generate::write_watchlist(&rows, &mut buf).unwrap();
        let mut l = Loaded::default();
        load_csv(&buf, "gen.csv", day(), &mut l);
        assert!(l.problems.is_empty(), "{:?}", &l.problems[..l.problems.len().min(3)]);
        (Watchlist::build(l.entries, "test".into()).expect("indexed"), rows)
    })
}

/// Generated flights with a quarter of passengers planted as variants of
/// listed persons: the index must find what the exhaustive matcher finds,
/// but for a measured miss rate of at most 0.5% (short tokens with a typo
/// and no other rare token are the known blind spot; see docs/matching.md).
#[test]
fn index_recall_against_exhaustive_oracle() {
    let (wl, rows) = fixture();
    miss_rate(wl, rows, "default");
}

/// The same with every token of more than 32 postings treated as common (a scale model of the default 256 on a list eight times larger), so
/// that the confirm-and-pairs path carries the load it carries on large lists.
#[test]
fn index_recall_with_common_tokens() {
    let (_, rows) = fixture();
    let mut buf = Vec::new();
    generate::write_watchlist(rows, &mut buf).unwrap();
    let mut l = Loaded::default();
    load_csv(&buf, "gen.csv", day(), &mut l);
    let wl = Watchlist::build(l.entries, "test".into()).expect("indexed").with_common_postings(32);
    miss_rate(&wl, rows, "common>32");
}

/// One generated flight: how many hits the exhaustive matcher makes, and
/// those the index misses (with the passenger's name, for SHOW_MISSES).
fn compare_on_flight(
    wl: &Watchlist,
    rows: &[generate::WatchlistRow],
    seed: u64,
    plant_share: f64,
) -> (usize, Vec<(u32, String)>) {
    let opts = generate::ManifestOptions { flights: 1, seed, date: day(), plant_share };
    let (msgs, _) = generate::manifests(&opts, rows);
    let (mut exhaustive, mut missed) = (0, Vec::new());
    for p in &msgs[0].passengers {
        let pp = PreparedPassenger::new(p);
        let ix: Vec<u32> = wl.screen(&pp, day()).iter().map(|m| m.entry).collect();
        for m in wl.screen_exhaustive(&pp, day()) {
            exhaustive += 1;
            if !ix.contains(&m.entry) {
                missed.push((m.entry, format!("{} / {:?}", p.surname, p.given_names)));
            }
        }
    }
    (exhaustive, missed)
}

fn miss_rate(wl: &Watchlist, rows: &[generate::WatchlistRow], label: &str) {
    let (mut exhaustive, mut missed) = (0usize, 0usize);
    for seed in 0..20 {
        let (n, misses) = compare_on_flight(wl, rows, seed, 0.25);
        exhaustive += n;
        missed += misses.len();
        if std::env::var("SHOW_MISSES").is_ok() {
            for (entry, passenger) in misses {
                let e = wl.entry(entry);
                let names: Vec<Vec<String>> =
                    e.names.iter().map(|n| n.tokens.iter().map(|t| t.text.to_string()).collect()).collect();
                eprintln!("missed {} {:?} | {passenger}", e.entry_id, names);
            }
        }
    }
    let rate = missed as f64 / exhaustive as f64;
    eprintln!(
        "{label}: index vs exhaustive: {exhaustive} exhaustive hits, {missed} missed by the index ({:.3}%)",
        rate * 100.0
    );
    assert!(exhaustive > 300, "too few hits to measure: {exhaustive}");
    assert!(rate <= 0.005, "index miss rate {:.3}% over 0.5%", rate * 100.0);
}

proptest! {
    #[test]
    fn jaro_winkler_matches_strsim(a in "[A-Z]{0,20}", b in "[A-Z]{0,20}") {
        let ours = jaro_winkler_ascii(a.as_bytes(), b.as_bytes());
        let theirs = strsim::jaro_winkler(&a, &b);
        prop_assert!((ours - theirs).abs() < 1e-9, "{a} {b}: {ours} vs {theirs}");
    }

    #[test]
    fn osa_distance_matches_strsim(a in "[A-E]{0,40}", b in "[A-E]{0,40}") {
        prop_assert_eq!(osa_distance_ascii(a.as_bytes(), b.as_bytes()), strsim::osa_distance(&a, &b));
    }
}

/// Blocking on the date of birth skips entries whose date contradicts the
/// passenger's only while such an entry cannot reach the threshold; with a
/// threshold under what a perfect name with a contradicting date scores, the
/// index still proposes it.
#[test]
fn date_of_birth_blocking_follows_the_threshold() {
    let csv =
        "list,entry_id,surname,given_names,aliases,date_of_birth,nationality,document_numbers,category,valid_until\n\
               NAT-WANTED,W-1,IVANOV,SERGEI,,1980-01-02,RUS,,wanted-serious-crime,\n";
    let mut l = Loaded::default();
    load_csv(csv.as_bytes(), "t.csv", day(), &mut l);
    assert!(l.problems.is_empty(), "{:?}", l.problems);
    let passenger = |dob: &str| {
        let mut p =
            generate::manifests(&generate::ManifestOptions { flights: 1, seed: 1, date: day(), plant_share: 0.0 }, &[])
                .0[0]
                .passengers[0]
                .clone();
        p.surname = "IVANOV".into();
        p.given_names = Some("SERGEI".into());
        p.date_of_birth = Some(chrono::NaiveDate::parse_from_str(dob, "%Y-%m-%d").unwrap());
        p.document = None;
        PreparedPassenger::new(&p)
    };
    let wl = Watchlist::build(l.entries.clone(), "t".into()).expect("indexed");
    assert_eq!(wl.screen(&passenger("1980-01-02"), day()).len(), 1);
    let other = passenger("1991-06-07");
    assert!(wl.screen_exhaustive(&other, day()).is_empty());
    assert!(wl.screen(&other, day()).is_empty());
    let low = Watchlist::build(l.entries, "t".into()).expect("indexed").with_threshold(0.7);
    let exhaustive = low.screen_exhaustive(&other, day());
    assert_eq!(exhaustive.len(), 1, "a perfect name with a contradicting date scores 0.75");
    assert_eq!(low.screen(&other, day()).len(), 1, "the index must not block below 0.75");
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 24,
        rng_seed: proptest::test_runner::RngSeed::Fixed(20261123),
        ..ProptestConfig::default()
    })]

    /// On any generated flight, half its passengers planted as variants of
    /// listed persons, the index returns every entry the exhaustive matcher
    /// scores at or above the threshold (a fixed seed, so a failure reproduces).
    #[test]
    fn index_finds_every_exhaustive_hit(seed in 1_000u64..1_000_000) {
        let (wl, rows) = fixture();
        let (_, missed) = compare_on_flight(wl, rows, seed, 0.5);
        let ids: Vec<&str> = missed.iter().map(|(e, _)| wl.entry(*e).entry_id.as_str()).collect();
        prop_assert!(ids.is_empty(), "missed by the index: {:?}", ids);
    }
}
