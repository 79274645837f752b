//! Content similarity over unit-length course embeddings stored contiguously (one row per
//! course, in catalog order), so a query is one matrix-vector product.

use ndarray::{Array2, ArrayView1, ArrayView2, Axis};

use crate::error::{Error, Result};

/// Rows farther than this from unit length are rejected rather than silently rescaled.
const UNIT_TOLERANCE: f32 = 1e-2;

/// An `n x d` matrix of unit-length rows, and, for a catalog stored in fewer dimensions than
/// the model's, the projection that takes a model vector there.
#[derive(Debug, Clone, PartialEq)]
pub struct Embeddings {
    matrix: Array2<f32>,
    /// The rows again as int8 codes with a scale each (`row ≈ codes × scale`), a quarter of
    /// the bytes: the ranker's scan over its candidates reads these
    /// ([`Embeddings::similarities_rows`]), where reading the f32 rows was the cost.
    codes: Vec<i8>,
    scales: Vec<f32>,
    projection: Option<Projection>,
}

/// A linear map from the model's space to the catalog's reduced one (principal components,
/// `pipeline::compact`): `x' = (x − mean) · matrix`, then scaled to unit length.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    /// `model_dim` values.
    pub mean: Vec<f32>,
    /// `model_dim × dim`.
    pub matrix: Array2<f32>,
}

impl Projection {
    /// Checks the shapes and values.
    ///
    /// # Errors
    /// [`Error::Dimension`] when the mean's length differs from the matrix's rows or the
    /// matrix has no columns, [`Error::NonFinite`] for a NaN or infinity.
    pub fn new(mean: Vec<f32>, matrix: Array2<f32>) -> Result<Projection> {
        if mean.len() != matrix.nrows() || matrix.ncols() == 0 {
            return Err(Error::Dimension {
                what: "embedding projection rows",
                expected: mean.len(),
                got: matrix.nrows(),
            });
        }
        if let Some(&bad) = mean.iter().chain(matrix.iter()).find(|x| !x.is_finite()) {
            return Err(Error::NonFinite { what: "embedding projection", at: "the bundle".into(), value: bad });
        }
        Ok(Projection { mean, matrix: matrix.as_standard_layout().into_owned() })
    }

    pub fn model_dim(&self) -> usize {
        self.matrix.nrows()
    }
    pub fn dim(&self) -> usize {
        self.matrix.ncols()
    }

    /// A model vector in the reduced space, unit length (zero stays zero).
    ///
    /// # Errors
    /// [`Error::Dimension`] when `x` is not `model_dim` long.
    pub fn apply(&self, x: &[f32]) -> Result<Vec<f32>> {
        if x.len() != self.model_dim() {
            return Err(Error::Dimension { what: "query embedding", expected: self.model_dim(), got: x.len() });
        }
        let mut out = vec![0.0f32; self.dim()];
        for ((xi, mi), row) in x.iter().zip(&self.mean).zip(self.matrix.rows()) {
            let c = xi - mi;
            for (o, p) in out.iter_mut().zip(row) {
                *o += c * p;
            }
        }
        let norm = out.iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            out.iter_mut().for_each(|v| *v /= norm);
        }
        Ok(out)
    }
}

impl Embeddings {
    /// Wraps row-major data of `n` rows of `dim` values. Rows are renormalised to exactly unit
    /// length (stored f16 or int8 rows are close to, not exactly, unit).
    ///
    /// # Errors
    /// [`Error::Dimension`] when the length is not `n * dim`; [`Error::NonFinite`] naming the
    /// row of a NaN or infinity; [`Error::InvalidParameter`] for a row that is not (close to)
    /// unit length.
    pub fn from_vec(n: usize, dim: usize, data: Vec<f32>) -> Result<Embeddings> {
        if dim == 0 || data.len() != n * dim {
            return Err(Error::Dimension { what: "embeddings", expected: n * dim.max(1), got: data.len() });
        }
        let mut matrix = Array2::from_shape_vec((n, dim), data).expect("length checked above");
        for (i, mut row) in matrix.axis_iter_mut(Axis(0)).enumerate() {
            if let Some(&bad) = row.iter().find(|x| !x.is_finite()) {
                return Err(Error::NonFinite { what: "embeddings", at: format!("row {i}"), value: bad });
            }
            let norm = row.dot(&row).sqrt();
            if (norm - 1.0).abs() > UNIT_TOLERANCE {
                return Err(Error::param("embeddings", format!("row {i} has length {norm}, not 1")));
            }
            row.mapv_inplace(|x| x / norm);
        }
        let mut codes = Vec::with_capacity(n * dim);
        let scales = matrix.axis_iter(Axis(0)).map(|row| int8_codes(row.iter(), &mut codes)).collect();
        Ok(Embeddings { matrix, codes, scales, projection: None })
    }

    /// These embeddings as stored in a reduced space, with the projection queries need.
    ///
    /// # Errors
    /// [`Error::Dimension`] when the projection does not lead to this width.
    pub fn with_projection(mut self, projection: Projection) -> Result<Embeddings> {
        if projection.dim() != self.dim() {
            return Err(Error::Dimension {
                what: "embedding projection columns",
                expected: self.dim(),
                got: projection.dim(),
            });
        }
        self.projection = Some(projection);
        Ok(self)
    }

    pub fn projection(&self) -> Option<&Projection> {
        self.projection.as_ref()
    }

    /// The width a query from the model must have: the model's, before any projection.
    pub fn query_dim(&self) -> usize {
        self.projection.as_ref().map_or(self.dim(), Projection::model_dim)
    }

    /// A model vector as a query against these rows: projected when they are reduced.
    ///
    /// # Errors
    /// [`Error::Dimension`] when `x` is not [`Embeddings::query_dim`] long.
    pub fn query(&self, x: Vec<f32>) -> Result<Vec<f32>> {
        match &self.projection {
            Some(p) => p.apply(&x),
            None => Ok(x),
        }
    }

    pub fn len(&self) -> usize {
        self.matrix.nrows()
    }
    pub fn is_empty(&self) -> bool {
        self.matrix.nrows() == 0
    }
    pub fn dim(&self) -> usize {
        self.matrix.ncols()
    }
    pub fn row(&self, i: usize) -> ArrayView1<'_, f32> {
        self.matrix.row(i)
    }
    pub fn matrix(&self) -> ArrayView2<'_, f32> {
        self.matrix.view()
    }

    /// Cosine of `query` (unit length) to every row, written into `out`.
    ///
    /// # Errors
    /// [`Error::Dimension`] when `query` or `out` has the wrong length.
    pub fn similarities_into(&self, query: &[f32], out: &mut [f32]) -> Result<()> {
        self.check_query(query)?;
        if out.len() != self.len() {
            return Err(Error::Dimension { what: "similarity output", expected: self.len(), got: out.len() });
        }
        self.similarities_multi(&[query], out)
    }

    /// Cosines of several unit-length queries to every row in one pass over the matrix:
    /// `out[j * n + i]` is query `j` against row `i`. Each row is read from memory once and
    /// dotted with every query while it is in cache, which is what bounds the cost here.
    ///
    /// # Errors
    /// [`Error::Dimension`] when a query or `out` has the wrong length.
    pub fn similarities_multi(&self, queries: &[&[f32]], out: &mut [f32]) -> Result<()> {
        for q in queries {
            self.check_query(q)?;
        }
        let n = self.len();
        if out.len() != n * queries.len() {
            return Err(Error::Dimension { what: "similarity output", expected: n * queries.len(), got: out.len() });
        }
        let data = self.matrix.as_slice().expect("built from a Vec in standard layout");
        for (i, row) in data.chunks_exact(self.dim()).enumerate() {
            for (j, q) in queries.iter().enumerate() {
                out[j * n + i] = dot(row, q);
            }
        }
        Ok(())
    }

    /// [`Embeddings::similarities_multi`] for the listed rows alone: `out[j * n + i]` for
    /// every `i` in `rows`, the other entries left as they were. The ranker asks only for
    /// the courses a learner could take, often a small part of a large catalog.
    ///
    /// Computed from the int8 rows and each query rounded to int16, summed exactly in
    /// integers, so every platform gets the same value, within about 0.005 of the f32 cosine
    /// (`quantized_similarities_stay_close_to_the_exact_ones`). Reading a quarter of the bytes
    /// took `recommend()` in Chromium from 11.8 to 9.6 ms over 100,000 courses (96 dimensions)
    /// and from 1.9 to 1.7 ms over UIUC's 8,589 (384), alternating in one page, with the same
    /// top ten.
    ///
    /// # Errors
    /// [`Error::Dimension`] when a query or `out` has the wrong length or a row is outside.
    pub fn similarities_rows(&self, queries: &[&[f32]], rows: &[usize], out: &mut [f32]) -> Result<()> {
        for q in queries {
            self.check_query(q)?;
        }
        let n = self.len();
        if out.len() != n * queries.len() {
            return Err(Error::Dimension { what: "similarity output", expected: n * queries.len(), got: out.len() });
        }
        if let Some(&bad) = rows.iter().find(|&&i| i >= n) {
            return Err(Error::Dimension { what: "similarity row", expected: n, got: bad });
        }
        let d = self.dim();
        // The query's integer bound keeps |Σ code × q| below i32::MAX at any width.
        let bound = (i32::MAX as f32 / (127.0 * d as f32)).min(16383.0).floor();
        let quantized: Vec<(Vec<i16>, f32)> = queries
            .iter()
            .map(|q| {
                let scale = q.iter().fold(0.0f32, |m, x| m.max(x.abs())) / bound;
                let ints = q.iter().map(|&x| if scale > 0.0 { (x / scale).round() as i16 } else { 0 }).collect();
                (ints, scale)
            })
            .collect();
        for &i in rows {
            let codes = &self.codes[i * d..(i + 1) * d];
            for (j, (q, q_scale)) in quantized.iter().enumerate() {
                out[j * n + i] = dot_i8(codes, q) as f32 * self.scales[i] * q_scale;
            }
        }
        Ok(())
    }

    /// The `k` rows most similar to `query`, best first, skipping rows where `skip` is true.
    ///
    /// # Errors
    /// [`Error::Dimension`] when `query` has the wrong length.
    pub fn top_k(&self, query: &[f32], k: usize, skip: impl Fn(usize) -> bool) -> Result<Vec<(usize, f32)>> {
        let mut scores = vec![0.0; self.len()];
        self.similarities_into(query, &mut scores)?;
        Ok(top_k(&scores, k, |i| !skip(i)))
    }

    fn check_query(&self, query: &[f32]) -> Result<()> {
        if query.len() != self.dim() {
            return Err(Error::Dimension { what: "query embedding", expected: self.dim(), got: query.len() });
        }
        if let Some(&bad) = query.iter().find(|x| !x.is_finite()) {
            return Err(Error::NonFinite { what: "query embedding", at: "query".into(), value: bad });
        }
        Ok(())
    }
}

/// The `k` highest scores among indices where `keep` is true, best first (ties by lower
/// index). Partial selection: O(n + k log k), not a full sort.
pub fn top_k(scores: &[f32], k: usize, keep: impl Fn(usize) -> bool) -> Vec<(usize, f32)> {
    let mut items: Vec<(usize, f32)> =
        scores.iter().copied().enumerate().filter(|&(i, s)| keep(i) && !s.is_nan()).collect();
    let order = |a: &(usize, f32), b: &(usize, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    if items.len() > k && k > 0 {
        items.select_nth_unstable_by(k - 1, order);
        items.truncate(k);
    }
    items.truncate(k);
    items.sort_by(order);
    items
}

/// Checks a query's width and finiteness and returns it scaled to unit length.
///
/// # Errors
/// [`Error::Dimension`] for the wrong width, [`Error::NonFinite`] for a NaN or infinity, and
/// [`Error::InvalidParameter`] for an all-zero vector.
pub fn unit(query: &[f32], dim: usize) -> Result<Vec<f32>> {
    if query.len() != dim {
        return Err(Error::Dimension { what: "query embedding", expected: dim, got: query.len() });
    }
    if let Some(&bad) = query.iter().find(|x| !x.is_finite()) {
        return Err(Error::NonFinite { what: "query embedding", at: "query".into(), value: bad });
    }
    let norm = query.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm == 0.0 {
        return Err(Error::param("query embedding", "the vector is all zeros"));
    }
    Ok(query.iter().map(|x| x / norm).collect())
}

/// Appends a row's int8 codes to `codes` and returns its scale (`row ≈ codes × scale`): the
/// largest magnitude maps to 127, an all-zero row gets scale 1. The bundle's int8 embeddings
/// (`bundle`, `pipeline::compact`) and the ranker's scan ([`Embeddings::similarities_rows`])
/// are made by it.
pub fn int8_codes<'a>(row: impl Iterator<Item = &'a f32> + Clone, codes: &mut Vec<i8>) -> f32 {
    let max = row.clone().fold(0.0f32, |m, x| m.max(x.abs()));
    let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
    codes.extend(row.map(|&x| (x / scale).round().clamp(-127.0, 127.0) as i8));
    scale
}

/// Exact integer dot product of int8 codes and an int16 query (the caller bounds the query so
/// that the sum fits); compilers turn it into widening multiplies and adds.
#[inline]
fn dot_i8(codes: &[i8], q: &[i16]) -> i32 {
    codes.iter().zip(q).map(|(&c, &x)| i32::from(c) * i32::from(x)).sum()
}

/// Dot product with sixteen independent accumulators, which compilers turn into SIMD on
/// native targets and on wasm32 with `simd128`.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    const LANES: usize = 16;
    let mut acc = [0.0f32; LANES];
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f32 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..LANES {
            acc[k] += x[k] * y[k];
        }
    }
    acc.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similarities_of_some_rows_equal_those_of_all_rows() {
        let (n, d) = (9, 5);
        let mut data: Vec<f32> = (0..n * d).map(|t| ((t * 7 % 11) as f32 - 4.0) / 3.0).collect();
        for row in data.chunks_mut(d) {
            let norm = row.iter().map(|x| x * x).sum::<f32>().sqrt();
            row.iter_mut().for_each(|x| *x /= norm);
        }
        let e = Embeddings::from_vec(n, d, data).unwrap();
        let (a, b) = (e.row(1).to_vec(), e.row(6).to_vec());
        let mut all = vec![0.0; 2 * n];
        e.similarities_multi(&[&a, &b], &mut all).unwrap();
        let mut some = vec![f32::NAN; 2 * n];
        let rows = [0, 3, 4, 8];
        e.similarities_rows(&[&a, &b], &rows, &mut some).unwrap();
        for j in 0..2 {
            for i in 0..n {
                if rows.contains(&i) {
                    // The listed rows' scan is the int8 one.
                    let (got, exact) = (some[j * n + i], all[j * n + i]);
                    assert!((got - exact).abs() < 5e-3, "row {i}, query {j}: {got} against {exact}");
                } else {
                    assert!(some[j * n + i].is_nan(), "row {i} was written");
                }
            }
        }
        assert!(e.similarities_rows(&[&a], &[n], &mut vec![0.0; n]).is_err());
    }

    #[test]
    fn quantized_similarities_stay_close_to_the_exact_ones() {
        use rand::{Rng, SeedableRng};
        let seed = 3;
        let mut rng = rand_pcg::Pcg64::seed_from_u64(seed);
        for d in [8, 96, 384] {
            let n = 200;
            let mut data: Vec<f32> = (0..n * d).map(|_| rng.gen_range(-1.0f32..1.0)).collect();
            for row in data.chunks_mut(d) {
                let norm = row.iter().map(|x| x * x).sum::<f32>().sqrt();
                row.iter_mut().for_each(|x| *x /= norm);
            }
            let e = Embeddings::from_vec(n, d, data).unwrap();
            let q = unit(&(0..d).map(|_| rng.gen_range(-1.0f32..1.0)).collect::<Vec<_>>(), d).unwrap();
            let (mut exact, mut fast) = (vec![0.0; n], vec![0.0; n]);
            e.similarities_into(&q, &mut exact).unwrap();
            e.similarities_rows(&[&q], &(0..n).collect::<Vec<_>>(), &mut fast).unwrap();
            let worst = exact.iter().zip(&fast).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
            assert!(worst < 5e-3, "seed {seed}, width {d}: worst error {worst}");
            // A row against itself comes back as 1 to within the rounding.
            let own: Vec<f32> = e.row(7).to_vec();
            e.similarities_rows(&[&own], &[7], &mut fast).unwrap();
            assert!((fast[7] - 1.0).abs() < 5e-3, "seed {seed}, width {d}: {}", fast[7]);
        }
        // A zero query scores every row 0.
        let mut out = vec![1.0; 200];
        let e = Embeddings::from_vec(1, 2, vec![0.6, 0.8]).unwrap();
        e.similarities_rows(&[&[0.0, 0.0]], &[0], &mut out[..1]).unwrap();
        assert_eq!(out[0], 0.0);
    }
}
