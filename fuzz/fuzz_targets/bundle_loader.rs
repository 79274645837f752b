//! The bundle loader (manifest, catalog plain or gzip, tensors in f32, f16 or int8 storage,
//! implicit or explicit model, taxonomy), then the engine on any bundle that loads
//! (`wayfinder_fuzz::bundle`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wayfinder_fuzz::bundle(data));
