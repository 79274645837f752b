//! The closed-form solves behind fold-in, shared with ALS training: one small ridge
//! regression per learner against fixed item factors, solved by Cholesky factorization.
//!
//! The core's one exception to `#![deny(unsafe_code)]` (see `lib.rs`): on x86-64 the two hot
//! solves are compiled a second time with AVX2 enabled and called where the CPU has it, which
//! takes an `unsafe` call. The code is the same safe Rust; only the instruction set differs.
#![allow(unsafe_code)]

use crate::error::{Error, Result};
use crate::mf::{FoldInRule, MfModel};

/// The system was not positive definite (only possible through overflow, since every
/// system here carries a positive ridge term).
#[derive(Debug)]
pub(crate) struct NotPositiveDefinite;

/// Buffers for one `n × n` system, reused across rows on hot paths.
pub(crate) struct FoldInScratch {
    a: Vec<f32>,
    b: Vec<f32>,
}

impl FoldInScratch {
    /// Room for systems of up to `n` unknowns.
    pub(crate) fn new(n: usize) -> Self {
        FoldInScratch {
            // n × n for a Cholesky solve, or three n-vectors for conjugate gradients.
            a: vec![0.0; (n * n).max(3 * n)],
            b: vec![0.0; n],
        }
    }
}

/// Solves the implicit-feedback row of Hu, Koren and Volinsky (2008):
/// `(YᵀY + λI + Yᵀ(Cᵤ − I)Y) x = Yᵀ Cᵤ pᵤ`. `gram` is `YᵀY + λI` (`k × k`, computed once per
/// sweep), `ridge` is added to its diagonal for this row alone (the count-scaled penalty of
/// [`FoldInRule::CountScaled`]; 0 otherwise), `items` is `Y` flattened row-major with `k = x.len()` columns, and `weighted` lists
/// `(item row, confidence)` for the items the row interacted with (preference 1). Only the
/// observed items are touched, so a row costs `O(nᵤk² + k³)` rather than `O(n_items·k²)`.
pub(crate) fn solve_implicit(
    gram: &[f32],
    ridge: f32,
    items: &[f32],
    weighted: &[(usize, f32)],
    scratch: &mut FoldInScratch,
    x: &mut [f32],
) -> Result<(), NotPositiveDefinite> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has the features this copy was compiled for.
        return unsafe { solve_implicit_avx2(gram, ridge, items, weighted, scratch, x) };
    }
    solve_implicit_portable(gram, ridge, items, weighted, scratch, x)
}

/// [`solve_implicit_portable`] compiled for 256-bit vectors: ALS spends nearly all its time
/// here, and the portable x86-64 baseline only has 128-bit ones. The arithmetic is the same
/// operations in the same order (no fused multiply-add), so both give identical results.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn solve_implicit_avx2(
    gram: &[f32],
    ridge: f32,
    items: &[f32],
    weighted: &[(usize, f32)],
    scratch: &mut FoldInScratch,
    x: &mut [f32],
) -> Result<(), NotPositiveDefinite> {
    solve_implicit_portable(gram, ridge, items, weighted, scratch, x)
}

#[inline(always)]
fn solve_implicit_portable(
    gram: &[f32],
    ridge: f32,
    items: &[f32],
    weighted: &[(usize, f32)],
    scratch: &mut FoldInScratch,
    x: &mut [f32],
) -> Result<(), NotPositiveDefinite> {
    let k = x.len();
    let a = &mut scratch.a[..k * k];
    a.copy_from_slice(gram);
    if ridge != 0.0 {
        (0..k).for_each(|d| a[d * k + d] += ridge);
    }
    x.fill(0.0);
    let row = |item: usize| &items[item * k..(item + 1) * k];
    // Four observations per pass over A, so each row of A is loaded once per four.
    for group in weighted.chunks(4) {
        let mut w = [0.0; 4];
        let mut y = [row(group[0].0); 4];
        for (t, &(item, c)) in group.iter().enumerate() {
            w[t] = c - 1.0;
            y[t] = row(item);
            axpy(c, y[t], x);
        }
        add_outer4_upper(a, k, w, y);
    }
    cholesky_solve(a, k, x)
}

/// Improves `x` towards the solution of the same implicit-feedback row as [`solve_implicit`]
/// by `steps` conjugate-gradient steps started from `x` itself (Takács, Pilászy and Tikk
/// 2011, "Applications of the conjugate gradient method for implicit feedback collaborative
/// filtering"). ALS training warm-starts every row from its previous sweep, so a few steps
/// per sweep reach the exact solve's quality at `O(k² + n·k)` per row instead of `O(k³)`.
/// `gram` must be the full symmetric `YᵀY + λI`, which is positive definite, so the steps
/// cannot break down; they stop early once the residual vanishes. Training only.
#[cfg(feature = "train")]
pub(crate) fn conjugate_gradient_implicit(
    gram: &[f32],
    ridge: f32,
    items: &[f32],
    weighted: &[(usize, f32)],
    steps: usize,
    scratch: &mut FoldInScratch,
    x: &mut [f32],
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has the features this copy was compiled for.
        return unsafe { conjugate_gradient_avx2(gram, ridge, items, weighted, steps, scratch, x) };
    }
    conjugate_gradient_portable(gram, ridge, items, weighted, steps, scratch, x)
}

/// [`conjugate_gradient_portable`] compiled for 256-bit vectors, with the same arithmetic.
#[cfg(all(feature = "train", target_arch = "x86_64"))]
#[target_feature(enable = "avx2")]
unsafe fn conjugate_gradient_avx2(
    gram: &[f32],
    ridge: f32,
    items: &[f32],
    weighted: &[(usize, f32)],
    steps: usize,
    scratch: &mut FoldInScratch,
    x: &mut [f32],
) {
    conjugate_gradient_portable(gram, ridge, items, weighted, steps, scratch, x)
}

#[cfg(feature = "train")]
#[inline(always)]
fn conjugate_gradient_portable(
    gram: &[f32],
    ridge: f32,
    items: &[f32],
    weighted: &[(usize, f32)],
    steps: usize,
    scratch: &mut FoldInScratch,
    x: &mut [f32],
) {
    const TINY: f32 = 1e-20;
    let k = x.len();
    let row = |item: usize| &items[item * k..(item + 1) * k];
    // `a` holds three vectors here: the residual r, the direction p and A·p.
    let (r, rest) = scratch.a[..3 * k].split_at_mut(k);
    let (p, ap) = rest.split_at_mut(k);
    // r = b − A·x with b = Σ cᵢ yᵢ and A = gram + Σ (cᵢ − 1) yᵢ yᵢᵀ.
    for (i, ri) in r.iter_mut().enumerate() {
        *ri = -dot(&gram[i * k..(i + 1) * k], x) - ridge * x[i];
    }
    for &(item, c) in weighted {
        let y = row(item);
        axpy(c - (c - 1.0) * dot(y, x), y, r);
    }
    p.copy_from_slice(r);
    let mut rs_old = dot(r, r);
    for _ in 0..steps {
        if rs_old < TINY {
            return;
        }
        for (i, api) in ap.iter_mut().enumerate() {
            *api = dot(&gram[i * k..(i + 1) * k], p) + ridge * p[i];
        }
        for &(item, c) in weighted {
            let y = row(item);
            axpy((c - 1.0) * dot(y, p), y, ap);
        }
        let step = rs_old / dot(p, ap);
        axpy(step, p, x);
        axpy(-step, ap, r);
        let rs_new = dot(r, r);
        let beta = rs_new / rs_old;
        for (pi, ri) in p.iter_mut().zip(r.iter()) {
            *pi = ri + beta * *pi;
        }
        rs_old = rs_new;
    }
}

/// Solves for an explicit learner's vector on the residuals `r − μ − bᵢ`. With a learner
/// bias ([`FoldInRule::Wayfinder`]): minimise `Σ (r − μ − bᵢ − b − p·qᵢ)² + n·(bias_reg·b² +
/// reg·‖p‖²)`, where `n` is the number of ratings, so the penalty matches the per-rating
/// penalty SGD training applies. Without one ([`FoldInRule::CountScaled`]): minimise
/// `Σ (r − μ − bᵢ − p·qᵢ)² + n·reg·‖p‖²`, Spark MLlib's explicit ALS row (whose exported
/// models carry no mean or biases, so the residual is the rating itself).
/// With SVD++'s implicit factors ([`FoldInRule::SvdPlusPlus`]): the Wayfinder solve on the
/// residuals `r − μ − bᵢ − s·qᵢ`, where `s = n^-½ Σ zⱼ` over the rated items, and the vector
/// returned is `p + s`, so scoring stays one dot product.
pub(crate) fn solve_explicit(
    model: &MfModel,
    observations: &[(usize, f32)],
    scratch: &mut FoldInScratch,
) -> Result<(f32, Vec<f32>)> {
    let k = model.n_factors();
    let p = model.fold_in;
    // The unknowns are [b, p] with a bias, [p] without one.
    let with_bias = p.rule != FoldInRule::CountScaled;
    let first = usize::from(with_bias);
    let n = k + first;
    let items = model.item_factors.as_slice().expect("MfModel keeps its factors contiguous");
    // SVD++'s implicit term: the same for every rating of this learner.
    let implicit = model.implicit_factors.as_ref().map(|z| {
        let z = z.as_slice().expect("MfModel keeps its implicit factors contiguous");
        let mut s = vec![0.0; k];
        implicit_term(z, observations.iter().map(|&(item, _)| item), observations.len(), &mut s);
        s
    });
    let (a, z) = (&mut scratch.a[..n * n], &mut scratch.b[..n]);
    a.fill(0.0);
    z.fill(0.0);
    // Each rating contributes the row [1, qᵢ] (or [qᵢ]), four ratings per pass.
    let mut rows = vec![0.0; 4 * n];
    for group in observations.chunks(4) {
        let mut w = [0.0; 4];
        for ((&(item, r), row), w) in group.iter().zip(rows.chunks_exact_mut(n)).zip(&mut w) {
            if with_bias {
                row[0] = 1.0;
            }
            let q = &items[item * k..(item + 1) * k];
            row[first..].copy_from_slice(q);
            let known = implicit.as_deref().map_or(0.0, |s| dot(q, s));
            axpy(r - model.global_mean - model.item_bias[item] - known, row, z);
            *w = 1.0;
        }
        add_outer4_upper(a, n, w, std::array::from_fn(|t| &rows[t * n..(t + 1) * n]));
    }
    let count = observations.len() as f32;
    if with_bias {
        a[0] += count * p.bias_reg;
    }
    for d in first..n {
        a[d * n + d] += count * p.reg;
    }
    cholesky_solve(a, n, z).map_err(|_| Error::NotPositiveDefinite("fold-in"))?;
    let (bias, mut factors) = if with_bias { (z[0], z[1..].to_vec()) } else { (0.0, z.to_vec()) };
    if let Some(s) = implicit {
        axpy(1.0, &s, &mut factors);
    }
    Ok((bias, factors))
}

/// SVD++'s implicit term of a learner who rated `count` items (`rated`): `s = count^-½ Σ zⱼ`
/// added to `out` (width `k`), with `z` the implicit factors flattened row-major. Training and
/// fold-in both call this, so the device's term is the trainer's.
pub(crate) fn implicit_term(z: &[f32], rated: impl Iterator<Item = usize>, count: usize, out: &mut [f32]) {
    let k = out.len();
    let norm = 1.0 / (count as f32).sqrt();
    for j in rated {
        axpy(norm, &z[j * k..(j + 1) * k], out);
    }
}

/// `A += Σₜ wₜ · yₜ yₜᵀ` on the upper triangle of the `n × n` row-major `a` (and on a few
/// entries left of the diagonal, see [`aligned`]).
#[inline(always)]
fn add_outer4_upper(a: &mut [f32], n: usize, w: [f32; 4], y: [&[f32]; 4]) {
    for (i, row) in a.chunks_exact_mut(n).enumerate() {
        let c = [w[0] * y[0][i], w[1] * y[1][i], w[2] * y[2][i], w[3] * y[3][i]];
        let s = aligned(i);
        axpy4(c, [&y[0][s..], &y[1][s..], &y[2][s..], &y[3][s..]], &mut row[s..]);
    }
}

/// Where a row operation that must cover columns `i..n` starts. The factorization reads only
/// the upper triangle, so the entries left of the diagonal are scratch; starting at a multiple
/// of eight makes every row operation whole vectors (when `n` is a multiple of eight) instead
/// of a vector part plus a slow scalar tail, which roughly halves the time of a solve.
#[inline(always)]
fn aligned(i: usize) -> usize {
    i & !7
}

/// Solves `A x = b` in place for symmetric positive definite `A`, of which only the upper
/// triangle is read (and overwritten with the Cholesky factor `U`, `A = UᵀU`). `b` becomes `x`.
#[inline(always)]
pub(crate) fn cholesky_solve(a: &mut [f32], n: usize, b: &mut [f32]) -> Result<(), NotPositiveDefinite> {
    // Right-looking factorization, four pivots at a time: finish the block's rows, then
    // subtract their outer products from every later row in one pass per row.
    for j in (0..n).step_by(4) {
        let end = (j + 4).min(n);
        for p in j..end {
            let (done, rest) = a.split_at_mut(p * n);
            let s = aligned(p);
            let row_p = &mut rest[s..n];
            for q in j..p {
                axpy(-done[q * n + p], &done[q * n + s..q * n + n], row_p);
            }
            let d = row_p[p - s];
            if !(d > 0.0 && d.is_finite()) {
                return Err(NotPositiveDefinite);
            }
            let d = d.sqrt();
            let inverse = 1.0 / d;
            row_p.iter_mut().for_each(|u| *u *= inverse);
            row_p[p - s] = d;
        }
        let (done, rest) = a.split_at_mut(end * n);
        for (i, row) in (end..n).zip(rest.chunks_exact_mut(n)) {
            let s = aligned(i);
            let mut c = [0.0; 4];
            let mut u = [&done[j * n + s..j * n + n]; 4];
            for (t, q) in (j..end).enumerate() {
                c[t] = -done[q * n + i];
                u[t] = &done[q * n + s..q * n + n];
            }
            axpy4(c, u, &mut row[s..]);
        }
    }
    // Forward: Uᵀ y = b, using row p of U as column p of Uᵀ.
    for p in 0..n {
        let row = &a[p * n + p..p * n + n];
        b[p] /= row[0];
        let yp = b[p];
        axpy(-yp, &row[1..], &mut b[p + 1..]);
    }
    // Backward: U x = y.
    for p in (0..n).rev() {
        let row = &a[p * n + p..p * n + n];
        b[p] = (b[p] - dot(&row[1..], &b[p + 1..])) / row[0];
    }
    Ok(())
}

/// `y += Σₜ cₜ · vₜ` over `y.len()` entries: four vectors per pass over `y`.
#[inline(always)]
fn axpy4(c: [f32; 4], v: [&[f32]; 4], y: &mut [f32]) {
    let len = y.len();
    let (v0, v1, v2, v3) = (&v[0][..len], &v[1][..len], &v[2][..len], &v[3][..len]);
    // Blocks of eight map onto one 256-bit (or two 128-bit) vector operations.
    let body = len - len % 8;
    for b in (0..body).step_by(8) {
        let (y, v0, v1, v2, v3) = (&mut y[b..b + 8], &v0[b..b + 8], &v1[b..b + 8], &v2[b..b + 8], &v3[b..b + 8]);
        for t in 0..8 {
            y[t] += c[0] * v0[t] + c[1] * v1[t] + c[2] * v2[t] + c[3] * v3[t];
        }
    }
    for t in body..len {
        y[t] += c[0] * v0[t] + c[1] * v1[t] + c[2] * v2[t] + c[3] * v3[t];
    }
}

/// `y += a · x`.
#[inline(always)]
pub(crate) fn axpy(a: f32, x: &[f32], y: &mut [f32]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

/// A dot product with eight independent sums, so the compiler can vectorize it.
#[inline(always)]
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
    let mut acc = [0f32; 8];
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            acc[l] += x[l] * y[l];
        }
    }
    acc.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_solves_a_known_system() {
        // A = [[4, 2, 0], [2, 5, 1], [0, 1, 3]], x = [1, -1, 2] → b = A x = [2, -1, 5].
        let mut a = vec![4.0, 2.0, 0.0, 0.0, 5.0, 1.0, 0.0, 0.0, 3.0];
        let mut b = vec![2.0, -1.0, 5.0];
        cholesky_solve(&mut a, 3, &mut b).unwrap();
        for (got, want) in b.iter().zip([1.0, -1.0, 2.0]) {
            assert!((got - want).abs() < 1e-5, "{b:?}");
        }
    }

    #[test]
    fn implicit_solve_matches_the_normal_equations() {
        // k = 10 and 17 cross the four-pivot blocks and the eight-wide vectors with remainders;
        // 6 observations leave a remainder of the four-at-a-time build too.
        for k in [10, 17] {
            let items: Vec<f32> = (0..7 * k).map(|t| ((t * 37 % 11) as f32 - 5.0) / 7.0).collect();
            let weighted: Vec<(usize, f32)> = (0..6).map(|i| (i, 1.0 + i as f32)).collect();
            let mut gram = vec![0.0; k * k];
            for i in 0..7 {
                for (r, c) in (0..k * k).map(|t| (t / k, t % k)) {
                    gram[r * k + c] += items[i * k + r] * items[i * k + c];
                }
            }
            (0..k).for_each(|d| gram[d * k + d] += 0.5);
            let (mut x, mut portable) = (vec![0.0; k], vec![0.0; k]);
            solve_implicit(&gram, 0.0, &items, &weighted, &mut FoldInScratch::new(k), &mut x).unwrap();
            solve_implicit_portable(&gram, 0.0, &items, &weighted, &mut FoldInScratch::new(k), &mut portable).unwrap();
            assert_eq!(x, portable, "the vectorized copy must give the same bits");
            // Check (G + Σ (c-1) y yᵀ) x = Σ c y entry by entry.
            for r in 0..k {
                let mut lhs: f32 = (0..k).map(|c| gram[r * k + c] * x[c]).sum();
                let mut rhs = 0.0;
                for &(i, conf) in &weighted {
                    let y = &items[i * k..(i + 1) * k];
                    lhs += (conf - 1.0) * y[r] * dot(y, &x);
                    rhs += conf * y[r];
                }
                assert!((lhs - rhs).abs() < 1e-3 * rhs.abs().max(1.0), "k {k}, row {r}: {lhs} vs {rhs}");
            }
        }
    }

    #[cfg(feature = "train")]
    #[test]
    fn conjugate_gradients_reach_the_exact_solve() {
        // CG on a k-dimensional positive-definite system converges in at most k steps (up to
        // rounding); from a warm start near the answer, one step does not move away from it.
        let k = 9;
        let items: Vec<f32> = (0..7 * k).map(|t| ((t * 37 % 11) as f32 - 5.0) / 7.0).collect();
        let weighted: Vec<(usize, f32)> = (0..6).map(|i| (i, 1.0 + 4.0 * i as f32)).collect();
        let mut gram = vec![0.0; k * k];
        for i in 0..7 {
            for (r, c) in (0..k * k).map(|t| (t / k, t % k)) {
                gram[r * k + c] += items[i * k + r] * items[i * k + c];
            }
        }
        (0..k).for_each(|d| gram[d * k + d] += 0.5);
        let mut exact = vec![0.0; k];
        solve_implicit(&gram, 0.0, &items, &weighted, &mut FoldInScratch::new(k), &mut exact).unwrap();
        let distance = |x: &[f32]| x.iter().zip(&exact).map(|(a, b)| (a - b).powi(2)).sum::<f32>().sqrt();
        let scale = exact.iter().map(|v| v * v).sum::<f32>().sqrt();
        let mut cg = vec![0.0; k];
        let mut scratch = FoldInScratch::new(k);
        conjugate_gradient_implicit(&gram, 0.0, &items, &weighted, 2 * k, &mut scratch, &mut cg);
        assert!(distance(&cg) < 1e-3 * scale, "CG {cg:?} vs exact {exact:?}");
        let mut portable = vec![0.0; k];
        conjugate_gradient_portable(&gram, 0.0, &items, &weighted, 2 * k, &mut scratch, &mut portable);
        assert_eq!(cg, portable, "the vectorized copy must give the same bits");
        // Three steps from zero already cut the error; three more from there cut it again.
        let mut warm = vec![0.0; k];
        conjugate_gradient_implicit(&gram, 0.0, &items, &weighted, 3, &mut scratch, &mut warm);
        let after_three = distance(&warm);
        conjugate_gradient_implicit(&gram, 0.0, &items, &weighted, 3, &mut scratch, &mut warm);
        assert!(after_three < scale && distance(&warm) < after_three, "{after_three} then {}", distance(&warm));
    }

    #[test]
    fn cholesky_rejects_indefinite() {
        let mut a = vec![1.0, 2.0, 0.0, 1.0];
        assert!(cholesky_solve(&mut a, 2, &mut [1.0, 1.0]).is_err());
    }

    #[test]
    fn dot_matches_naive_past_the_chunk_size() {
        let a: Vec<f32> = (0..19).map(|i| i as f32 * 0.5).collect();
        let b: Vec<f32> = (0..19).map(|i| 1.0 - i as f32 * 0.1).collect();
        let naive: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - naive).abs() < 1e-4);
    }
}
