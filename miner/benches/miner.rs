//! Criterion benchmarks on the largest real logs in `shared/data/logs`: import (gzip XES and
//! CSV), and each analysis on the imported BPI 2012 log. Figures go to docs/benchmarks.md.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use flowbot_miner::analysis::bottlenecks::report;
use flowbot_miner::analysis::{Dfg, Summary, Variants};
use flowbot_miner::import::{ImportOptions, import_path};

fn data(name: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/logs")
        .join(name);
    assert!(
        path.is_file(),
        "benchmark log missing: {} (shared/data beside the repository)",
        path.display()
    );
    path
}

fn import(c: &mut Criterion) {
    let mut group = c.benchmark_group("import");
    group.sample_size(10);
    for name in ["bpic2012.xes.gz", "receipt.csv", "sepsis.xes.gz"] {
        let path = data(name);
        group.bench_function(name, |b| {
            b.iter(|| {
                import_path(black_box(&path), &ImportOptions::default(), &mut |_| {}).unwrap()
            })
        });
    }
    group.finish();
}

fn analyses(c: &mut Criterion) {
    let (log, _) = import_path(
        &data("bpic2012.xes.gz"),
        &ImportOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    let mut group = c.benchmark_group("bpic2012");
    group.bench_function("summary", |b| b.iter(|| Summary::of(black_box(&log))));
    group.bench_function("dfg+performance", |b| b.iter(|| Dfg::of(black_box(&log))));
    group.bench_function("variants", |b| b.iter(|| Variants::of(black_box(&log))));
    group.bench_function("bottlenecks", |b| {
        b.iter(|| report(black_box(&log), Some(432_000.0), 10))
    });
    group.finish();
}

criterion_group!(benches, import, analyses);
criterion_main!(benches);
