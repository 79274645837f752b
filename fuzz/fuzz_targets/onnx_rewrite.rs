//! The ONNX graph rewrites on mutated models (`wayfinder_fuzz::onnx_rewrite`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wayfinder_fuzz::onnx_rewrite(data));
