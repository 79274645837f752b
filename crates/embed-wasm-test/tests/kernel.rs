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

/// The integer loop quantizes each token with a scale from its largest value: a token with a
/// value that is not a number must come out as NaN, as f32 would give it, and leave the other
/// tokens of its tile exact.
#[wasm_bindgen_test]
fn a_token_that_is_not_a_number_gives_nan_in_its_column_only() {
    use tract_onnx::prelude::*;
    use tract_onnx::tract_hir::tract_core::ops::einsum::EinSum;

    let name = kernel();
    let (m, k, n) = (16, 8, 4);
    let w: Vec<f32> = (0..m * k).map(|i| ((i * 37) % 255) as f32 - 127.0).collect();
    let mut x: Vec<f32> = (0..k * n).map(|i| (i as f32 * 0.37).sin()).collect();
    x[3 * n + 2] = f32::NAN;
    let mut model = TypedModel::default();
    let input = model.add_source("x", f32::fact([k, n])).unwrap();
    let weights = model.add_const("w", tensor1(&w).into_shape(&[m, k]).unwrap()).unwrap();
    let y =
        model.wire_node("mm", EinSum::new("mk,kn->mn".parse().unwrap(), f32::datum_type()), &[weights, input]).unwrap();
    model.select_output_outlets(&y).unwrap();
    let optimized = model.into_optimized().unwrap();
    let plans: Vec<String> = optimized.nodes().iter().flat_map(|node| node.op.info().unwrap()).collect();
    assert!(plans.iter().any(|p| p.contains(name)), "expected {name} in {plans:?}");
    let out = optimized.into_runnable().unwrap().run(tvec!(tensor1(&x).into_shape(&[k, n]).unwrap().into())).unwrap();
    let got = out[0].to_plain_array_view::<f32>().unwrap();
    for i in 0..m {
        for j in 0..n {
            let have = got[[i, j]];
            if j == 2 {
                assert!(have.is_nan(), "[{i}, {j}] is {have}, expected NaN");
            } else {
                let want: f64 = (0..k).map(|p| f64::from(w[i * k + p]) * f64::from(x[p * n + j])).sum();
                // Each value within half a step of 1/32,767 of the token's largest (at most 1).
                let bound = (0..k).map(|p| f64::from(w[i * k + p].abs())).sum::<f64>() / 65_534.0 + 1e-4;
                assert!((f64::from(have) - want).abs() <= bound, "[{i}, {j}] is {have}, expected {want}");
            }
        }
    }
}
