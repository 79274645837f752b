//! A taxonomy file, parsed, then read by the engine for gaps and paths (`wayfinder_fuzz::taxonomy`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wayfinder_fuzz::taxonomy(data));
