//! XES import must return a log or an error for any bytes, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = flowbot_miner::import::xes::read(data, "fuzz.xes");
});
