//! The check behind both kernel tests (`crates/kernels/tests/kernel.rs` natively, the wasm test
//! crate's `tests/kernel.rs` in Node): Wayfinder's matrix-product kernel against a plain f64 product,
//! through tract as the embedder uses it: weights constant on the left, activations on the
//! right, then the operations tract fuses into the kernel (a bias per output row, a bias per
//! column, ReLU, scaling, subtraction). Each shape runs with real-valued weights and with
//! small-integer weights (what the AMX kernel multiplies as bf16 tiles, `src/amx.rs`, and the
//! wasm kernel as i16 against tokens quantized to integers, `src/wasm.rs`).

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;
use tract_onnx::prelude::*;
use tract_onnx::tract_hir::tract_core::ops::einsum::EinSum;
use tract_onnx::tract_hir::tract_core::ops::math;

/// Values in [-1, 1) from a seeded generator, so every run multiplies the same matrices.
fn values(len: usize, seed: u64) -> Vec<f32> {
    let mut rng = Pcg64::seed_from_u64(seed);
    (0..len).map(|_| rng.gen_range(-1.0..1.0)).collect()
}

pub struct Case {
    pub m: usize,
    pub k: usize,
    pub n: usize,
    pub symbolic_n: bool,
    /// Weights in -127..=127, as the model's int8 weights once their scale is moved out.
    pub integer_weights: bool,
}

/// `relu(W x + row_bias + col_bias) * 0.5 - 0.25`, with `W` `[m, k]` constant and `x` `[k, n]`.
pub fn check(case: &Case, kernel: &str) {
    let Case { m, k, n, symbolic_n, integer_weights } = *case;
    let seed = (m * 1_000_000 + k * 1000 + n) as u64;
    let mut w = values(m * k, seed);
    if integer_weights {
        w.iter_mut().for_each(|x| *x = (*x * 127.0).round());
        // int8's own bound, which the integer kernels must take too.
        w[0] = -128.0;
    }
    let x = values(k * n, seed + 1);
    let row_bias = values(m, seed + 2);
    let col_bias = values(n, seed + 3);

    let mut model = TypedModel::default();
    let n_dim: TDim = if symbolic_n { model.sym("n").to_dim() } else { n.to_dim() };
    let input = model.add_source("x", f32::fact(&[k.to_dim(), n_dim.clone()])).unwrap();
    let weights = model.add_const("w", tensor1(&w).into_shape(&[m, k]).unwrap()).unwrap();
    let product = model
        .wire_node("mm", EinSum::new("mk,kn->mn".parse().unwrap(), f32::datum_type()), &[weights, input])
        .unwrap()[0];
    let rows = model.add_const("row_bias", tensor1(&row_bias).into_shape(&[m, 1]).unwrap()).unwrap();
    let mut y = model.wire_node("add_rows", math::add(), &[product, rows]).unwrap()[0];
    if !symbolic_n {
        let cols = model.add_const("col_bias", tensor1(&col_bias).into_shape(&[1, n]).unwrap()).unwrap();
        y = model.wire_node("add_cols", math::add(), &[y, cols]).unwrap()[0];
    }
    let zero = model.add_const("zero", tensor2(&[[0f32]])).unwrap();
    y = model.wire_node("relu", math::max(), &[y, zero]).unwrap()[0];
    let half = model.add_const("half", tensor2(&[[0.5f32]])).unwrap();
    y = model.wire_node("scale", math::mul(), &[y, half]).unwrap()[0];
    let quarter = model.add_const("quarter", tensor2(&[[0.25f32]])).unwrap();
    y = model.wire_node("shift", math::sub(), &[y, quarter]).unwrap()[0];
    model.select_output_outlets(&[y]).unwrap();

    let name = kernel;
    let optimized = model.into_optimized().unwrap();
    let kernels: Vec<String> = optimized
        .nodes()
        .iter()
        .filter(|node| node.op.name() == "OptMatMul")
        .map(|node| node.op.info().unwrap().join(" "))
        .collect();
    // tract may turn a product around (m=1 becomes a single column); single-column products
    // stay with tract's matrix-vector kernels, every other one must run ours.
    assert!(
        kernels.len() == 1 && (kernels[0].contains(" n:1 ") || kernels[0].contains(name)),
        "m={m} k={k} n={n}: expected the Wayfinder kernel {name}, got {kernels:?}"
    );
    let plan = optimized.into_runnable().unwrap();
    let x_tensor = tensor1(&x).into_shape(&[k, n]).unwrap();
    let out = plan.run(tvec!(x_tensor.into())).unwrap();
    let got = out[0].to_plain_array_view::<f32>().unwrap();
    assert_eq!(got.shape(), &[m, n]);

    for i in 0..m {
        for j in 0..n {
            let terms = (0..k).map(|p| f64::from(w[i * k + p]) * f64::from(x[p * n + j]));
            let (dot, magnitude): (f64, f64) = terms.fold((0.0, 0.0), |(s, a), t| (s + t, a + t.abs()));
            let biased = dot + f64::from(row_bias[i]) + if symbolic_n { 0.0 } else { f64::from(col_bias[j]) };
            let want = biased.max(0.0) * 0.5 - 0.25;
            let have = f64::from(got[[i, j]]);
            // f32 rounding, plus (AMX) activations kept to 16 significant bits: at most 2^-18
            // of each term; (wasm, integer weights) each activation within 1/65,534 of its
            // token's largest, independent roundings that mostly cancel over k. A misplaced
            // element is off by a whole term.
            let tolerance = 1e-5 * (1.0 + k as f64).sqrt() + 1e-5 * magnitude;
            assert!(
                (have - want).abs() <= tolerance,
                "m={m} k={k} n={n} symbolic={symbolic_n} integer={integer_weights} (seed {seed}): \
                 [{i}, {j}] is {have}, expected {want}"
            );
        }
    }
}

/// Whole tiles and every kind of border tile of each kernel (rows and columns that do not
/// fill a 16 x 4, 32 x 12 or 64 x 16 tile), long and short `k` (a multiple of 32 or not, as
/// the AMX kernel needs for its tiles; odd, or an odd number of pairs, as the wasm kernel's
/// integer loop takes two `k` at a time and four per iteration, in blocks of 512), and the
/// embedder's own shapes.
pub const SHAPES: [(usize, usize, usize); 14] = [
    (12, 384, 12),
    (384, 384, 16),
    (1536, 384, 128),
    (384, 1536, 5),
    (13, 7, 3),
    (5, 1, 9),
    (25, 33, 6),
    (32, 64, 130),
    (1, 3, 2),
    (70, 40, 25),
    (33, 384, 13),
    (130, 96, 17),
    (24, 1030, 7),
    (17, 10, 4),
];

/// Every shape of [`SHAPES`], with a known and with a symbolic column count.
pub fn check_all(kernel: &str) {
    for (m, k, n) in SHAPES {
        for symbolic_n in [false, true] {
            for integer_weights in [false, true] {
                check(&Case { m, k, n, symbolic_n, integer_weights }, kernel);
            }
        }
    }
}

/// A single column, which tract leaves to its matrix-vector kernels.
pub fn check_single_column(kernel: &str) {
    for symbolic_n in [false, true] {
        check(&Case { m: 40, k: 64, n: 1, symbolic_n, integer_weights: true }, kernel);
        check(&Case { m: 40, k: 50, n: 1, symbolic_n, integer_weights: false }, kernel);
    }
}
