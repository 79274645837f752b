//! The closed-form solves behind fold-in, shared with ALS training: one small ridge
//! regression per learner against fixed item factors, solved by Cholesky factorization.

use crate::error::{Error, Result};
use crate::mf::MfModel;

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
            a: vec![0.0; n * n],
            b: vec![0.0; n],
        }
    }
}

/// Solves the implicit-feedback row of Hu, Koren and Volinsky (2008):
/// `(YᵀY + λI + Yᵀ(Cᵤ − I)Y) x = Yᵀ Cᵤ pᵤ`. `gram` is `YᵀY + λI` (`k × k`, computed once per
/// sweep), `items` is `Y` flattened row-major with `k = x.len()` columns, and `weighted` lists
/// `(item row, confidence)` for the items the row interacted with (preference 1). Only the
/// observed items are touched, so a row costs `O(nᵤk² + k³)` rather than `O(n_items·k²)`.
pub(crate) fn solve_implicit(
    gram: &[f32],
    items: &[f32],
    weighted: &[(usize, f32)],
    scratch: &mut FoldInScratch,
    x: &mut [f32],
) -> Result<(), NotPositiveDefinite> {
    let k = x.len();
    let a = &mut scratch.a[..k * k];
    a.copy_from_slice(gram);
    x.fill(0.0);
    for &(item, c) in weighted {
        let y = &items[item * k..(item + 1) * k];
        add_outer_lower(a, k, c - 1.0, y);
        axpy(c, y, x);
    }
    cholesky_solve(a, k, x)
}

/// Solves for an explicit learner's bias and factors on the residuals `r − μ − bᵢ`:
/// minimise `Σ (r − μ − bᵢ − b − p·qᵢ)² + n·(bias_reg·b² + reg·‖p‖²)`, where `n` is the number
/// of ratings, so the penalty matches the per-rating penalty SGD training applies.
pub(crate) fn solve_explicit(
    model: &MfModel,
    observations: &[(usize, f32)],
    scratch: &mut FoldInScratch,
) -> Result<(f32, Vec<f32>)> {
    let k = model.n_factors();
    let n = k + 1;
    let items = model
        .item_factors
        .as_slice()
        .expect("MfModel keeps its factors contiguous");
    let (a, z) = (&mut scratch.a[..n * n], &mut scratch.b[..n]);
    a.fill(0.0);
    z.fill(0.0);
    // Unknowns are [b, p]; each rating contributes the row [1, qᵢ].
    let mut row = vec![0.0; n];
    row[0] = 1.0;
    for &(item, r) in observations {
        row[1..].copy_from_slice(&items[item * k..(item + 1) * k]);
        let residual = r - model.global_mean - model.item_bias[item];
        add_outer_lower(a, n, 1.0, &row);
        axpy(residual, &row, z);
    }
    let count = observations.len() as f32;
    let p = model.fold_in;
    a[0] += count * p.bias_reg;
    for d in 1..n {
        a[d * n + d] += count * p.reg;
    }
    cholesky_solve(a, n, z).map_err(|_| Error::NotPositiveDefinite("fold-in"))?;
    Ok((z[0], z[1..].to_vec()))
}

/// `A[lower] += w · y yᵀ` on the lower triangle of the `n × n` row-major `a`.
#[inline(never)]
pub(crate) fn add_outer_lower(a: &mut [f32], n: usize, w: f32, y: &[f32]) {
    for (i, &yi) in y.iter().enumerate() {
        axpy(w * yi, &y[..=i], &mut a[i * n..i * n + i + 1]);
    }
}

/// Solves `A x = b` in place for symmetric positive definite `A`, of which only the lower
/// triangle is read (and overwritten with the Cholesky factor `L`). `b` becomes `x`.
#[inline(never)]
pub(crate) fn cholesky_solve(
    a: &mut [f32],
    n: usize,
    b: &mut [f32],
) -> Result<(), NotPositiveDefinite> {
    // Cholesky–Banachiewicz, row by row: L[i][j] = (A[i][j] − L[i][..j]·L[j][..j]) / L[j][j].
    for i in 0..n {
        let (done, rest) = a.split_at_mut(i * n);
        let row_i = &mut rest[..n];
        for j in 0..i {
            let row_j = &done[j * n..j * n + j + 1];
            row_i[j] = (row_i[j] - dot(&row_i[..j], &row_j[..j])) / row_j[j];
        }
        let d = row_i[i] - dot(&row_i[..i], &row_i[..i]);
        if !(d > 0.0 && d.is_finite()) {
            return Err(NotPositiveDefinite);
        }
        row_i[i] = d.sqrt();
    }
    // Forward: L y = b.
    for i in 0..n {
        let row = &a[i * n..i * n + i + 1];
        b[i] = (b[i] - dot(&row[..i], &b[..i])) / row[i];
    }
    // Backward: Lᵀ x = y, using row i of L as column i of Lᵀ.
    for i in (0..n).rev() {
        let row = &a[i * n..i * n + i + 1];
        b[i] /= row[i];
        let xi = b[i];
        axpy(-xi, &row[..i], &mut b[..i]);
    }
    Ok(())
}

/// `y += a · x`.
pub(crate) fn axpy(a: f32, x: &[f32], y: &mut [f32]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

/// A dot product with eight independent sums, so the compiler can vectorize it.
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
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
        let mut a = vec![4.0, 0.0, 0.0, 2.0, 5.0, 0.0, 0.0, 1.0, 3.0];
        let mut b = vec![2.0, -1.0, 5.0];
        cholesky_solve(&mut a, 3, &mut b).unwrap();
        for (got, want) in b.iter().zip([1.0, -1.0, 2.0]) {
            assert!((got - want).abs() < 1e-5, "{b:?}");
        }
    }

    #[test]
    fn cholesky_rejects_indefinite() {
        let mut a = vec![1.0, 0.0, 2.0, 1.0];
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
