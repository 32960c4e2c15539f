#![no_main]
//! Any bytes into the decoder every source uses (JSON documents or JSON
//! Lines cut by their brackets, then the `paxscreen.api/1` reader; PAXLST
//! when the bytes look like it): it may refuse, never panic.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = paxscreen::formats::decode::decode_bytes(data);
});
