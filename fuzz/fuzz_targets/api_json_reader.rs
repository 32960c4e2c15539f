#![no_main]
//! Any bytes into the JSON reader: it may refuse, never panic.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = paxscreen::formats::api_json::read(data);
});
