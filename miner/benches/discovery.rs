//! Criterion benchmarks of discovery and conformance on the real logs in `shared/data/logs`:
//! IM and IMf (noise 0.2), tree → Petri net, token replay and alignments of the log on its IM
//! model. pm4py's times for the same steps come from `xtask/bench/pm4py_discovery.py`;
//! figures and ratios go to docs/benchmarks.md.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use flowbot_miner::Log;
use flowbot_miner::conformance::{alignments, precision, token_replay};
use flowbot_miner::discovery::alpha;
use flowbot_miner::discovery::heuristics::{self, Thresholds};
use flowbot_miner::discovery::inductive::{self, Variant};
use flowbot_miner::import::{ImportOptions, import_path};
use flowbot_miner::petri::from_tree;

fn load(name: &str) -> Log {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/logs")
        .join(name);
    assert!(
        path.is_file(),
        "benchmark log missing: {} (shared/data beside the repository)",
        path.display()
    );
    import_path(&path, &ImportOptions::default(), &mut |_| {})
        .unwrap()
        .0
}

fn discovery(c: &mut Criterion) {
    let mut group = c.benchmark_group("discovery");
    group.sample_size(10);
    for name in ["receipt.xes.gz", "sepsis.xes.gz", "bpic2012.xes.gz"] {
        let log = load(name);
        group.bench_function(format!("im/{name}"), |b| {
            b.iter(|| inductive::discover(black_box(&log), Variant::Im).unwrap())
        });
        group.bench_function(format!("imf/{name}"), |b| {
            b.iter(|| inductive::discover(black_box(&log), Variant::with_noise(0.2)).unwrap())
        });
    }
    group.finish();
}

fn conformance(c: &mut Criterion) {
    let mut group = c.benchmark_group("conformance");
    group.sample_size(10);
    for name in ["receipt.xes.gz", "sepsis.xes.gz", "bpic2012.xes.gz"] {
        let log = load(name);
        let net = from_tree::convert(&inductive::discover(&log, Variant::Im).unwrap());
        group.bench_function(format!("token_replay/{name}"), |b| {
            b.iter(|| token_replay::replay_log(black_box(&log), &net))
        });
    }
    // Alignments where pm4py's oracle ran them in minutes, not hours.
    for name in ["receipt.xes.gz", "repairExample.xes.gz"] {
        let log = load(name);
        let net = from_tree::convert(&inductive::discover(&log, Variant::Im).unwrap());
        group.bench_function(format!("alignments/{name}"), |b| {
            b.iter(|| alignments::align_log(black_box(&log), &net, Duration::from_secs(600)))
        });
    }
    group.finish();
}

/// Heuristics and Alpha Miner (each to its Petri net) and ETConformance precision of the log on
/// its IM net; pm4py's side: `xtask/bench/pm4py_discovery.py N LOG --models`.
fn models(c: &mut Criterion) {
    let mut group = c.benchmark_group("models");
    group.sample_size(10);
    for name in ["receipt.xes.gz", "sepsis.xes.gz", "bpic2012.xes.gz"] {
        let log = load(name);
        group.bench_function(format!("heuristics/{name}"), |b| {
            b.iter(|| {
                let found = heuristics::discover(black_box(&log), &Thresholds::default()).unwrap();
                heuristics::to_petri::convert(&found)
            })
        });
        group.bench_function(format!("alpha/{name}"), |b| {
            b.iter(|| alpha::discover(black_box(&log)))
        });
    }
    for name in ["receipt.xes.gz", "sepsis.xes.gz"] {
        let log = load(name);
        let net = from_tree::convert(&inductive::discover(&log, Variant::Im).unwrap());
        group.bench_function(format!("precision/{name}"), |b| {
            b.iter(|| precision::precision(black_box(&log), &net))
        });
    }
    group.finish();
}

criterion_group!(benches, discovery, conformance, models);
criterion_main!(benches);
