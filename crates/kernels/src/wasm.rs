//! The browser's matrix-product kernel, plugged into tract's kernel registry.
//!
//! Nearly all of a query's time in the browser is matrix products (92% of a 128-token query
//! and 85% of a 12-token one, per-op profile in wasm). In every one of them tract puts the
//! weights on the left (`m` = output features, packed once at load) and the tokens on the
//! right (`n` = sequence length, packed per run). tract's own wasm kernel for that is 8x8
//! with the accumulators along `n`: 16 vector accumulators plus the operands, more than the
//! 16 vector registers of x86-64 (V8's machine code was not inspected; the timings below are
//! what was measured). It also pads a 12-token query to 16 columns.
//!
//! This kernel is 16 rows (output features) by [`NR`] = 4 columns (tokens), with the
//! accumulators along `m`: each step loads four vectors of weights and splats one token
//! value at a time into 16 accumulators, four steps per loop iteration. Four columns divide
//! the usual query lengths (12, 16, 128 tokens) exactly, so no multiply-add is spent on
//! padding there. Along `m` also matches tract's output layout here (features contiguous),
//! so a tile is stored with whole vector stores, and per-feature bias adds are vector adds.
//!
//! Measured in headless Chromium 156 (relaxed-SIMD build, 40 repetitions, medians against
//! onnxruntime-web 1.30 in the same run, two runs): 12/16/128 tokens 16.4/19.3/127.0 and
//! 16.1/19.6/131.7 ms against 18.0/22.0/147.2 and 18.5/21.8/148.7 ms. With tract's own
//! kernel: 19.8/20.0/148.1 against 16.8/20.8/146.7 ms. Tried on the way: 8 x 6 (pads 16
//! tokens to 18 columns), 12 x 4, and one or two steps per iteration, all a little slower.
//!
//! On an AMD EPYC (Zen 4), same Chromium 156, it was the slower one: 25.9/33.1/272 ms against
//! tract's own 16.1/16.0/112, while the browser build compiled this crate at opt-level "z"
//! (tract-linalg at 3). At 3 (the embedder module's profile, `wasm-embed`) it is the faster
//! there too: the probe's product 0.55 ms against tract's 1.10 (tract-linalg now at "z"), a
//! 12-token query 11.8 ms. The browser module still registers it only where a timed probe
//! finds it faster (`crates/wasm/src/embedder.rs`, `kernel::choose`).
//!
//! It is in the two registries tract-linalg exposes for this ([`MmmRoutine`] for the kernel,
//! [`MmmTier`] for its selection with a known `n`) and, once the browser module registers it
//! ([`crate::register_wasm`]), outranks the built-in kernels through its declared preference,
//! which is what tract consults when `n` is symbolic (our case: one plan serves every text
//! length). The fused operations a matrix product can carry (bias, scaling, masks) all go
//! through the kernels' one dispatch (`fused.rs`): the ones this model uses in vector form, the
//! others on a scalar copy of the tile.
//!
//! wasm32 with `simd128` only; with `relaxed-simd` the multiply-adds are fused.

use std::arch::wasm32::*;

use tract_data::prelude::DatumType;
use tract_linalg::isa::{Arch, IsaSet, NEVER_PREFERRED};
use tract_linalg::mmm::{DynKernel, FusedKerSpec, MatMatMul, OutputStoreKer, Query, Suitable};
use tract_linalg::mmm_routines::MmmRoutine;
use tract_linalg::mmm_tiers::MmmTier;
use tract_linalg::pack::Packing;

use crate::fused::{self, Arith, Tile};

/// Rows of a tile (output features): four vectors of four.
const MR: usize = 16;
/// Columns of a tile (tokens).
const NR: usize = 4;
const MV: usize = MR / 4;

/// The kernel's name in tract's registry, as it appears in a plan's description.
pub(crate) const NAME: &str = "wayfinder_wasm_f32_16x4";

/// The registrations under which this kernel claims products (`crate::register_*`).
const RUNS_UNDER: &[u8] = &[crate::WASM];

/// Above every built-in wasm kernel (which declare 0, or less to never be preferred), once
/// registered ([`crate::register_wasm`]); never preferred before.
fn boost() -> isize {
    if crate::registered(RUNS_UNDER) {
        5
    } else {
        NEVER_PREFERRED
    }
}

fn make() -> Box<dyn MatMatMul> {
    let kernel = DynKernel::<MR, NR, f32>::new(NAME, run, f32::packing(MR), f32::packing(NR));
    let mut kernel = kernel.with_boost(boost);
    kernel.arch = Some(Arch::Wasm32Simd128);
    kernel.mmm()
}

inventory::submit! { MmmRoutine { make } }

/// With `n` known, tract asks the tiers first; this one answers for the products
/// [`fused::claims`], once registered.
fn preferred(_isa: &IsaSet, dt: DatumType, query: &Query, _suitable: &[Suitable]) -> Option<&'static str> {
    (fused::claims(dt, query) && crate::registered(RUNS_UNDER)).then_some(NAME)
}

inventory::submit! {
    MmmTier {
        arch: Some(Arch::Wasm32Simd128),
        // tract's own wasm tier is precedence 1; tiers are asked highest first.
        precedence: 2,
        name: "wayfinder-wasm",
        applies: |_| true,
        preferred,
    }
}

/// Keeps this module's registrations in the link: wasm-ld drops an object file that nothing
/// references, and with it the constructors that submit the kernel.
pub(crate) fn keep() {
    std::hint::black_box((make as fn() -> Box<dyn MatMatMul>, preferred as fn(_, _, _, _) -> _));
}

#[inline(always)]
fn madd(acc: v128, a: v128, b: v128) -> v128 {
    #[cfg(target_feature = "relaxed-simd")]
    {
        f32x4_relaxed_madd(a, b, acc)
    }
    #[cfg(not(target_feature = "relaxed-simd"))]
    {
        f32x4_add(acc, f32x4_mul(a, b))
    }
}

/// Accumulators: `acc[j][v]` holds rows `4v..4v+4` of column `j`.
type Acc = [[v128; MV]; NR];

/// The tile as plain numbers, `t[j][i]` = row `i` of column `j` (column-major).
type Plain = [[f32; MR]; NR];

fn to_plain(acc: &Acc) -> Plain {
    let mut t = [[0f32; MR]; NR];
    for (col, vecs) in t.iter_mut().zip(acc) {
        for (v, vec) in vecs.iter().enumerate() {
            // SAFETY: a v128 is 16 bytes, four f32 lanes.
            let lanes: [f32; 4] = unsafe { std::mem::transmute(*vec) };
            col[4 * v..4 * v + 4].copy_from_slice(&lanes);
        }
    }
    t
}

fn from_plain(t: &Plain) -> Acc {
    let mut acc = [[f32x4_splat(0.0); MV]; NR];
    for (vecs, col) in acc.iter_mut().zip(t) {
        for (v, vec) in vecs.iter_mut().enumerate() {
            *vec = f32x4(col[4 * v], col[4 * v + 1], col[4 * v + 2], col[4 * v + 3]);
        }
    }
    acc
}

#[inline(always)]
fn arith(op: Arith, x: v128, y: v128) -> v128 {
    match op {
        Arith::Add => f32x4_add(x, y),
        Arith::Mul => f32x4_mul(x, y),
    }
}

impl Tile for Acc {
    #[inline(always)]
    fn zero() -> Self {
        [[f32x4_splat(0.0); MV]; NR]
    }

    #[inline(always)]
    fn each(&mut self, op: Arith, a: f32) {
        let a = f32x4_splat(a);
        for x in self.iter_mut().flatten() {
            *x = arith(op, *x, a);
        }
    }

    fn map(&mut self, param: impl Fn(usize, usize) -> f32, f: impl Fn(f32, f32) -> f32) {
        let mut t = to_plain(self);
        for (j, col) in t.iter_mut().enumerate() {
            for (i, x) in col.iter_mut().enumerate() {
                *x = f(param(i, j), *x);
            }
        }
        *self = from_plain(&t);
    }

    #[inline(always)]
    unsafe fn per_row(&mut self, op: Arith, row: *const f32) {
        // SAFETY: `row` holds MR floats, per the caller; wasm loads need no alignment.
        let rows: [v128; MV] = std::array::from_fn(|v| unsafe { v128_load(row.add(4 * v) as *const v128) });
        for vecs in self.iter_mut() {
            for (x, r) in vecs.iter_mut().zip(&rows) {
                *x = arith(op, *x, *r);
            }
        }
    }

    #[inline(always)]
    unsafe fn per_col(&mut self, op: Arith, col: *const f32) {
        for (j, vecs) in self.iter_mut().enumerate() {
            // SAFETY: `col` holds NR floats, per the caller.
            let c = f32x4_splat(unsafe { *col.add(j) });
            for x in vecs.iter_mut() {
                *x = arith(op, *x, c);
            }
        }
    }

    unsafe fn load(&mut self, col_major: *const f32) {
        let mut t = [[0f32; MR]; NR];
        for (j, col) in t.iter_mut().enumerate() {
            for (i, x) in col.iter_mut().enumerate() {
                // SAFETY: an MR x NR column-major tile, per the caller.
                *x = unsafe { *col_major.add(j * MR + i) };
            }
        }
        *self = from_plain(&t);
    }

    unsafe fn add_contiguous(&mut self, tile: &OutputStoreKer) {
        // Element by element, as before this tile shared the dispatch: the embedder's residual
        // connections in the browser run here.
        self.map(
            // SAFETY: an MR x NR f32 tile at these strides, per the caller.
            |i, j| unsafe {
                *(tile.ptr.offset(tile.row_byte_stride * i as isize + tile.col_byte_stride * j as isize) as *const f32)
            },
            |p, x| x + p,
        )
    }

    #[inline(always)]
    unsafe fn store(&self, tile: &OutputStoreKer) {
        for (j, vecs) in self.iter().enumerate() {
            // SAFETY: an MR x NR tile at these strides, per the caller.
            unsafe {
                let col = tile.ptr.offset(tile.col_byte_stride * j as isize);
                if tile.row_byte_stride == 4 {
                    for (v, x) in vecs.iter().enumerate() {
                        v128_store(col.add(16 * v) as *mut v128, *x);
                    }
                } else {
                    let t: [[f32; 4]; MV] = std::mem::transmute(*vecs);
                    for (i, x) in t.iter().flatten().enumerate() {
                        *(col.offset(tile.row_byte_stride * i as isize) as *mut f32) = *x;
                    }
                }
            }
        }
    }
}

/// # Safety
/// tract's contract for a kernel: every pointer in `spec` is valid for the tile it describes
/// (`pa`: `k` steps of [`MR`] floats, `pb`: `k` steps of [`NR`] floats, rows: [`MR`] floats,
/// columns: [`NR`] floats, stores: an [`MR`] x [`NR`] tile at the given strides).
unsafe fn run(spec: &[FusedKerSpec<f32>]) -> isize {
    // SAFETY: tract's contract above.
    unsafe { fused::run_tile::<Acc>(spec, |acc, k, pa, pb| add_mat_mul(acc, k, pa as *const v128, pb as *const f32)) }
}

/// `acc += A B` over `k` steps: per step, [`MV`] vectors of A and [`NR`] splatted values of B.
/// Four steps per iteration cut the loop's bookkeeping against its multiply-adds.
#[inline(always)]
unsafe fn add_mat_mul(acc: &mut Acc, k: usize, a: *const v128, b: *const f32) {
    #[inline(always)]
    unsafe fn step(acc: &mut Acc, a: *const v128, b: *const f32) {
        // SAFETY: one step of MR floats (A) and NR floats (B), per the caller.
        unsafe {
            let av: [v128; MV] = std::array::from_fn(|v| v128_load(a.add(v)));
            for (j, vecs) in acc.iter_mut().enumerate() {
                let bj = v128_load32_splat(b.add(j) as *const u32);
                for (x, a) in vecs.iter_mut().zip(&av) {
                    *x = madd(*x, *a, bj);
                }
            }
        }
    }
    let (mut a, mut b) = (a, b);
    // SAFETY: `k` steps of MR floats (A) and NR floats (B), per the caller.
    unsafe {
        for _ in 0..k / 4 {
            step(acc, a, b);
            step(acc, a.add(MV), b.add(NR));
            step(acc, a.add(2 * MV), b.add(2 * NR));
            step(acc, a.add(3 * MV), b.add(3 * NR));
            a = a.add(4 * MV);
            b = b.add(4 * NR);
        }
        for _ in 0..k % 4 {
            step(acc, a, b);
            a = a.add(MV);
            b = b.add(NR);
        }
    }
}
