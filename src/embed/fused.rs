//! What Wayfinder's matrix-product kernels (`wasm_kernel.rs`, `avx512_kernel.rs`,
//! `amx_kernel.rs`) share about tract's side of the contract: which products they claim, and
//! the scalar forms of the fused operations they do not vectorise.

use tract_linalg::mmm::Query;
use tract_onnx::prelude::DatumType;

/// The products each kernel's tier answers for: every f32 product with more than one column.
/// Single-column products stay with tract's matrix-vector kernels.
pub(super) fn claims(dt: DatumType, query: &Query) -> bool {
    dt == DatumType::F32 && query.n != Some(1)
}

// The scalar forms of tract's fused operations, as `f(parameter, value)` (its generic kernel's
// definitions).
pub(super) fn min(p: f32, x: f32) -> f32 {
    if p < x {
        p
    } else {
        x
    }
}
pub(super) fn max(p: f32, x: f32) -> f32 {
    if p > x {
        p
    } else {
        x
    }
}
pub(super) fn sub(p: f32, x: f32) -> f32 {
    p - x
}
pub(super) fn sub_flipped(p: f32, x: f32) -> f32 {
    x - p
}
