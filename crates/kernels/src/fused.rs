//! What the kernels (`wasm.rs`, `avx512.rs`, `amx.rs`) share about tract's side of the
//! contract: which products they claim, and [`run_tile`], the one dispatch of tract's fused
//! operations, written over [`Tile`], each kernel's accumulators.

use tract_data::prelude::DatumType;
use tract_linalg::mmm::{FusedKerSpec, OutputStoreKer, Query};

/// The products each kernel's tier answers for: every f32 product with more than one column.
/// Single-column products stay with tract's matrix-vector kernels.
pub(crate) fn claims(dt: DatumType, query: &Query) -> bool {
    dt == DatumType::F32 && query.n != Some(1)
}

/// The operations a tile does in vector form.
#[derive(Clone, Copy)]
pub(crate) enum Arith {
    Add,
    Mul,
}

/// A kernel's accumulators: a tile of output features (rows) by tokens (columns), in the
/// kernel's vector registers. [`run_tile`] drives it through tract's operations; the kernel
/// does the product itself.
pub(crate) trait Tile: Sized {
    /// A cleared tile.
    fn zero() -> Self;
    /// `x = op(x, a)` for every element.
    fn each(&mut self, op: Arith, a: f32);
    /// `x = f(param(i, j), x)` for the element of row `i`, column `j`, on a scalar copy: for
    /// the operations the embedder never fuses, where clarity beats speed.
    fn map(&mut self, param: impl Fn(usize, usize) -> f32, f: impl Fn(f32, f32) -> f32);
    /// `x = op(x, row[i])` for every element of row `i`.
    ///
    /// # Safety
    /// `row` holds one float per row of the tile.
    unsafe fn per_row(&mut self, op: Arith, row: *const f32);
    /// `x = op(x, col[j])` for every element of column `j`.
    ///
    /// # Safety
    /// `col` holds one float per column of the tile.
    unsafe fn per_col(&mut self, op: Arith, col: *const f32);
    /// Replaces the tile with a column-major tile of the same shape.
    ///
    /// # Safety
    /// `col_major` holds the whole tile.
    unsafe fn load(&mut self, col_major: *const f32);
    /// `x += tile[i, j]` where the tile's rows are contiguous (`row_byte_stride` 4): a
    /// residual connection.
    ///
    /// # Safety
    /// `tile` describes an f32 tile of this shape with contiguous rows.
    unsafe fn add_contiguous(&mut self, tile: &OutputStoreKer);
    /// Writes the tile: whole vectors when its rows are contiguous (tract's layout for this
    /// model), element by element otherwise.
    ///
    /// # Safety
    /// `tile` describes an f32 tile of this shape.
    unsafe fn store(&self, tile: &OutputStoreKer);
}

/// Runs tract's operations for one tile, from a cleared tile: the products through
/// `add_mat_mul(tile, k, pa, pb)` (each kernel's own), everything else here. Returns what tract
/// expects of a kernel: 0, or non-zero for a request it cannot serve (a packing or store type
/// the kernel never declared). Inlined into each kernel's entry point, so it is compiled with
/// that kernel's instruction set.
///
/// # Safety
/// tract's contract for a kernel: every pointer in `spec` is valid for the tile it describes,
/// and `add_mat_mul` is safe to call with a product's `k` and panels.
#[inline(always)]
pub(crate) unsafe fn run_tile<T: Tile>(
    spec: &[FusedKerSpec<f32>],
    mut add_mat_mul: impl FnMut(&mut T, usize, *const u8, *const u8),
) -> isize {
    use Arith::{Add, Mul};
    let mut acc = T::zero();
    for op in spec {
        match *op {
            FusedKerSpec::Done => break,
            FusedKerSpec::Clear => acc = T::zero(),
            FusedKerSpec::AddMatMul { k, pa, pb, packing } => {
                // Each kernel declares a single packing.
                if packing != 0 {
                    return 1;
                }
                add_mat_mul(&mut acc, k, pa, pb);
            }
            FusedKerSpec::Store(tile) => {
                // The kernels declare f32 as their only store type, so tract never asks for another.
                if tile.item_size != 4 {
                    return 1;
                }
                // SAFETY (this and every read below): tract's contract, per the caller.
                unsafe { acc.store(&tile) };
            }
            FusedKerSpec::LoadTile(col_major, _row_major) => unsafe { acc.load(col_major) },
            FusedKerSpec::ScalarAdd(a) => acc.each(Add, a),
            FusedKerSpec::ScalarMul(a) => acc.each(Mul, a),
            FusedKerSpec::ScalarSub(a) => acc.map(|_, _| a, sub),
            FusedKerSpec::ScalarSubF(a) => acc.map(|_, _| a, sub_flipped),
            FusedKerSpec::ScalarMin(a) => acc.map(|_, _| a, min),
            FusedKerSpec::ScalarMax(a) => acc.map(|_, _| a, max),
            FusedKerSpec::LeakyRelu(a) => acc.map(|_, _| a, |p, x| if x > 0.0 { x } else { p * x }),
            FusedKerSpec::PerRowAdd(row) => unsafe { acc.per_row(Add, row) },
            FusedKerSpec::PerRowMul(row) => unsafe { acc.per_row(Mul, row) },
            FusedKerSpec::PerColAdd(col) => unsafe { acc.per_col(Add, col) },
            FusedKerSpec::PerColMul(col) => unsafe { acc.per_col(Mul, col) },
            FusedKerSpec::PerRowMin(row) => acc.map(|i, _| unsafe { *row.add(i) }, min),
            FusedKerSpec::PerRowMax(row) => acc.map(|i, _| unsafe { *row.add(i) }, max),
            FusedKerSpec::PerRowSub(row) => acc.map(|i, _| unsafe { *row.add(i) }, sub),
            FusedKerSpec::PerRowSubF(row) => acc.map(|i, _| unsafe { *row.add(i) }, sub_flipped),
            FusedKerSpec::PerColMin(col) => acc.map(|_, j| unsafe { *col.add(j) }, min),
            FusedKerSpec::PerColMax(col) => acc.map(|_, j| unsafe { *col.add(j) }, max),
            FusedKerSpec::PerColSub(col) => acc.map(|_, j| unsafe { *col.add(j) }, sub),
            FusedKerSpec::PerColSubF(col) => acc.map(|_, j| unsafe { *col.add(j) }, sub_flipped),
            FusedKerSpec::AddRowColProducts(rows, cols) => {
                acc.map(|i, j| unsafe { *rows.add(i) * *cols.add(j) }, |p, x| x + p)
            }
            FusedKerSpec::AddUnicast(tile) => {
                if tile.item_size != 4 {
                    return 1;
                }
                if tile.row_byte_stride == 4 {
                    unsafe { acc.add_contiguous(&tile) }
                } else {
                    acc.map(
                        |i, j| unsafe {
                            *(tile.ptr.offset(tile.row_byte_stride * i as isize + tile.col_byte_stride * j as isize)
                                as *const f32)
                        },
                        |p, x| x + p,
                    )
                }
            }
            // As tract's float kernels do: the integer rescaling steps become multiplications.
            FusedKerSpec::QScale(shift, policy, mult) => {
                acc.each(Mul, tract_linalg::Scaler::from_fuse_params(shift, policy, mult).scale)
            }
            FusedKerSpec::RoundingShiftRight(shift, _) => acc.each(Mul, 2f32.powi(-(shift as i32))),
            FusedKerSpec::ShiftLeft(shift) => acc.each(Mul, 2f32.powi(shift as i32)),
        }
    }
    0
}

// The scalar forms of tract's fused operations, as `f(parameter, value)` (its generic kernel's
// definitions).
fn min(p: f32, x: f32) -> f32 {
    if p < x {
        p
    } else {
        x
    }
}
fn max(p: f32, x: f32) -> f32 {
    if p > x {
        p
    } else {
        x
    }
}
fn sub(p: f32, x: f32) -> f32 {
    p - x
}
fn sub_flipped(p: f32, x: f32) -> f32 {
    x - p
}
