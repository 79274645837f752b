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
//! value at a time into 16 accumulators. Four columns divide the usual query lengths (12, 16,
//! 128 tokens) exactly, so no multiply-add is spent on padding there. Along `m` also matches
//! tract's output layout here (features contiguous), so a tile is stored with whole vector
//! stores, and per-feature bias adds are vector adds.
//!
//! **Integer weights.** The model's weights are int8 with one f32 scale per output feature.
//! The embedder moves that scale after the product when this kernel runs
//! ([`crate::Kernel::integer_weights`], the core's `scale_after_matmul`), so the weights reach
//! tract as small integers; [`Weights`] packs them as i8 pairs, a quarter of f32's bytes, and
//! the kernel widens them to i16.
//! [`Tokens`] adds to each token panel the token quantized to integers: one scale per token,
//! its largest magnitude over [`QUANTUM`] (32,767). The product is then `i32x4.dot_i16x8_s`
//! (`pmaddwd`), eight multiply-adds per instruction against four for f32, exact in i32 over
//! blocks of [`BLOCK`] = 512 `k`, after which the sums leave as floats times their token's
//! scale. Only the rounding of each token value to 16 bits differs from f32: embeddings stay
//! at cosine 0.9999998 or more to onnxruntime's on the reference sentences
//! (`crates/embed-wasm-test/tests/parity.rs`, under Node). Products whose left side is not integers (the attention's, both sides
//! activations) keep f32 panels and the f32 loop.
//!
//! Measured in headless Chromium 156 on an AMD EPYC (Zen 4), relaxed-SIMD build, through
//! `Engine.embedText`, medians of 30 against onnxruntime-web 1.30 in the same run, two full
//! `make bench-browser` runs: 12/16/128 tokens 7.9/10.1/74.9 and 7.9/10.4/78.1 ms against
//! 12.1/15.1/114.5 and 12.0/15.3/116.4 (1.47x to 1.53x). The weights matter more than the
//! multiply-adds: the probe's product (one 1,536 x 384 matrix, which stays in cache) took
//! 0.55-0.60 ms in f32, 0.47-0.63 with i16 weights and 0.33-0.43 with i8, while a whole query
//! (42 MB of f32 weights, 10.5 MB of i8) went from 12.5/15.6/105.7 ms in f32 to 8.3/10.3/79.6
//! with i16 weights and then to the figures above. On the Intel machine the f32 loop was
//! written on: 16.4/19.3/127.0 against
//! 18.0/22.0/147.2, where tract's own kernel took 19.8/20.0/148.1. Tried on the f32 loop: 8 x 6
//! (pads 16 tokens to 18 columns), 12 x 4, and one or two steps per iteration, all a little
//! slower; and this crate at opt-level "z", 2.4x slower than at 3 on the EPYC (the embedder
//! module's profile, `wasm-embed`, compiles it at 3). The browser module registers it only
//! where a timed probe finds it faster than tract's own (`crates/wasm/src/embedder.rs`,
//! `kernel::choose`).
//!
//! It is in the two registries tract-linalg exposes for this ([`MmmRoutine`] for the kernel,
//! [`MmmTier`] for its selection with a known `n`) and, once the browser module registers it
//! ([`crate::register_wasm`]), outranks the built-in kernels through its declared preference,
//! which is what tract consults when `n` is symbolic (our case: one plan serves every text
//! length). The fused operations a matrix product can carry (bias, scaling, masks) all go
//! through the kernels' one dispatch (`fused.rs`): the ones this model uses in vector form, the
//! others on a scalar copy of the tile.
//!
//! wasm32 with `simd128` only; with `relaxed-simd` the f32 multiply-adds are fused.

use std::arch::wasm32::*;
use std::fmt;

use tract_data::internal::*;
use tract_linalg::isa::{Arch, IsaSet, NEVER_PREFERRED};
use tract_linalg::mmm::{
    DynKernel, EagerPackedInput, FusedKerSpec, MMMInputFormat, MMMInputValue, MatMatMul, OutputStoreKer, Query,
    Suitable,
};
use tract_linalg::mmm_routines::MmmRoutine;
use tract_linalg::mmm_tiers::MmmTier;
use tract_linalg::pack::Packing;
use tract_linalg::WeightType;

use crate::fused::{self, Arith, Tile};
use crate::pack::{as_f32, as_i16, extract_steps, packed, panels, shared_format_methods, u32_at, Source};

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
    kernel.packings[0] = (Box::new(Weights), Box::new(Tokens));
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
    // SAFETY: tract's contract above, with `pa` a [`Weights`] panel and `pb` a [`Tokens`]
    // panel of the same `k` (the only packing this kernel declares).
    unsafe {
        fused::run_tile::<Acc>(spec, |acc, k, pa, pb| {
            let body = pa.add(HEADER) as *const v128;
            if *(pa as *const u32) == INTEGER {
                add_integer(acc, k, body, pb.add(Tokens::f32_bytes(k)))
            } else {
                add_mat_mul(acc, k, body, pb as *const f32)
            }
        })
    }
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

/// `acc += W X` for integer weights: `w` holds `k / 2` steps of [`MR`] features by two `k`
/// (i8 pairs, widened here to i16), `tokens` a [`Tokens`] panel's scales then its `k / 2`
/// steps of [`NR`] i16 pairs. Each `i32x4.dot_i16x8_s` multiplies four features by one token
/// over two `k` and adds the pairs (`pmaddwd` on x86-64): eight products per instruction, twice
/// the f32 multiply-add's four, in i32 sums of up to [`BLOCK`] products, which cannot
/// overflow. Each block's sums leave as floats times each token's scale.
#[inline(always)]
unsafe fn add_integer(acc: &mut Acc, k: usize, w: *const v128, tokens: *const u8) {
    #[inline(always)]
    unsafe fn step(sums: &mut Acc, w: *const v128, x: *const u32) {
        // SAFETY: one step of MR i8 pairs (W, two vectors) and NR i16 pairs (X), per the caller.
        unsafe {
            let (w0, w1) = (v128_load(w), v128_load(w.add(1)));
            let wv = [
                i16x8_extend_low_i8x16(w0),
                i16x8_extend_high_i8x16(w0),
                i16x8_extend_low_i8x16(w1),
                i16x8_extend_high_i8x16(w1),
            ];
            for (j, vecs) in sums.iter_mut().enumerate() {
                let xj = v128_load32_splat(x.add(j));
                for (s, w) in vecs.iter_mut().zip(&wv) {
                    *s = i32x4_add(*s, i32x4_dot_i16x8(*w, xj));
                }
            }
        }
    }
    // SAFETY: a panel of each format for this `k`, per the caller.
    unsafe {
        let scales: [v128; NR] = std::array::from_fn(|j| f32x4_splat(*(tokens as *const f32).add(j)));
        let (mut w, mut x) = (w, tokens.add(TOKEN_SCALES) as *const u32);
        let mut left = k;
        while left > 0 {
            let block = left.min(BLOCK);
            let mut sums: Acc = [[i32x4_splat(0); MV]; NR];
            for _ in 0..block / 4 {
                step(&mut sums, w, x);
                step(&mut sums, w.add(W_STEP), x.add(NR));
                w = w.add(2 * W_STEP);
                x = x.add(2 * NR);
            }
            // An odd number of pairs leaves one (only in the last block: BLOCK is a multiple of 4).
            if !block.is_multiple_of(4) {
                step(&mut sums, w, x);
            }
            for ((vecs, sums), scale) in acc.iter_mut().zip(&sums).zip(&scales) {
                for (x, s) in vecs.iter_mut().zip(sums) {
                    *x = madd(*x, f32x4_convert_i32x4(*s), *scale);
                }
            }
            left -= block;
        }
    }
}

/// Vectors of an integer [`Weights`] panel per pair of `k`: [`MR`] i8 pairs.
const W_STEP: usize = MR * 2 / 16;
/// Bytes before a [`Weights`] panel's body: the flag word, padded to a vector.
const HEADER: usize = 16;
/// Header flag: the panel holds i8 pairs (integer weights), not f32.
const INTEGER: u32 = 1;
/// Bytes of a [`Tokens`] panel's scales, one f32 per token.
const TOKEN_SCALES: usize = NR * 4;
/// The largest integer weight magnitude the integer form takes: the model's int8 range.
const WEIGHT_LIMIT: f32 = 128.0;

/// Whether a product of depth `k` can run on integers: `k` whole pairs. Both formats ask this,
/// so integer weights always meet tokens that have their integer form.
fn pairs_fit(k: usize) -> bool {
    k > 0 && k.is_multiple_of(2)
}

/// The largest integer a token's values are quantized to: i16's limit, so each value is within
/// 1/65,534 of its token's largest magnitude.
const QUANTUM: f32 = i16::MAX as f32;
/// `k` per block of integer sums, which [`add_integer`] then adds to the tile as floats: sums of
/// up to this many products of weights within [`WEIGHT_LIMIT`] and values within [`QUANTUM`]
/// stay within i32 (512 x 128 x 32,767 < 2^31).
const BLOCK: usize = 512;
const _: () = assert!(BLOCK as f64 * WEIGHT_LIMIT as f64 * QUANTUM as f64 <= i32::MAX as f64);
const _: () = assert!(BLOCK.is_multiple_of(4));

/// The left operand (weights): [`MR`]-feature panels, each a [`HEADER`] then either i8 pairs
/// (when every value is an integer within [`WEIGHT_LIMIT`], as the model's int8 weights once
/// the embedder moves their scale after the product, and [`pairs_fit`]) or `k` steps of
/// [`MR`] f32 (every other product, the attention's among them).
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
struct Weights;

impl Weights {
    fn panel_bytes(k: usize, integer: bool) -> usize {
        HEADER + k * MR * if integer { 1 } else { 4 }
    }

    /// The panels in integer form, or `None` at the first value that is not an integer within
    /// [`WEIGHT_LIMIT`]. `k` is even ([`pairs_fit`]).
    fn integer_panels(src: &Source) -> Option<Blob> {
        let (k, mut fits) = (src.k, true);
        let mut row = vec![0f32; k];
        let data = panels(src.mn.div_ceil(MR), Self::panel_bytes(k, true), |panel, bytes| {
            let (header, body) = bytes.split_at_mut(HEADER);
            header.fill(0);
            header[..4].copy_from_slice(&INTEGER.to_le_bytes());
            for r in 0..MR {
                if !fits {
                    return;
                }
                src.row(panel * MR + r, &mut row);
                fits = row.iter().all(|x| x.fract() == 0.0 && (-WEIGHT_LIMIT..WEIGHT_LIMIT).contains(x));
                for (p, x) in row.iter().enumerate() {
                    // An integer within i8 where `fits`; the panels are dropped otherwise.
                    body[pair_index(MR, r, p)] = (*x as i8) as u8;
                }
            }
        });
        fits.then_some(data)
    }

    /// The panels as `k` steps of [`MR`] f32.
    fn f32_panels(src: &Source) -> Blob {
        let k = src.k;
        let mut row = vec![0f32; k];
        panels(src.mn.div_ceil(MR), Self::panel_bytes(k, false), |panel, bytes| {
            let (header, body) = bytes.split_at_mut(HEADER);
            header.fill(0);
            let body = as_f32(body);
            for r in 0..MR {
                src.row(panel * MR + r, &mut row);
                for (p, x) in row.iter().enumerate() {
                    body[p * MR + r] = *x;
                }
            }
        })
    }
}

/// Where row `r`, depth `p` of an integer panel of `rows` rows sits among its values: per pair
/// of `p`, `rows` rows of two values. A [`Weights`] panel ([`MR`] features of i8: eight to a
/// vector, four once widened) and a [`Tokens`] panel ([`NR`] tokens of i16) alike.
fn pair_index(rows: usize, r: usize, p: usize) -> usize {
    (p / 2) * 2 * rows + r * 2 + p % 2
}

impl fmt::Display for Weights {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WayfinderWasmWeights[{MR}]")
    }
}

impl MMMInputFormat for Weights {
    shared_format_methods!(MR);

    fn prepare_one_view(&self, t: &TensorView, k_axis: usize, mn_axis: usize) -> TractResult<Box<dyn MMMInputValue>> {
        let src = Source::new(t, k_axis, mn_axis)?;
        let (k, mn) = (src.k, src.mn);
        // Integers when every value allows (one pass, given up at the first that does not:
        // at once for the attention's products, whose left side is activations), else f32.
        let integer = pairs_fit(k).then(|| Self::integer_panels(&src)).flatten();
        let (data, panel_bytes) = match integer {
            Some(data) => (data, Self::panel_bytes(k, true)),
            None => (Self::f32_panels(&src), Self::panel_bytes(k, false)),
        };
        Ok(packed(Box::new(*self), data, panel_bytes, k, mn))
    }

    fn mem_size(&self, k: TDim, mn: TDim) -> TDim {
        mn.divceil(MR) * (k * MR * 4 + HEADER)
    }

    fn extract_at_mn_f32(&self, data: &EagerPackedInput, mn: usize, slice: &mut [f32]) -> TractResult<()> {
        ensure!(mn < data.mn && slice.len() == data.fact.k);
        let bytes = data.packed.as_bytes();
        let base = (mn / MR) * data.panel_bytes;
        if u32_at(bytes, base) != INTEGER {
            return extract_steps(data, MR, HEADER, mn, slice);
        }
        let body = &bytes[base + HEADER..base + data.panel_bytes];
        for (p, x) in slice.iter_mut().enumerate() {
            *x = f32::from(body[pair_index(MR, mn % MR, p)] as i8);
        }
        Ok(())
    }
}

/// The right operand (tokens): [`NR`]-token panels, each `k` steps of [`NR`] f32 (for f32
/// weights), then, when [`pairs_fit`], the tokens as integers for integer weights: one scale
/// per token, then `k / 2` steps of [`NR`] i16 pairs, each value `x / scale` rounded, where
/// `scale` is the token's largest magnitude over [`QUANTUM`]. A token with a value that is not
/// finite gets a NaN scale, so its products are NaN, as in f32.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
struct Tokens;

impl Tokens {
    /// Bytes of a panel's f32 part.
    fn f32_bytes(k: usize) -> usize {
        k * NR * 4
    }

    fn panel_bytes(k: usize) -> usize {
        Self::f32_bytes(k) + if pairs_fit(k) { TOKEN_SCALES + k * NR * 2 } else { 0 }
    }
}

impl fmt::Display for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WayfinderWasmTokens[{NR}]")
    }
}

impl MMMInputFormat for Tokens {
    shared_format_methods!(NR);

    fn prepare_one_view(&self, t: &TensorView, k_axis: usize, mn_axis: usize) -> TractResult<Box<dyn MMMInputValue>> {
        let src = Source::new(t, k_axis, mn_axis)?;
        let (k, mn) = (src.k, src.mn);
        let panel_bytes = Self::panel_bytes(k);
        let mut row = vec![0f32; k];
        let data = panels(mn.div_ceil(NR), panel_bytes, |panel, bytes| {
            let (f32s, integers) = bytes.split_at_mut(Self::f32_bytes(k));
            let f32s = as_f32(f32s);
            let (scales, pairs) = integers.split_at_mut(if pairs_fit(k) { TOKEN_SCALES } else { 0 });
            let (scales, pairs) = (as_f32(scales), as_i16(pairs));
            for j in 0..NR {
                src.row(panel * NR + j, &mut row);
                for (p, x) in row.iter().enumerate() {
                    f32s[p * NR + j] = *x;
                }
                if !pairs_fit(k) {
                    continue;
                }
                let finite = row.iter().all(|x| x.is_finite());
                let largest = row.iter().fold(0f32, |m, x| m.max(x.abs()));
                scales[j] = if !finite { f32::NAN } else { largest / QUANTUM };
                let inverse = if finite && largest > 0.0 { QUANTUM / largest } else { 0.0 };
                for (p, x) in row.iter().enumerate() {
                    // Within [-QUANTUM, QUANTUM] by the choice of scale (`as` would saturate); ties
                    // to even is wasm's own rounding instruction.
                    pairs[pair_index(NR, j, p)] = (x * inverse).round_ties_even() as i16;
                }
            }
        });
        Ok(packed(Box::new(*self), data, panel_bytes, k, mn))
    }

    fn mem_size(&self, k: TDim, mn: TDim) -> TDim {
        mn.divceil(NR) * (k * NR * 6 + TOKEN_SCALES)
    }

    fn extract_at_mn_f32(&self, data: &EagerPackedInput, mn: usize, slice: &mut [f32]) -> TractResult<()> {
        extract_steps(data, NR, 0, mn, slice)
    }
}
