//! Screening throughput (passengers per second).
//!
//! `cargo bench --bench screening` — replay of generated flights against a
//! 10,000-entry watchlist and 20 trends, and the watchlist matcher alone,
//! indexed and exhaustive, at 10k and 100k entries (set
//! `PAXSCREEN_BENCH_SIZES=10000,100000,1000000` for other sizes).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use paxscreen::generate::{self, ManifestOptions};
use paxscreen::matching::watchlist::{load_csv, Loaded};
use paxscreen::matching::{PreparedPassenger, Watchlist};
use paxscreen::reference::Scope;
use paxscreen::screening::{Screener, TrendSet};

fn day() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
}

fn watchlist(n: usize) -> (Watchlist, Vec<generate::WatchlistRow>) {
    let rows = generate::watchlist(n, 7, day());
    let mut buf = Vec::new();
    generate::write_watchlist(&rows, &mut buf).unwrap();
    let mut l = Loaded::default();
    load_csv(&buf, "bench.csv", day(), &mut l);
    (Watchlist::build(l.entries, "bench".into()).expect("indexed"), rows)
}

/// 20 trends over the fields analysts use.
fn trends() -> TrendSet {
    let fields = [
        ("flight.departure_airport", "in", "[\"BOG\", \"YYZ\", \"IST\"]"),
        ("document.days_since_issue", "lt", "30"),
        ("pnr.party_size", "eq", "1"),
        ("age_years", "between", "[18, 30]"),
        ("flight.itinerary_contains", "in", "[\"IST\", \"DXB\"]"),
    ];
    let trends = (0..20)
        .map(|i| {
            let mut t = format!("id = \"B-{i}\"\ntitle = \"b\"\njustification = \"bench\"\nvalid_from = \"2026-01-01\"\nvalid_until = \"2027-12-31\"\nthreshold = 60\n");
            for k in 0..3 {
                let (f, op, v) = fields[(i + k) % fields.len()];
                t.push_str(&format!("\n[[characteristic]]\nfield = \"{f}\"\nop = \"{op}\"\nvalue = {v}\nweight = 30\n"));
            }
            paxscreen::trends::parse_trend(&t, "bench.toml").unwrap()
        })
        .collect();
    TrendSet { version: "bench".into(), trends }
}

fn bench(c: &mut Criterion) {
    let (wl, rows) = watchlist(10_000);
    let (msgs, _) =
        generate::manifests(&ManifestOptions { flights: 40, seed: 3, date: day(), plant_share: 0.01 }, &rows);
    let pax: usize = msgs.iter().map(|m| m.passengers.len()).sum();
    let screener = Screener::new(wl, trends(), Scope::All);
    let mut g = c.benchmark_group("replay_10k_entries_20_trends");
    g.throughput(Throughput::Elements(pax as u64));
    g.sample_size(10);
    g.bench_function("one_thread", |b| {
        b.iter(|| msgs.iter().map(|m| screener.screen_passengers(m).len()).sum::<usize>())
    });
    g.finish();

    let sizes: Vec<usize> = std::env::var("PAXSCREEN_BENCH_SIZES")
        .unwrap_or_else(|_| "10000,100000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    for n in sizes {
        let (wl, rows) = watchlist(n);
        let (msgs, _) =
            generate::manifests(&ManifestOptions { flights: 8, seed: 5, date: day(), plant_share: 0.01 }, &rows);
        let pax: Vec<PreparedPassenger> =
            msgs.iter().flat_map(|m| m.passengers.iter()).map(PreparedPassenger::new).collect();
        let mut g = c.benchmark_group(format!("watchlist_{n}_entries"));
        g.sample_size(10);
        g.throughput(Throughput::Elements(pax.len() as u64));
        g.bench_function("indexed", |b| b.iter(|| pax.iter().map(|p| wl.screen(p, day()).len()).sum::<usize>()));
        let few = &pax[..pax.len().min(if n > 100_000 { 5 } else { 50 })];
        g.throughput(Throughput::Elements(few.len() as u64));
        g.bench_function("exhaustive", |b| {
            b.iter(|| few.iter().map(|p| wl.screen_exhaustive(p, day()).len()).sum::<usize>())
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
