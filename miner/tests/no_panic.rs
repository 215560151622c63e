//! The fuzz targets' property, run as an ordinary test on stable: mutated real files (byte
//! flips, insertions, truncation) and arbitrary bytes make every importer return a log or an
//! error — never panic. `miner/fuzz/` runs the same targets under libFuzzer for longer.

mod common;

use flowbot_miner::import::csv::{CsvOptions, read as read_csv};
use flowbot_miner::import::{jsonl, xes};
use flowbot_miner::ocel::{json, xml};
use proptest::prelude::*;

fn seeds() -> Vec<Vec<u8>> {
    let logs = common::data_dir().join("logs");
    [
        "running-example.xes",
        "running-example.csv",
        "ocel20_example.jsonocel",
        "ocel20_example.xmlocel",
    ]
    .iter()
    .map(|name| std::fs::read(logs.join(name)).unwrap())
    .collect()
}

fn import_everything(bytes: &[u8]) {
    let _ = xes::read(bytes, "fuzz.xes");
    let _ = read_csv(bytes, "fuzz.csv", &CsvOptions::default());
    let _ = jsonl::read(bytes, "fuzz.jsonl");
    for ocel in [
        json::read(bytes, "fuzz.jsonocel"),
        xml::read(bytes, "fuzz.xmlocel"),
    ]
    .into_iter()
    .flatten()
    {
        let types: Vec<String> = ocel.object_types().map(str::to_owned).collect();
        for object_type in types {
            let _ = ocel.flatten(&object_type, &mut Vec::new());
        }
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Remove(usize, usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Flip(at, byte)),
        (
            any::<usize>(),
            prop::collection::vec(
                prop::sample::select(b"<>/\"'&=,;\n{}[]:0123456789-TZ+ ".to_vec()),
                1..8
            )
        )
            .prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        (any::<usize>(), 1usize..64).prop_map(|(at, count)| Mutation::Remove(at, count)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for mutation in mutations {
        let len = bytes.len().max(1);
        match mutation {
            Mutation::Flip(at, byte) => {
                if !bytes.is_empty() {
                    bytes[at % len] = *byte;
                }
            }
            Mutation::Insert(at, inserted) => {
                let at = at % (bytes.len() + 1);
                bytes.splice(at..at, inserted.iter().copied());
            }
            Mutation::Remove(at, count) => {
                let at = at % len;
                let end = (at + count).min(bytes.len());
                bytes.drain(at.min(end)..end);
            }
            Mutation::Truncate(at) => bytes.truncate(at % len),
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn mutated_real_files_never_panic(seed in 0usize..4, mutations in prop::collection::vec(mutation(), 1..6)) {
        let bytes = apply(seeds()[seed].clone(), &mutations);
        import_everything(&bytes);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        import_everything(&bytes);
    }
}
