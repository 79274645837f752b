//! The queries a learner's profile becomes (recommend, learning path, gaps), as JSON, against
//! a small engine (`wayfinder_fuzz::query`).
#![no_main]

use std::sync::OnceLock;

static ENGINE: OnceLock<wayfinder::engine::Engine> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| wayfinder_fuzz::query(ENGINE.get_or_init(wayfinder_fuzz::query_engine), data));
