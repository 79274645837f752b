//! The pipeline's matrix-product kernel on x86-64 with AVX-512, plugged into tract's kernel
//! registry like the browser's (`wasm.rs`).
//!
//! A perf profile of the release CLI embedding 600 UIUC course texts with tract's own kernels
//! put 61% of the time in tract's AVX-512 kernel for a symbolic `n`, 64 x 3: 12 accumulators,
//! four vectors of weights loaded per three broadcast tokens. In every linear layer tract puts
//! the weights on the left (`m` = output features, packed once at load) and the tokens on the
//! right (`n`, packed per run; that packing was 3.4%).
//!
//! This kernel's tile is [`MR`] = 32 output features (two vectors) by [`NR`] = 12 tokens, so
//! 24 of the 32 vector registers accumulate and each pair of weight vectors serves 12 tokens.
//! Measured: 600 UIUC texts in 7.51 s against 9.49 s with tract's kernel (three alternating
//! runs); alone, on the model's shapes, 145-170 GFLOPS, no faster with every operand in L1,
//! which is about this machine's multiply-add rate. Where AMX is present, `amx.rs`
//! runs instead and reuses this file's handling of tract's fused operations.
//!
//! Registered through tract-linalg's public registries ([`MmmRoutine`], [`MmmTier`]) with a
//! preference above tract's AVX-512 kernels; it runs only where tract detects AVX-512F.

use std::arch::x86_64::*;

use tract_data::prelude::DatumType;
use tract_linalg::isa::{Arch, Isa, IsaReq, IsaSet, NEVER_PREFERRED};
use tract_linalg::mmm::{DynKernel, FusedKerSpec, MatMatMul, OutputStoreKer, Query, Suitable};
use tract_linalg::mmm_routines::MmmRoutine;
use tract_linalg::mmm_tiers::MmmTier;
use tract_linalg::pack::Packing;

use crate::fused::{self, Arith, Tile};

/// Rows of a tile (output features): two vectors of sixteen.
const MR: usize = 32;
/// Columns of a tile (tokens).
const NR: usize = 12;
const MV: usize = MR / 16;

/// The kernel's name in tract's registry, as it appears in a plan's description.
pub(crate) const NAME: &str = "wayfinder_avx512_f32_32x12";

/// The registrations under which this kernel claims products (`crate::register_*`).
const RUNS_UNDER: &[u8] = &[crate::AVX512, crate::AMX];

/// Above tract's AVX-512 f32 kernels, which declare no boost over their instruction-set level,
/// once registered. It stays registered under AMX, as the next choice wherever the AMX kernel
/// does not fit; before any registration it is never preferred.
fn boost() -> isize {
    if crate::registered(RUNS_UNDER) {
        5
    } else {
        NEVER_PREFERRED
    }
}

fn make() -> Box<dyn MatMatMul> {
    let mut kernel = DynKernel::<MR, NR, f32>::new(NAME, run, f32::packing(MR), f32::packing(NR))
        .with_isa(IsaReq::ANY.needing(&[Isa::X86_64Avx512f]))
        .with_boost(boost);
    kernel.arch = Some(Arch::X86_64);
    kernel.mmm()
}

inventory::submit! { MmmRoutine { make } }

/// With `n` known, tract asks the tiers first; this one answers for the products
/// [`fused::claims`], once registered (see [`boost`]).
fn preferred(_isa: &IsaSet, dt: DatumType, query: &Query, _suitable: &[Suitable]) -> Option<&'static str> {
    (fused::claims(dt, query) && crate::registered(RUNS_UNDER)).then_some(NAME)
}

inventory::submit! {
    MmmTier {
        arch: Some(Arch::X86_64),
        // tract's x86-64 tiers go up to 8 (AMX); tiers are asked highest first.
        precedence: 9,
        name: "wayfinder-avx512",
        applies: |isa| isa.has(Isa::X86_64Avx512f),
        preferred,
    }
}

/// Keeps this module's registrations in the link (a linker may drop an object file nothing
/// references, and with it the constructors that submit the kernel).
pub(crate) fn keep() {
    std::hint::black_box((make as fn() -> Box<dyn MatMatMul>, preferred as fn(_, _, _, _) -> _));
}

/// Accumulators: `acc[j][v]` holds rows `16v..16v+16` of column `j` (a tile of `16 MV`
/// rows by `NR` columns). Shared with the AMX kernel (`amx.rs`), which keeps its tile in this
/// form for the fused operations. Only the two kernels make one, and tract runs them only where
/// AVX-512F is present, which is what makes the AVX-512 calls below sound.
pub(crate) type Acc<const MV: usize, const NR: usize> = [[__m512; MV]; NR];

fn arith(op: Arith) -> unsafe fn(__m512, __m512) -> __m512 {
    match op {
        Arith::Add => _mm512_add_ps,
        Arith::Mul => _mm512_mul_ps,
    }
}

impl<const MV: usize, const NR: usize> Tile for Acc<MV, NR> {
    #[inline(always)]
    fn zero() -> Self {
        // SAFETY: AVX-512F is present (see `Acc`).
        [[unsafe { zero() }; MV]; NR]
    }

    #[inline(always)]
    fn each(&mut self, op: Arith, a: f32) {
        // SAFETY: AVX-512F is present (see `Acc`).
        unsafe { each(self, arith(op), a) }
    }

    #[inline(always)]
    fn map(&mut self, param: impl Fn(usize, usize) -> f32, f: impl Fn(f32, f32) -> f32) {
        // SAFETY: AVX-512F is present (see `Acc`).
        unsafe { map(self, param, f) }
    }

    #[inline(always)]
    unsafe fn per_row(&mut self, op: Arith, row: *const f32) {
        // SAFETY: per the caller, and AVX-512F is present (see `Acc`).
        unsafe { per_row(self, row, arith(op)) }
    }

    #[inline(always)]
    unsafe fn per_col(&mut self, op: Arith, col: *const f32) {
        // SAFETY: as above.
        unsafe { per_col(self, col, arith(op)) }
    }

    #[inline(always)]
    unsafe fn load(&mut self, col_major: *const f32) {
        // SAFETY: as above.
        unsafe { load(self, col_major) }
    }

    #[inline(always)]
    unsafe fn add_contiguous(&mut self, tile: &OutputStoreKer) {
        // SAFETY: as above.
        unsafe { add_contiguous(self, tile) }
    }

    #[inline(always)]
    unsafe fn store(&self, tile: &OutputStoreKer) {
        // SAFETY: as above.
        unsafe { store(self, tile) }
    }
}

#[target_feature(enable = "avx512f")]
fn zero() -> __m512 {
    _mm512_setzero_ps()
}

/// # Safety
/// tract's contract for a kernel: every pointer in `spec` is valid for the tile it describes
/// (`pa`: `k` steps of [`MR`] floats, `pb`: `k` steps of [`NR`] floats, rows: [`MR`]
/// floats, columns: [`NR`] floats, stores: an [`MR`] x [`NR`] tile at the given strides).
/// tract runs it only where AVX-512F is present (its declared instruction set).
unsafe fn run(spec: &[FusedKerSpec<f32>]) -> isize {
    // SAFETY: per the contract above.
    unsafe { run_avx512(spec) }
}

#[target_feature(enable = "avx512f")]
unsafe fn run_avx512(spec: &[FusedKerSpec<f32>]) -> isize {
    // SAFETY: tract's contract above.
    unsafe {
        fused::run_tile::<Acc<MV, NR>>(spec, |acc, k, pa, pb| add_mat_mul(acc, k, pa as *const f32, pb as *const f32))
    }
}

/// `f(param(i, j), x)` for every element, on a scalar copy of each vector.
#[target_feature(enable = "avx512f")]
fn map<const MV: usize, const NR: usize>(
    acc: &mut Acc<MV, NR>,
    param: impl Fn(usize, usize) -> f32,
    f: impl Fn(f32, f32) -> f32,
) {
    for (j, vecs) in acc.iter_mut().enumerate() {
        for (v, x) in vecs.iter_mut().enumerate() {
            let mut lanes = [0f32; 16];
            // SAFETY: 16 floats, one vector.
            unsafe { _mm512_storeu_ps(lanes.as_mut_ptr(), *x) };
            for (l, lane) in lanes.iter_mut().enumerate() {
                *lane = f(param(16 * v + l, j), *lane);
            }
            // SAFETY: as above.
            *x = unsafe { _mm512_loadu_ps(lanes.as_ptr()) };
        }
    }
}

/// `x = op(x, a)` for every element.
#[target_feature(enable = "avx512f")]
fn each<const MV: usize, const NR: usize>(acc: &mut Acc<MV, NR>, op: unsafe fn(__m512, __m512) -> __m512, a: f32) {
    let a = _mm512_set1_ps(a);
    for x in acc.iter_mut().flatten() {
        // SAFETY: `op` is an AVX-512F intrinsic, and this function requires AVX-512F.
        *x = unsafe { op(*x, a) };
    }
}

/// `x = op(x, row[i])` for every element of row `i`.
///
/// # Safety
/// `row` points to `16 MV` floats.
#[target_feature(enable = "avx512f")]
unsafe fn per_row<const MV: usize, const NR: usize>(
    acc: &mut Acc<MV, NR>,
    row: *const f32,
    op: unsafe fn(__m512, __m512) -> __m512,
) {
    // SAFETY: per the caller.
    let rows: [__m512; MV] = std::array::from_fn(|v| unsafe { _mm512_loadu_ps(row.add(16 * v)) });
    for vecs in acc.iter_mut() {
        for (x, r) in vecs.iter_mut().zip(&rows) {
            *x = unsafe { op(*x, *r) };
        }
    }
}

/// `x = op(x, col[j])` for every element of column `j`.
///
/// # Safety
/// `col` points to `NR` floats.
#[target_feature(enable = "avx512f")]
unsafe fn per_col<const MV: usize, const NR: usize>(
    acc: &mut Acc<MV, NR>,
    col: *const f32,
    op: unsafe fn(__m512, __m512) -> __m512,
) {
    for (j, vecs) in acc.iter_mut().enumerate() {
        // SAFETY: per the caller.
        let c = _mm512_set1_ps(unsafe { *col.add(j) });
        for x in vecs.iter_mut() {
            *x = unsafe { op(*x, c) };
        }
    }
}

/// The tile from a column-major `16 MV` x `NR` tile.
///
/// # Safety
/// `col_major` holds the whole tile.
#[target_feature(enable = "avx512f")]
unsafe fn load<const MV: usize, const NR: usize>(acc: &mut Acc<MV, NR>, col_major: *const f32) {
    for (j, vecs) in acc.iter_mut().enumerate() {
        for (v, x) in vecs.iter_mut().enumerate() {
            // SAFETY: per the caller.
            *x = unsafe { _mm512_loadu_ps(col_major.add(j * 16 * MV + 16 * v)) };
        }
    }
}

/// `x += tile` for a tile whose rows are contiguous, as in the accumulators.
///
/// # Safety
/// `tile` describes a `16 MV` x `NR` f32 tile with contiguous rows.
#[target_feature(enable = "avx512f")]
unsafe fn add_contiguous<const MV: usize, const NR: usize>(acc: &mut Acc<MV, NR>, tile: &OutputStoreKer) {
    for (j, vecs) in acc.iter_mut().enumerate() {
        for (v, x) in vecs.iter_mut().enumerate() {
            // SAFETY: per the caller.
            let add = unsafe {
                _mm512_loadu_ps(tile.ptr.offset(tile.col_byte_stride * j as isize).add(64 * v) as *const f32)
            };
            *x = _mm512_add_ps(*x, add);
        }
    }
}

/// `acc += A B` over `k` steps: per step, [`MV`] vectors of A and [`NR`] broadcast values
/// of B. Written out per column, with the 24 accumulators in named locals: as a loop over an
/// array, LLVM kept them in memory.
///
/// # Safety
/// `a` holds `k` steps of [`MR`] floats, `b` `k` steps of [`NR`] floats.
#[target_feature(enable = "avx512f")]
unsafe fn add_mat_mul(acc: &mut Acc<MV, NR>, k: usize, a: *const f32, b: *const f32) {
    let [[mut c0, mut d0], [mut c1, mut d1], [mut c2, mut d2], [mut c3, mut d3], [mut c4, mut d4], [mut c5, mut d5], [mut c6, mut d6], [mut c7, mut d7], [mut c8, mut d8], [mut c9, mut d9], [mut c10, mut d10], [mut c11, mut d11]] =
        *acc;
    let (mut a, mut b) = (a, b);
    for _ in 0..k {
        // SAFETY: one step of A (MR floats) and of B (NR floats), per the caller.
        unsafe {
            let (a0, a1) = (_mm512_loadu_ps(a), _mm512_loadu_ps(a.add(16)));
            macro_rules! columns {
                ($($j:literal $c:ident $d:ident),*) => {$(
                    let bj = _mm512_set1_ps(*b.add($j));
                    $c = _mm512_fmadd_ps(a0, bj, $c);
                    $d = _mm512_fmadd_ps(a1, bj, $d);
                )*};
            }
            columns!(0 c0 d0, 1 c1 d1, 2 c2 d2, 3 c3 d3, 4 c4 d4, 5 c5 d5, 6 c6 d6, 7 c7 d7, 8 c8 d8, 9 c9 d9, 10 c10 d10, 11 c11 d11);
            a = a.add(MR);
            b = b.add(NR);
        }
    }
    *acc = [
        [c0, d0],
        [c1, d1],
        [c2, d2],
        [c3, d3],
        [c4, d4],
        [c5, d5],
        [c6, d6],
        [c7, d7],
        [c8, d8],
        [c9, d9],
        [c10, d10],
        [c11, d11],
    ];
}

/// Writes the tile; whole vectors when rows are contiguous (tract's layout for this model),
/// lane by lane otherwise.
///
/// # Safety
/// `tile` describes a `16 MV` x `NR` f32 tile.
#[target_feature(enable = "avx512f")]
unsafe fn store<const MV: usize, const NR: usize>(acc: &Acc<MV, NR>, tile: &OutputStoreKer) {
    for (j, vecs) in acc.iter().enumerate() {
        // SAFETY: a 16 MV x NR tile at these strides, per the caller.
        unsafe {
            let col = tile.ptr.offset(tile.col_byte_stride * j as isize);
            for (v, x) in vecs.iter().enumerate() {
                if tile.row_byte_stride == 4 {
                    _mm512_storeu_ps(col.add(64 * v) as *mut f32, *x);
                } else {
                    let mut lanes = [0f32; 16];
                    _mm512_storeu_ps(lanes.as_mut_ptr(), *x);
                    for (l, x) in lanes.iter().enumerate() {
                        *(col.offset(tile.row_byte_stride * (16 * v + l) as isize) as *mut f32) = *x;
                    }
                }
            }
        }
    }
}
