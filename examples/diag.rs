use paxscreen::matching::*;
fn main() {
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let rows = paxscreen::generate::watchlist(100_000, 7, day);
    let mut buf = Vec::new();
    paxscreen::generate::write_watchlist(&rows, &mut buf).unwrap();
    let mut loaded = watchlist::Loaded::default();
    let t = std::time::Instant::now();
    watchlist::load_csv(&buf, "x", day, &mut loaded);
    let wl = Watchlist::build(loaded.entries, "v".into());
    eprintln!("load {:?}", t.elapsed());
    let (msgs, _) = paxscreen::generate::manifests(
        &paxscreen::generate::ManifestOptions { flights: 50, seed: 3, date: day, plant_share: 0.0 },
        &rows,
    );
    let pax: Vec<_> = msgs.iter().flat_map(|m| m.passengers.iter()).map(PreparedPassenger::new).collect();
    let mut total = 0;
    let mut maxc = 0;
    let t = std::time::Instant::now();
    for p in &pax {
        let c = wl.candidates(p).len();
        total += c;
        maxc = maxc.max(c);
    }
    let mut v: Vec<(usize, String)> = msgs
        .iter()
        .flat_map(|m| m.passengers.iter())
        .map(|p| {
            (
                wl.candidates(&PreparedPassenger::new(p)).len(),
                format!("{} / {}", p.surname, p.given_names.clone().unwrap_or_default()),
            )
        })
        .collect();
    v.sort();
    v.reverse();
    for x in v.iter().take(3) {
        eprintln!("{:?}", x);
    }
    eprintln!("median {}", v[v.len() / 2].0);
    eprintln!("cands avg {} max {} in {:?}", total as f64 / pax.len() as f64, maxc, t.elapsed());
    let t = std::time::Instant::now();
    let mut hits = 0;
    for p in &pax {
        hits += wl.screen(p, day).len();
    }
    eprintln!("screen {} pax {:?} hits {}", pax.len(), t.elapsed(), hits);
}
#[allow(dead_code)]
fn unused() {}
