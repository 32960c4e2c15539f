#![no_main]
//! Any bytes into the PAXLST reader: it may refuse, never panic.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for m in paxscreen::formats::paxlst::read_messages(data) {
        if let Ok(rm) = m.result {
            // Writing back what was read must not panic either.
            let _ = paxscreen::formats::paxlst::write(&rm.message, &Default::default());
        }
    }
});
