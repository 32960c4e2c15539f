//! PAXLST parse throughput (MB/s): `cargo bench --bench paxlst`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use paxscreen::formats::paxlst::{read_messages, write};
use paxscreen::generate::{self, ManifestOptions};

fn bench(c: &mut Criterion) {
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let (msgs, _) = generate::manifests(&ManifestOptions { flights: 100, seed: 1, date: day, plant_share: 0.0 }, &[]);
    let files: Vec<String> = msgs.iter().map(|m| write(m, &Default::default())).collect();
    let bytes: usize = files.iter().map(|f| f.len()).sum();
    let mut g = c.benchmark_group("paxlst");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sample_size(20);
    g.bench_function("read_100_flights", |b| {
        b.iter(|| files.iter().map(|f| read_messages(f.as_bytes()).len()).sum::<usize>())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
