//! The catalog importers: JSON, CSV with a column map, UIUC, MovieLens and MOOCCubeX
//! (`wayfinder_fuzz::catalog`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wayfinder_fuzz::catalog(data));
