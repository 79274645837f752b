//! Item neighbours: for each course, the few courses its learners go on to take, with a
//! weight. A learner's score for a course is the sum of the weights from the courses in their
//! history, so nothing is folded in on the device: it is a sparse lookup.
//!
//! Two fits (native `train` feature): cosine similarity of the courses' learner sets
//! (item-kNN) and EASE (Steck 2019), an item-item ridge regression solved in closed form.
//! Either is kept sparse, the strongest `per_course` weights of each row, for the bundle; the
//! evaluation also uses them whole as baselines.

use crate::catalog::CourseIx;
use crate::error::{Error, Result};

/// Row `i` lists the courses that a learner who took `i` is pointed to, with weights.
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbours {
    n: usize,
    per_course: usize,
    /// `n * per_course` target rows; unused slots hold `u32::MAX` with weight 0.
    index: Vec<u32>,
    weight: Vec<f32>,
}

/// Marks an unused slot of a row with fewer neighbours than `per_course`.
pub const EMPTY: u32 = u32::MAX;

impl Neighbours {
    /// Builds from row-major `n × per_course` arrays.
    ///
    /// # Errors
    /// [`Error::Dimension`] when the arrays are not `n * per_course` long,
    /// [`Error::InvalidParameter`] for an index outside the catalog, and [`Error::NonFinite`]
    /// for a weight that is not a number.
    pub fn new(n: usize, per_course: usize, index: Vec<u32>, weight: Vec<f32>) -> Result<Neighbours> {
        let len = n.checked_mul(per_course).ok_or_else(|| Error::param("neighbours", "too many rows"))?;
        for (what, got) in [("neighbour indices", index.len()), ("neighbour weights", weight.len())] {
            if got != len {
                return Err(Error::Dimension { what, expected: len, got });
            }
        }
        for (slot, (&j, &w)) in index.iter().zip(&weight).enumerate() {
            if j != EMPTY && j as usize >= n {
                return Err(Error::param("neighbours", format!("course row {} points to course {j}, outside the catalog of {n}", slot / per_course.max(1))));
            }
            if !w.is_finite() {
                return Err(Error::NonFinite { what: "neighbour weights", at: format!("row {}", slot / per_course.max(1)), value: w });
            }
        }
        Ok(Neighbours { n, per_course, index, weight })
    }

    /// Keeps the `per_course` largest positive weights of each row of a dense `n × n` matrix
    /// (`dense[i * n + j]`: from `i` to `j`); the diagonal is never kept.
    pub fn from_dense(n: usize, dense: &[f32], per_course: usize) -> Neighbours {
        let per_course = per_course.min(n.saturating_sub(1)).max(1);
        let mut index = vec![EMPTY; n * per_course];
        let mut weight = vec![0.0; n * per_course];
        let mut row: Vec<(u32, f32)> = Vec::with_capacity(n);
        for i in 0..n {
            row.clear();
            row.extend((0..n).filter(|&j| j != i && dense[i * n + j] > 0.0).map(|j| (j as u32, dense[i * n + j])));
            let keep = per_course.min(row.len());
            if keep < row.len() {
                row.select_nth_unstable_by(keep, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                row.truncate(keep);
            }
            row.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            for (s, &(j, w)) in row.iter().enumerate() {
                index[i * per_course + s] = j;
                weight[i * per_course + s] = w;
            }
        }
        Neighbours { n, per_course, index, weight }
    }

    pub fn n_courses(&self) -> usize {
        self.n
    }
    pub fn per_course(&self) -> usize {
        self.per_course
    }
    pub fn index(&self) -> &[u32] {
        &self.index
    }
    pub fn weights(&self) -> &[f32] {
        &self.weight
    }

    /// The neighbours of course `i`, strongest first.
    pub fn row(&self, i: CourseIx) -> impl Iterator<Item = (CourseIx, f32)> + '_ {
        let r = i * self.per_course..(i + 1) * self.per_course;
        self.index[r.clone()].iter().zip(&self.weight[r]).filter(|(&j, _)| j != EMPTY).map(|(&j, &w)| (j as CourseIx, w))
    }

    /// Writes every course's score for a learner with this history into `out` (length `n`):
    /// the sum of the weights pointing to it from the history.
    ///
    /// # Errors
    /// [`Error::Dimension`] when `out` is not one entry per course, and
    /// [`Error::InvalidParameter`] for a history index outside the catalog.
    pub fn score_into(&self, history: &[CourseIx], out: &mut [f32]) -> Result<()> {
        if out.len() != self.n {
            return Err(Error::Dimension { what: "neighbour scores", expected: self.n, got: out.len() });
        }
        out.fill(0.0);
        for &i in history {
            if i >= self.n {
                return Err(Error::param("history", format!("course index {i} is outside the catalog of {}", self.n)));
            }
            for (j, w) in self.row(i) {
                out[j] += w;
            }
        }
        Ok(())
    }
}

/// Fitting from interactions (the pipeline and the evaluation; not in the browser build).
#[cfg(feature = "train")]
pub mod fit {
    use crate::error::{Error, Result};
    use crate::mf::Ratings;

    /// Cosine similarity between the courses' learner sets: `|U_i ∩ U_j| / sqrt(|U_i| |U_j|)`,
    /// dense `n × n` with a zero diagonal. Repeated interactions count once.
    pub fn cosine(data: &Ratings) -> Vec<f32> {
        let n = data.n_items();
        let mut co = vec![0.0f32; n * n];
        let by_user = data.by_user();
        for u in 0..by_user.n_rows() {
            let items = by_user.cols(u);
            for &i in items {
                let row = &mut co[i * n..(i + 1) * n];
                for &j in items {
                    row[j] += 1.0;
                }
            }
        }
        let count: Vec<f32> = (0..n).map(|i| co[i * n + i]).collect();
        for i in 0..n {
            for j in 0..n {
                let d = (count[i] * count[j]).sqrt();
                co[i * n + j] = if i == j || d == 0.0 { 0.0 } else { co[i * n + j] / d };
            }
        }
        co
    }

    /// EASE: `B = I - P · diag(1 / diag(P))` with `P = (XᵀX + λI)⁻¹`, so `B` has a zero
    /// diagonal; row `i` of the result weighs what a learner who took `i` goes on to. Dense
    /// `n × n`, computed in f64 by a Cholesky factorization (O(n³): 3,366 courses take seconds).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a `lambda` that is not positive and finite,
    /// [`Error::NotPositiveDefinite`] if the system breaks down.
    pub fn ease(data: &Ratings, lambda: f32) -> Result<Vec<f32>> {
        if !lambda.is_finite() || lambda <= 0.0 {
            return Err(Error::param("lambda", format!("{lambda} is not a positive number")));
        }
        let n = data.n_items();
        let mut g = vec![0.0f64; n * n];
        let by_user = data.by_user();
        for u in 0..by_user.n_rows() {
            let items = by_user.cols(u);
            for &i in items {
                for &j in items {
                    g[i * n + j] += 1.0;
                }
            }
        }
        for i in 0..n {
            g[i * n + i] += lambda as f64;
        }
        let p = spd_inverse(n, g)?;
        let mut b = vec![0.0f32; n * n];
        for i in 0..n {
            for j in 0..n {
                // B[i][j] = -P[i][j] / P[j][j]; P is symmetric.
                b[i * n + j] = if i == j { 0.0 } else { (-p[i * n + j] / p[j * n + j]) as f32 };
            }
        }
        Ok(b)
    }

    /// Rows handled together in [`spd_inverse`]'s sweeps: each pass over the rows above is
    /// shared by this many rows, so a 3,366-course matrix (90 MB) is streamed ~100 times, not
    /// 3,366 times.
    const BLOCK: usize = 32;

    fn dot(a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    /// The inverse of a symmetric positive-definite matrix (row-major): Cholesky `A = L Lᵀ`,
    /// then `L⁻¹`, then `A⁻¹ = L⁻ᵀ L⁻¹`, each a sweep over blocks of rows.
    fn spd_inverse(n: usize, mut a: Vec<f64>) -> Result<Vec<f64>> {
        // Cholesky, row by row: L[i][j] = (A[i][j] - L[i][..j]·L[j][..j]) / L[j][j]. Row j's
        // prefix is copied once per block, then shared by the block's rows.
        let mut lj = Vec::with_capacity(n);
        for ib in (0..n).step_by(BLOCK) {
            let ie = (ib + BLOCK).min(n);
            for j in 0..ie {
                if j >= ib {
                    let row = &mut a[j * n..(j + 1) * n];
                    let d = row[j] - dot(&row[..j], &row[..j]);
                    if d <= 0.0 || !d.is_finite() {
                        return Err(Error::NotPositiveDefinite("EASE"));
                    }
                    row[j] = d.sqrt();
                }
                lj.clear();
                lj.extend_from_slice(&a[j * n..j * n + j + 1]);
                for i in ib.max(j + 1)..ie {
                    let li = &mut a[i * n..i * n + j + 1];
                    li[j] = (li[j] - dot(&li[..j], &lj[..j])) / lj[j];
                }
            }
        }
        for i in 0..n {
            a[i * n + i + 1..(i + 1) * n].fill(0.0);
        }
        // L⁻¹, row by row: row_i = -(Σ_{k<i} L[i][k] row_k) / L[i][i], with row_i[i] = 1 / L[i][i].
        let mut inv = vec![0.0f64; n * n];
        for ib in (0..n).step_by(BLOCK) {
            let ie = (ib + BLOCK).min(n);
            for k in 0..ie {
                if k >= ib {
                    // Row k is complete: scale it.
                    let d = a[k * n + k];
                    let row = &mut inv[k * n..(k + 1) * n];
                    row[..k].iter_mut().for_each(|x| *x = -*x / d);
                    row[k] = 1.0 / d;
                }
                let (upto, rest) = inv.split_at_mut((k + 1).max(ib) * n);
                let row_k = &upto[k * n..k * n + k + 1];
                let first = (k + 1).max(ib);
                for i in first..ie {
                    let l = a[i * n + k];
                    if l != 0.0 {
                        let row_i = &mut rest[(i - first) * n..(i - first) * n + k + 1];
                        row_i.iter_mut().zip(row_k).for_each(|(x, &y)| *x += l * y);
                    }
                }
            }
        }
        // Transpose L⁻¹ so that each column is a contiguous row: t[i][k] = L⁻¹[k][i], zero for k < i.
        let mut t = vec![0.0f64; n * n];
        for k in 0..n {
            for i in 0..=k {
                t[i * n + k] = inv[k * n + i];
            }
        }
        drop(inv);
        // A⁻¹[i][j] = Σ_{k ≥ max(i, j)} t[i][k] t[j][k]; the upper triangle, then mirrored.
        let mut out = a;
        out.fill(0.0);
        for ib in (0..n).step_by(BLOCK) {
            let ie = (ib + BLOCK).min(n);
            for j in ib..n {
                let tj = &t[j * n + j..(j + 1) * n];
                for i in ib..ie.min(j + 1) {
                    out[i * n + j] = dot(&t[i * n + j..(i + 1) * n], tj);
                }
            }
        }
        for i in 0..n {
            for j in 0..i {
                out[i * n + j] = out[j * n + i];
            }
        }
        Ok(out)
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use crate::mf::Rating;

        fn data(pairs: &[(usize, usize)], users: usize, items: usize) -> Ratings {
            Ratings::new(users, items, pairs.iter().map(|&(user, item)| Rating { user, item, value: 1.0 }).collect()).unwrap()
        }

        #[test]
        fn spd_inverse_inverts() {
            let a = vec![4.0, 2.0, 0.6, 2.0, 5.0, 1.0, 0.6, 1.0, 3.0];
            let inv = spd_inverse(3, a.clone()).unwrap();
            for i in 0..3 {
                for j in 0..3 {
                    let x: f64 = (0..3).map(|k| a[i * 3 + k] * inv[k * 3 + j]).sum();
                    assert!((x - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12, "({i},{j}) = {x}");
                }
            }
        }

        #[test]
        fn cosine_counts_shared_learners() {
            // Items 0 and 1 share both learners; item 2 shares one with each.
            let d = data(&[(0, 0), (0, 1), (1, 0), (1, 1), (1, 2)], 2, 3);
            let c = cosine(&d);
            assert!((c[1] - 1.0).abs() < 1e-6);
            assert!((c[2] - 1.0 / 2f32.sqrt()).abs() < 1e-6);
            assert_eq!(c[0], 0.0);
        }

        #[test]
        fn ease_points_to_co_taken_courses() {
            let d = data(&[(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 0), (3, 1)], 4, 4);
            let b = ease(&d, 1.0).unwrap();
            assert!(b[1] > 0.3, "0 -> 1 is {}", b[1]);
            assert!(b[2].abs() < 1e-6 && b[3].abs() < 1e-6, "0 -> 2, 3 are {} {}", b[2], b[3]);
            assert_eq!(b[0], 0.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparse_rows_keep_the_strongest_and_sum_over_history() {
        let dense = [0.0, 0.5, 0.2, 0.1, 0.0, 0.9, -1.0, 0.3, 0.0];
        let nb = Neighbours::from_dense(3, &dense, 1);
        assert_eq!(nb.row(0).collect::<Vec<_>>(), vec![(1, 0.5)]);
        assert_eq!(nb.row(1).collect::<Vec<_>>(), vec![(2, 0.9)]);
        assert_eq!(nb.row(2).collect::<Vec<_>>(), vec![(1, 0.3)]);
        let mut out = vec![0.0; 3];
        nb.score_into(&[0, 2], &mut out).unwrap();
        assert_eq!(out, vec![0.0, 0.8, 0.0]);
        assert!(nb.score_into(&[3], &mut out).is_err());
    }

    #[test]
    fn bad_rows_are_named() {
        assert!(matches!(Neighbours::new(2, 1, vec![0, 5], vec![0.1, 0.2]), Err(Error::InvalidParameter { .. })));
        assert!(matches!(Neighbours::new(2, 1, vec![1, 0], vec![f32::NAN, 0.2]), Err(Error::NonFinite { .. })));
        assert!(matches!(Neighbours::new(2, 2, vec![1, 0], vec![0.1, 0.2]), Err(Error::Dimension { .. })));
    }
}
