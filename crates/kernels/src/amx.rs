//! The pipeline's matrix-product kernel on x86-64 with AMX: f32 results from bf16 tile
//! products, without bf16's loss of precision.
//!
//! With `avx512.rs` the pipeline spends three quarters of its time in matrix
//! products at the AVX-512 multiply-add rate. AMX's `tdpbf16ps` multiplies 16 x 32 by
//! 32 x 16 bf16 tiles into f32 in one instruction, but bf16 keeps 8 significant bits. Two
//! facts make it exact enough here:
//!
//! - The weights are int8 times a per-output scale. With the scale applied after the product
//!   (the core's `scale_after_matmul` in `src/embed/rewrite.rs`, which it applies when
//!   [`crate::Kernel::integer_weights`] says so), the matrix holds small integers, which bf16
//!   stores exactly. The packer checks this: a matrix that is not exactly bf16 (the attention
//!   products, whose two sides are activations) is kept in f32 and multiplied on AVX-512.
//! - Each activation is split into two bf16 numbers, `x = hi + lo` (16 significant bits),
//!   and both halves are multiplied. Products of an 8-bit integer and an 8-bit `hi` or `lo`
//!   are exact in f32, and `tdpbf16ps` accumulates in f32, so what is lost is `x`'s bits
//!   beyond 16, a relative 2^-17, below the f16 rounding of the stored embeddings (2^-11).
//!
//! The tile is [`MR`] = 64 output features by [`NR`] = 16 tokens: four accumulator tiles,
//! one token tile for each half, and two weight tiles at a time, the eight AMX registers.
//! The result is stored to memory and finished in the AVX-512 tile of `avx512.rs` by the
//! fused operations of `fused.rs`, which all kernels share.
//!
//! It runs once the CLI registers it ([`crate::register_native`]), where tract detects
//! AMX-BF16 and Linux grants this process the AMX state (`arch_prctl`, requested through
//! tract-linalg); elsewhere `avx512.rs` runs.

use std::arch::asm;
use std::arch::x86_64::*;
use std::fmt;
use std::sync::OnceLock;

use tract_data::internal::*;
use tract_linalg::isa::{Arch, Isa, IsaReq, IsaSet, NEVER_PREFERRED};
use tract_linalg::mmm::{
    DynKernel, EagerPackedInput, FusedKerSpec, MMMInputFormat, MMMInputValue, MatMatMul, Query, Suitable,
};
use tract_linalg::mmm_routines::MmmRoutine;
use tract_linalg::mmm_tiers::MmmTier;
use tract_linalg::pack::Packing;
use tract_linalg::WeightType;

use crate::avx512::Acc;
use crate::fused;
use crate::pack::{as_f32, as_u16, extract_steps, packed, panels, shared_format_methods, u32_at, Source};

/// Rows of a tile (output features): four AMX tiles of 16.
const MR: usize = 64;
/// Columns of a tile (tokens): the rows of one AMX tile.
const NR: usize = 16;
const MV: usize = MR / 16;
/// `k` per `tdpbf16ps`: 32 bf16 = one 64-byte tile row.
const CHUNK: usize = 32;
/// The weights' panel header: one flag word, padded to a cache line.
const HEADER: usize = 64;
/// Header flag: the panel holds bf16 tiles (exact), not f32.
const EXACT: u32 = 1;

/// The kernel's name in tract's registry, as it appears in a plan's description.
pub(crate) const NAME: &str = "wayfinder_amx_f32_64x16";

/// The registrations under which this kernel claims products (`crate::register_*`).
const RUNS_UNDER: &[u8] = &[crate::AMX];

/// Whether this machine can run the kernel: AVX-512F and AMX-BF16 present, and the AMX state
/// granted by the OS (requested through tract-linalg, once).
pub(crate) fn usable() -> bool {
    static OK: OnceLock<bool> = OnceLock::new();
    *OK.get_or_init(|| is_x86_feature_detected!("avx512f") && tract_linalg::x86_64::amx_bf16::has_amx_bf16())
}

/// Keeps this module's registrations in the link (see `avx512::keep`).
pub(crate) fn keep() {
    std::hint::black_box((make as fn() -> Box<dyn MatMatMul>, preferred as fn(_, _, _, _) -> _));
}

/// Above the AVX-512 kernel once registered ([`crate::register_native`] checks [`usable`]);
/// never preferred before.
fn boost() -> isize {
    if crate::registered(RUNS_UNDER) {
        5
    } else {
        NEVER_PREFERRED
    }
}

fn make() -> Box<dyn MatMatMul> {
    let mut kernel = DynKernel::<MR, NR, f32>::new(NAME, run, f32::packing(MR), f32::packing(NR))
        .with_isa(IsaReq::ANY.needing(&[Isa::X86_64Avx512f, Isa::X86_64AmxBf16]))
        .with_boost(boost);
    kernel.packings[0] = (Box::new(Weights), Box::new(Tokens));
    kernel.arch = Some(Arch::X86_64);
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
        arch: Some(Arch::X86_64),
        // Above the AVX-512 kernel's tier (9).
        precedence: 10,
        name: "wayfinder-amx",
        applies: |isa| isa.has(Isa::X86_64AmxBf16),
        preferred,
    }
}

/// Splits `x` into two bf16 halves: `hi[i]` is `x[i]` rounded to the nearest bf16 (ties to
/// even), `lo[i]` what is left rounded the same way, as their 16 bits; 16 at a time.
///
/// # Safety
/// AVX-512F is present (this format serves only the AMX kernel, which requires it); the
/// three slices have the same length, a multiple of 16.
#[target_feature(enable = "avx512f")]
unsafe fn split_bf16(x: &[f32], hi: &mut [u16], lo: &mut [u16]) {
    #[target_feature(enable = "avx512f")]
    fn round(v: __m512) -> __m512i {
        let bits = _mm512_castps_si512(v);
        let odd = _mm512_and_si512(_mm512_srli_epi32::<16>(bits), _mm512_set1_epi32(1));
        let up = _mm512_add_epi32(bits, _mm512_add_epi32(odd, _mm512_set1_epi32(0x7fff)));
        _mm512_and_si512(up, _mm512_set1_epi32(-65536))
    }
    for ((x, hi), lo) in x.chunks_exact(16).zip(hi.chunks_exact_mut(16)).zip(lo.chunks_exact_mut(16)) {
        // SAFETY: 16 floats in, 16 halves out each, per the chunks.
        unsafe {
            let v = _mm512_loadu_ps(x.as_ptr());
            let h = round(v);
            let l = round(_mm512_sub_ps(v, _mm512_castsi512_ps(h)));
            _mm256_storeu_si256(hi.as_mut_ptr() as *mut __m256i, _mm512_cvtepi32_epi16(_mm512_srli_epi32::<16>(h)));
            _mm256_storeu_si256(lo.as_mut_ptr() as *mut __m256i, _mm512_cvtepi32_epi16(_mm512_srli_epi32::<16>(l)));
        }
    }
}

fn from_bf16(h: u16) -> f32 {
    f32::from_bits(u32::from(h) << 16)
}

/// Whether a product of depth `k` can run on tiles: a whole number of [`CHUNK`]s. Both
/// formats ask this, so exact weights always meet tokens that have their bf16 halves.
fn tiles_fit(k: usize) -> bool {
    k > 0 && k.is_multiple_of(CHUNK)
}

/// Where feature `r`, depth `p` of a [`Weights`] panel sits among its bf16 tiles: per chunk
/// of 32 `p`, four 16-feature tiles (1 KiB each) of 16 rows of `p` pairs, the layout
/// `tdpbf16ps` reads.
fn tile_index(r: usize, p: usize) -> usize {
    let (chunk, pair, member) = (p / CHUNK, (p % CHUNK) / 2, p % 2);
    chunk * CHUNK * MR + (r / 16) * 512 + pair * 32 + (r % 16) * 2 + member
}

/// The left operand (weights): [`MR`]-feature panels, each a [`HEADER`] then either bf16
/// tiles (when every value is exactly a bf16 and [`tiles_fit`]; laid out by [`tile_index`]) or
/// `k` steps of [`MR`] f32.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
struct Weights;

impl Weights {
    fn panel_bytes(k: usize, exact: bool) -> usize {
        HEADER + k * MR * if exact { 2 } else { 4 }
    }
}

impl fmt::Display for Weights {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WayfinderAmxWeights[{MR}]")
    }
}

impl MMMInputFormat for Weights {
    shared_format_methods!(MR);

    fn prepare_one_view(&self, t: &TensorView, k_axis: usize, mn_axis: usize) -> TractResult<Box<dyn MMMInputValue>> {
        let src = Source::new(t, k_axis, mn_axis)?;
        let (k, mn) = (src.k, src.mn);
        // The panel's features as rows of `k`.
        let mut rows = vec![0f32; MR * k];
        let exact = tiles_fit(k)
            && (0..mn).all(|i| {
                let row = &mut rows[..k];
                src.row(i, row);
                row.iter().all(|x| x.to_bits() & 0xffff == 0)
            });
        let panel_bytes = Self::panel_bytes(k, exact);
        let data = panels(mn.div_ceil(MR), panel_bytes, |panel, bytes| {
            let (header, body) = bytes.split_at_mut(HEADER);
            header.fill(0);
            header[..4].copy_from_slice(&(if exact { EXACT } else { 0 }).to_le_bytes());
            for (r, row) in rows.chunks_exact_mut(k.max(1)).enumerate() {
                src.row(panel * MR + r, row);
            }
            if exact {
                let body = as_u16(body);
                for (r, row) in rows.chunks_exact(k.max(1)).enumerate() {
                    for (p, x) in row.iter().enumerate() {
                        // The value is exactly a bf16: its upper half.
                        body[tile_index(r, p)] = (x.to_bits() >> 16) as u16;
                    }
                }
            } else {
                // SAFETY: this format serves only the AMX kernel, which tract runs only with
                // AVX-512F; `rows` holds MR rows of `k` and `body` `k` steps of MR.
                unsafe { transpose::<MR>(&rows, as_f32(body), k) };
            }
        });
        Ok(packed(Box::new(*self), data, panel_bytes, k, mn))
    }

    fn mem_size(&self, k: TDim, mn: TDim) -> TDim {
        mn.divceil(MR) * (k * MR * 4 + HEADER)
    }

    fn extract_at_mn_f32(&self, data: &EagerPackedInput, mn: usize, slice: &mut [f32]) -> TractResult<()> {
        ensure!(mn < data.mn && slice.len() == data.fact.k);
        let bytes = data.packed.as_bytes();
        let base = (mn / MR) * data.panel_bytes;
        if u32_at(bytes, base) != EXACT {
            return extract_steps(data, MR, HEADER, mn, slice);
        }
        let body = &bytes[base + HEADER..base + data.panel_bytes];
        for (p, x) in slice.iter_mut().enumerate() {
            let at = 2 * tile_index(mn % MR, p);
            *x = from_bf16(u16::from_le_bytes([body[at], body[at + 1]]));
        }
        Ok(())
    }
}

/// `to[p * R + j] = rows[j * k + p]`: `R` rows of `k` (a multiple of 16) into `k` steps of
/// `R`, one gather of 16 values at a time.
///
/// # Safety
/// AVX-512F is present; `rows` holds `R * k` floats and `to` as many.
#[target_feature(enable = "avx512f")]
unsafe fn transpose<const R: usize>(rows: &[f32], to: &mut [f32], k: usize) {
    debug_assert!(R.is_multiple_of(16) && rows.len() == R * k && to.len() == R * k);
    let index = _mm512_mullo_epi32(
        _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
        _mm512_set1_epi32(k as i32),
    );
    for (p, step) in to.chunks_exact_mut(R).enumerate() {
        for (v, lanes) in step.chunks_exact_mut(16).enumerate() {
            // SAFETY: element `(16 v + j) * k + p` of `rows` for each lane `j`, 16 floats out.
            unsafe {
                let x = _mm512_i32gather_ps::<4>(index, rows.as_ptr().add(16 * v * k + p));
                _mm512_storeu_ps(lanes.as_mut_ptr(), x);
            }
        }
    }
}

/// The right operand (tokens): [`NR`]-token panels, each `k` steps of [`NR`] f32 (for f32
/// weights), then, when [`tiles_fit`], the tokens as two bf16 matrices of
/// [`NR`] rows of `k`: the rounded values `hi` and what they leave, `lo`.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
struct Tokens;

impl Tokens {
    fn panel_bytes(k: usize) -> usize {
        k * NR * 4 + if tiles_fit(k) { 2 * NR * k * 2 } else { 0 }
    }
}

impl fmt::Display for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WayfinderAmxTokens[{NR}]")
    }
}

impl MMMInputFormat for Tokens {
    shared_format_methods!(NR);

    fn prepare_one_view(&self, t: &TensorView, k_axis: usize, mn_axis: usize) -> TractResult<Box<dyn MMMInputValue>> {
        let src = Source::new(t, k_axis, mn_axis)?;
        let (k, mn) = (src.k, src.mn);
        let panel_bytes = Self::panel_bytes(k);
        // The panel's tokens as rows of `k`, then transposed into `k` steps of NR.
        let mut rows = vec![0f32; NR * k];
        let data = panels(mn.div_ceil(NR), panel_bytes, |panel, bytes| {
            let (f32s, halves) = bytes.split_at_mut(k * NR * 4);
            let (f32s, halves) = (as_f32(f32s), as_u16(halves));
            let (hi, lo) = halves.split_at_mut(halves.len() / 2);
            for (j, row) in rows.chunks_exact_mut(k.max(1)).enumerate() {
                src.row(panel * NR + j, row);
                if tiles_fit(k) {
                    // SAFETY: this format serves only the AMX kernel, which tract runs only
                    // with AVX-512F; `k` is a multiple of 32.
                    unsafe { split_bf16(row, &mut hi[j * k..(j + 1) * k], &mut lo[j * k..(j + 1) * k]) };
                }
            }
            // SAFETY: as above; `rows` holds NR rows of `k` and `f32s` `k` steps of NR.
            unsafe { transpose::<NR>(&rows, f32s, k) };
        });
        Ok(packed(Box::new(*self), data, panel_bytes, k, mn))
    }

    fn mem_size(&self, k: TDim, mn: TDim) -> TDim {
        mn.divceil(NR) * k * NR * 8
    }

    fn extract_at_mn_f32(&self, data: &EagerPackedInput, mn: usize, slice: &mut [f32]) -> TractResult<()> {
        extract_steps(data, NR, 0, mn, slice)
    }
}

/// # Safety
/// tract's contract for a kernel (see `avx512.rs`), with `pa` a [`Weights`] panel and
/// `pb` a [`Tokens`] panel of the same `k`. tract runs it only where AVX-512F and AMX-BF16
/// are present, and prefers it only once registered, which [`usable`] allowed.
unsafe fn run(spec: &[FusedKerSpec<f32>]) -> isize {
    // SAFETY: per the contract above.
    unsafe { run_amx(spec) }
}

#[target_feature(enable = "avx512f")]
unsafe fn run_amx(spec: &[FusedKerSpec<f32>]) -> isize {
    // SAFETY: tract's contract above.
    unsafe {
        fused::run_tile::<Acc<MV, NR>>(spec, |acc, k, pa, pb| {
            if *(pa as *const u32) == EXACT {
                add_tiles(acc, k, pa.add(HEADER), pb.add(k * NR * 4))
            } else {
                add_f32(acc, k, pa.add(HEADER) as *const f32, pb as *const f32)
            }
        })
    }
}

/// The AMX tile configuration: palette 1, eight tiles of 16 rows of 64 bytes.
#[repr(C, align(64))]
struct TileConfig([u8; 64]);

const TILES: TileConfig = {
    let mut c = [0u8; 64];
    c[0] = 1;
    let mut t = 0;
    while t < 8 {
        c[16 + 2 * t] = 64;
        c[48 + t] = 16;
        t += 1;
    }
    TileConfig(c)
};

/// `acc += W X` on AMX: `w` the bf16 tiles of a [`Weights`] panel, `hi` the [`Tokens`]
/// panel's `hi` matrix (its `lo` follows).
///
/// # Safety
/// `w` holds `k / 32` chunks of four 1 KiB tiles; `hi` and `lo` each hold [`NR`] rows of `k`
/// bf16; `k` is a multiple of [`CHUNK`]; AMX is [`usable`].
#[target_feature(enable = "avx512f")]
unsafe fn add_tiles(acc: &mut Acc<MV, NR>, k: usize, w: *const u8, hi: *const u8) {
    let lo = hi.wrapping_add(NR * k * 2);
    let mut out = TileOut([[0f32; MR]; NR]);
    // SAFETY: per the caller; tile registers are not compiler-managed, and the configuration
    // is released before returning.
    unsafe {
        asm!(
            "ldtilecfg [{cfg}]",
            "tilezero tmm0",
            "tilezero tmm1",
            "tilezero tmm2",
            "tilezero tmm3",
            cfg = in(reg) TILES.0.as_ptr(),
            options(nostack, readonly, preserves_flags),
        );
        for chunk in 0..k / CHUNK {
            asm!(
                "tileloadd tmm4, [{hi} + {row}*1]",
                "tileloadd tmm5, [{lo} + {row}*1]",
                "tileloadd tmm6, [{w} + {line}*1]",
                "tileloadd tmm7, [{w} + {line}*1 + 1024]",
                "tdpbf16ps tmm0, tmm4, tmm6",
                "tdpbf16ps tmm1, tmm4, tmm7",
                "tdpbf16ps tmm0, tmm5, tmm6",
                "tdpbf16ps tmm1, tmm5, tmm7",
                "tileloadd tmm6, [{w} + {line}*1 + 2048]",
                "tileloadd tmm7, [{w} + {line}*1 + 3072]",
                "tdpbf16ps tmm2, tmm4, tmm6",
                "tdpbf16ps tmm3, tmm4, tmm7",
                "tdpbf16ps tmm2, tmm5, tmm6",
                "tdpbf16ps tmm3, tmm5, tmm7",
                hi = in(reg) hi.add(chunk * CHUNK * 2),
                lo = in(reg) lo.add(chunk * CHUNK * 2),
                w = in(reg) w.add(chunk * CHUNK * MR * 2),
                row = in(reg) k * 2,
                line = in(reg) 64usize,
                options(nostack, readonly, preserves_flags),
            );
        }
        asm!(
            "tilestored [{out} + {row}*1], tmm0",
            "tilestored [{out} + {row}*1 + 64], tmm1",
            "tilestored [{out} + {row}*1 + 128], tmm2",
            "tilestored [{out} + {row}*1 + 192], tmm3",
            "tilerelease",
            out = in(reg) out.0.as_mut_ptr(),
            row = in(reg) MR * 4,
            options(nostack, preserves_flags),
        );
    }
    for (vecs, token) in acc.iter_mut().zip(&out.0) {
        for (v, x) in vecs.iter_mut().enumerate() {
            // SAFETY: 16 floats of a 64-float row.
            *x = _mm512_add_ps(*x, unsafe { _mm512_loadu_ps(token.as_ptr().add(16 * v)) });
        }
    }
}

/// The product tile as AMX stores it: a row of [`MR`] features per token.
#[repr(C, align(64))]
struct TileOut([[f32; MR]; NR]);

/// `acc += A B` on AVX-512 for f32 weights: `a` holds `k` steps of [`MR`] floats, `b` `k`
/// steps of [`NR`]; one 16-feature quarter at a time, its 16 accumulators in named locals.
///
/// # Safety
/// As described.
#[target_feature(enable = "avx512f")]
unsafe fn add_f32(acc: &mut Acc<MV, NR>, k: usize, a: *const f32, b: *const f32) {
    #[allow(clippy::needless_range_loop)] // `quarter` picks a vector of every column.
    for quarter in 0..MV {
        let [mut c0, mut c1, mut c2, mut c3, mut c4, mut c5, mut c6, mut c7, mut c8, mut c9, mut c10, mut c11, mut c12, mut c13, mut c14, mut c15] =
            std::array::from_fn(|j| acc[j][quarter]);
        for p in 0..k {
            // SAFETY: step `p` of A and B, per the caller.
            unsafe {
                let av = _mm512_loadu_ps(a.add(p * MR + 16 * quarter));
                let bp = b.add(p * NR);
                macro_rules! columns {
                    ($($j:literal $c:ident),*) => {$(
                        $c = _mm512_fmadd_ps(av, _mm512_set1_ps(*bp.add($j)), $c);
                    )*};
                }
                columns!(0 c0, 1 c1, 2 c2, 3 c3, 4 c4, 5 c5, 6 c6, 7 c7, 8 c8, 9 c9, 10 c10, 11 c11, 12 c12, 13 c13, 14 c14, 15 c15);
            }
        }
        for (j, c) in [c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15].into_iter().enumerate() {
            acc[j][quarter] = c;
        }
    }
}
