//! CSV import (delimiter sniffing, date detection, column mapping) on any bytes.
#![no_main]

use flowbot_miner::import::csv::{CsvOptions, read};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = read(data, "fuzz.csv", &CsvOptions::default());
});
