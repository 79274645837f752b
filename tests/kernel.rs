//! The pipeline's matrix-product kernel on x86-64 with AVX-512 (`src/embed/avx512_kernel.rs`)
//! against a plain f64 product, through tract; the check is shared with the browser kernel's
//! test (`tests/support/kernel_check.rs`). On a machine without the kernel (no AVX-512F, or
//! not x86-64) tract's own kernels run instead, and the test says so and passes.

#[path = "support/kernel_check.rs"]
mod kernel_check;

fn kernel() -> Option<&'static str> {
    let kernel = wayfinder::embed::matmul_kernel();
    if kernel.is_none() {
        eprintln!("skipped: this machine runs tract's own matrix-product kernels");
    }
    kernel
}

#[test]
fn the_kernel_matches_a_plain_product_on_whole_and_border_tiles() {
    if let Some(kernel) = kernel() {
        kernel_check::check_all(kernel);
    }
}

#[test]
fn a_single_column_still_computes_the_right_product() {
    if let Some(kernel) = kernel() {
        kernel_check::check_single_column(kernel);
    }
}
