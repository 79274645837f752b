//! The browser's matrix-product kernel (`src/embed/wasm_kernel.rs`) against a plain f64
//! product, through tract, in wasm under Node; the check is shared with the native kernel's
//! test (`tests/support/kernel_check.rs`).
#![cfg(target_arch = "wasm32")]

#[path = "../../../tests/support/kernel_check.rs"]
mod kernel_check;

use wasm_bindgen_test::wasm_bindgen_test;

fn kernel() -> &'static str {
    wayfinder::embed::matmul_kernel().expect("the wasm build has its own kernel")
}

#[wasm_bindgen_test]
fn the_kernel_matches_a_plain_product_on_whole_and_border_tiles() {
    kernel_check::check_all(kernel());
}

#[wasm_bindgen_test]
fn a_single_column_still_computes_the_right_product() {
    kernel_check::check_single_column(kernel());
}
