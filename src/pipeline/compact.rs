//! Course embeddings stored in fewer dimensions, for catalogs whose full embeddings would
//! outgrow a browser download (100,000 courses × 384 dimensions is 38 MB even at one byte a
//! value). The rows are projected onto their principal components, and the number kept is the
//! smallest whose content neighbours, as the browser would see them (stored at the bundle's
//! precision), still hold [`TARGET_RECALL`] of each course's ten nearest in the full space.
//! Queries take the same projection on the device ([`Projection`]).

use nalgebra::{DMatrix, SymmetricEigen};
use ndarray::Array2;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_pcg::Pcg64;
use serde::Serialize;

use crate::bundle::Storage;
use crate::error::{Error, Result};
use crate::similarity::{Embeddings, Projection};

/// Above this many courses, `wayfinder build` stores embeddings as int8 in a reduced width
/// unless told otherwise (UIUC's 8,589 courses at f16 and 384 dimensions take 6.6 MB).
pub const LARGE_CATALOG: usize = 20_000;
/// The widths tried, smallest first.
pub const CANDIDATE_DIMS: [usize; 6] = [32, 64, 96, 128, 192, 256];
/// The share of each course's ten nearest neighbours (full space, f32) the reduced, stored
/// embeddings must keep.
pub const TARGET_RECALL: f64 = 0.9;
/// Neighbours compared per course.
pub const RECALL_K: usize = 10;
/// Courses whose neighbours are compared (seeded sample), and rows the components are fit on.
pub const SAMPLE: usize = 2000;
pub const FIT_ROWS: usize = 20_000;

/// One width tried and its measured recall.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RecallRow {
    pub dim: usize,
    pub recall: f64,
}

/// What [`reduce`] chose, with the table it chose from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reduced {
    pub dim: usize,
    /// Recall of the full width stored at the same precision, for comparison.
    pub full_recall: f64,
    pub table: Vec<RecallRow>,
    #[serde(skip)]
    pub embeddings: Embeddings,
}

/// The principal components of `e`'s rows (at most [`FIT_ROWS`] of them, seeded): the mean
/// and the `dim` directions of largest variance, as a [`Projection`].
///
/// # Errors
/// [`Error::InvalidParameter`] for a `dim` of 0 or above the embeddings' width.
pub fn principal_components(e: &Embeddings, dim: usize, seed: u64) -> Result<Projection> {
    let m = e.dim();
    if dim == 0 || dim > m {
        return Err(Error::param("embedding_dim", format!("{dim} is not between 1 and {m}")));
    }
    let rows = sample(e.len(), FIT_ROWS, seed);
    let x = e.matrix();
    let mut mean = vec![0.0f64; m];
    for &r in &rows {
        for (acc, &v) in mean.iter_mut().zip(x.row(r)) {
            *acc += f64::from(v);
        }
    }
    mean.iter_mut().for_each(|v| *v /= rows.len() as f64);
    let mut cov = DMatrix::<f64>::zeros(m, m);
    let mut centred = vec![0.0f64; m];
    for &r in &rows {
        for ((c, &v), mu) in centred.iter_mut().zip(x.row(r)).zip(&mean) {
            *c = f64::from(v) - mu;
        }
        for i in 0..m {
            let ci = centred[i];
            for j in i..m {
                cov[(i, j)] += ci * centred[j];
            }
        }
    }
    for i in 0..m {
        for j in 0..i {
            cov[(i, j)] = cov[(j, i)];
        }
    }
    let eigen = SymmetricEigen::new(cov);
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| eigen.eigenvalues[b].total_cmp(&eigen.eigenvalues[a]));
    let matrix = Array2::from_shape_fn((m, dim), |(i, j)| eigen.eigenvectors[(i, order[j])] as f32);
    Projection::new(mean.iter().map(|&v| v as f32).collect(), matrix)
}

/// `e`'s rows projected (unit length), carrying the projection for queries.
///
/// # Errors
/// The projection's errors.
pub fn project(e: &Embeddings, p: Projection) -> Result<Embeddings> {
    let mut data = Vec::with_capacity(e.len() * p.dim());
    for row in e.matrix().rows() {
        let mut v = p.apply(row.as_slice().expect("rows are contiguous"))?;
        if v.iter().all(|&x| x == 0.0) {
            // A row at the mean has no direction; any unit vector ranks it as well.
            v[0] = 1.0;
        }
        data.extend(v);
    }
    Embeddings::from_vec(e.len(), p.dim(), data)?.with_projection(p)
}

/// The embeddings as the browser holds them after a bundle stored them as `storage`.
fn as_stored(e: &Embeddings, storage: Storage) -> Result<Embeddings> {
    let data: Vec<f32> = match storage {
        Storage::F32 => return Ok(e.clone()),
        Storage::F16 => e.matrix().iter().map(|&x| half::f16::from_f32(x).to_f32()).collect(),
        Storage::Int8 => e
            .matrix()
            .rows()
            .into_iter()
            .flat_map(|row| {
                let mut codes = Vec::with_capacity(row.len());
                let scale = crate::similarity::int8_codes(row.iter(), &mut codes);
                codes.into_iter().map(move |c| f32::from(c) * scale)
            })
            .collect(),
    };
    Embeddings::from_vec(e.len(), e.dim(), data)
}

/// The share of each sampled course's [`RECALL_K`] nearest neighbours in `full` that are
/// also among its nearest in `other` (the course itself excluded from both).
///
/// # Errors
/// [`Error::Dimension`] when the two have different row counts.
pub fn neighbour_recall(full: &Embeddings, other: &Embeddings, rows: &[usize]) -> Result<f64> {
    if full.len() != other.len() {
        return Err(Error::Dimension { what: "embedding rows", expected: full.len(), got: other.len() });
    }
    let mut kept = 0usize;
    for &r in rows {
        let truth = full.top_k(full.row(r).as_slice().expect("contiguous"), RECALL_K, |i| i == r)?;
        let got = other.top_k(other.row(r).as_slice().expect("contiguous"), RECALL_K, |i| i == r)?;
        kept += truth.iter().filter(|(i, _)| got.iter().any(|(j, _)| j == i)).count();
    }
    Ok(kept as f64 / (rows.len() * RECALL_K).max(1) as f64)
}

/// The narrowest of [`CANDIDATE_DIMS`] (below the full width) whose stored embeddings keep
/// [`TARGET_RECALL`] of the full space's neighbours; the full width when none does.
///
/// # Errors
/// The projection's errors.
pub fn reduce(e: &Embeddings, storage: Storage, seed: u64) -> Result<Reduced> {
    let rows = sample(e.len(), SAMPLE, seed ^ 0x7ec0);
    let full_recall = neighbour_recall(e, &as_stored(e, storage)?, &rows)?;
    let mut table = Vec::new();
    for dim in CANDIDATE_DIMS.into_iter().filter(|&d| d < e.dim()) {
        let reduced = project(e, principal_components(e, dim, seed)?)?;
        let recall = neighbour_recall(e, &as_stored(&reduced, storage)?, &rows)?;
        table.push(RecallRow { dim, recall });
        if recall >= TARGET_RECALL {
            return Ok(Reduced { dim, full_recall, table, embeddings: reduced });
        }
    }
    Ok(Reduced { dim: e.dim(), full_recall, table, embeddings: e.clone() })
}

/// Up to `k` of `0..n`, seeded, in increasing order.
fn sample(n: usize, k: usize, seed: u64) -> Vec<usize> {
    let mut rows: Vec<usize> = (0..n).collect();
    if n > k {
        rows.shuffle(&mut Pcg64::seed_from_u64(seed));
        rows.truncate(k);
        rows.sort_unstable();
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_of_data_on_a_plane_keep_its_neighbours() {
        // Unit vectors in 8 dimensions that vary only within a 2-d plane (plus a constant):
        // two components hold all of their structure.
        let n = 200;
        let mut data = Vec::new();
        for i in 0..n {
            let t = i as f32 / n as f32 * 6.0;
            let mut v = [0.3f32; 8];
            v[1] += t.cos();
            v[5] += t.sin();
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            data.extend(v.iter().map(|x| x / norm));
        }
        let e = Embeddings::from_vec(n, 8, data).unwrap();
        let reduced = project(&e, principal_components(&e, 2, 1).unwrap()).unwrap();
        assert_eq!(reduced.dim(), 2);
        let all: Vec<usize> = (0..n).collect();
        assert!(neighbour_recall(&e, &reduced, &all).unwrap() > 0.95);
        // A query goes through the same projection.
        let q = reduced.query(e.row(7).to_vec()).unwrap();
        assert!((q.iter().zip(reduced.row(7)).map(|(a, b)| a * b).sum::<f32>() - 1.0).abs() < 1e-4);
    }
}
