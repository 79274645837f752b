//! The AVX-512 kernel (`src/embed/avx512_kernel.rs`) on a machine that would run the AMX one:
//! `WAYFINDER_AMX=0` turns AMX off for this test binary, so both native kernels are checked
//! wherever both can run. Skipped (and said so) without AVX-512F.

#[path = "support/kernel_check.rs"]
mod kernel_check;

#[test]
fn the_avx512_kernel_matches_a_plain_product_where_amx_is_turned_off() {
    // This binary's only test, run before anything reads the variable (the kernel choice is
    // made once, at the first call).
    std::env::set_var("WAYFINDER_AMX", "0");
    let Some(kernel) = wayfinder::embed::matmul_kernel() else {
        eprintln!("skipped: this machine runs tract's own matrix-product kernels");
        return;
    };
    assert!(kernel.contains("avx512"), "WAYFINDER_AMX=0 still chose {kernel}");
    kernel_check::check_all(kernel);
    kernel_check::check_single_column(kernel);
}
