//! OCEL JSON (1.0 and 2.0) and XML import, then flattening on every object type.
#![no_main]

use flowbot_miner::ocel::{json, xml};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for ocel in [json::read(data, "fuzz.jsonocel"), xml::read(data, "fuzz.xmlocel")].into_iter().flatten() {
        let types: Vec<String> = ocel.object_types().map(str::to_owned).collect();
        for object_type in types {
            let _ = ocel.flatten(&object_type, &mut Vec::new());
        }
    }
});
