//! The browser's matrix-product kernel (`crates/kernels/src/wasm.rs`) against a plain f64
//! product, through tract, in wasm under Node; the check is shared with the native kernels'
//! test (`crates/kernels/tests/support/kernel_check.rs`). A simd128 build has the kernel, so
//! registering it must succeed: the test fails, never skips.
#![cfg(target_arch = "wasm32")]

#[path = "../../kernels/tests/support/kernel_check.rs"]
mod kernel_check;

use wasm_bindgen_test::wasm_bindgen_test;

fn kernel() -> &'static str {
    wayfinder_kernels::register_wasm().expect("the wasm build has its own kernel").name
}

#[wasm_bindgen_test]
fn the_kernel_matches_a_plain_product_on_whole_and_border_tiles() {
    kernel_check::check_all(kernel());
}

#[wasm_bindgen_test]
fn a_single_column_still_computes_the_right_product() {
    kernel_check::check_single_column(kernel());
}
