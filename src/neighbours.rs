//! Item neighbours: for each course, the courses its learners go on to take, with a weight
//! (negative for courses they tend not to take). A learner's score for a course is the sum of
//! the weights pointing to it from the courses in their history, so nothing is folded in on
//! the device: it is a sparse lookup.
//!
//! A budget of `per_course × n` weights goes to those that move the most scores: a weight's
//! magnitude times the learners who took its source (its total contribution over them), after
//! each course's ten strongest. On a validation split of MOOCCubeX (λ 5, all 97,722 learners,
//! `bench/neighbours/cut.py`), 551,000 weights chosen so kept HR@10 at 0.4005 of the dense
//! model's 0.4013, where the previous rule with as many weights (each course's 100 strongest
//! as a source or as a target) fell to 0.3987.
//!
//! Two fits (native `train` feature): cosine similarity of the courses' learner sets
//! (item-kNN) and EASE (Steck 2019), an item-item ridge regression solved in closed form.
//! The evaluation also uses them whole, as baselines.

use half::f16;

use crate::catalog::CourseIx;
use crate::error::{Error, Result};

/// Compressed rows: row `i` lists `(target, weight)` for a learner who took course `i`.
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbours {
    n: usize,
    /// `n + 1` offsets into `index` and `weight`.
    offsets: Vec<u32>,
    index: Vec<u32>,
    weight: Vec<f32>,
}

impl Neighbours {
    /// Weights every course keeps of its own, however few learners took it.
    pub const FLOOR: usize = 10;

    /// Builds from compressed rows, each row's targets in increasing order.
    ///
    /// # Errors
    /// [`Error::Dimension`] for `offsets` that are not `n + 1` long, do not start at 0,
    /// decrease, or do not end at the entry count; [`Error::InvalidParameter`] for a target
    /// outside the catalog or a row whose targets do not increase; [`Error::NonFinite`] for a
    /// weight that is not a number.
    pub fn new(n: usize, offsets: Vec<u32>, index: Vec<u32>, weight: Vec<f32>) -> Result<Neighbours> {
        if offsets.len() != n + 1 {
            return Err(Error::Dimension { what: "neighbour offsets", expected: n + 1, got: offsets.len() });
        }
        if index.len() != weight.len() {
            return Err(Error::Dimension { what: "neighbour weights", expected: index.len(), got: weight.len() });
        }
        if offsets[0] != 0 || offsets.windows(2).any(|w| w[0] > w[1]) || offsets[n] as usize != index.len() {
            return Err(Error::Dimension {
                what: "neighbour offsets (increasing from 0 to the entry count)",
                expected: index.len(),
                got: offsets[n] as usize,
            });
        }
        for i in 0..n {
            for e in offsets[i] as usize..offsets[i + 1] as usize {
                if index[e] as usize >= n {
                    return Err(Error::param(
                        "neighbours",
                        format!("course row {i} points to course {}, outside the catalog of {n}", index[e]),
                    ));
                }
                if e > offsets[i] as usize && index[e] <= index[e - 1] {
                    return Err(Error::param(
                        "neighbours",
                        format!(
                            "course row {i} lists course {} after course {}: targets must increase",
                            index[e],
                            index[e - 1]
                        ),
                    ));
                }
                if !weight[e].is_finite() {
                    return Err(Error::NonFinite {
                        what: "neighbour weights",
                        at: format!("row {i}"),
                        value: weight[e],
                    });
                }
            }
        }
        Ok(Neighbours { n, offsets, index, weight })
    }

    /// Keeps about `per_course × n` weights of a dense `n × n` matrix (`dense[i * n + j]`:
    /// from `i` to `j`): every course's [`Neighbours::FLOOR`] strongest in magnitude, so each
    /// predicts something, and then the strongest over the whole matrix by
    /// `learners[i] × |weight|`, the weight's total contribution to the scores of the learners
    /// who took `i`. The diagonal and zeros are never kept. Negative weights are kept too:
    /// EASE's say "learners who took `i` rarely take `j`", and dropping them cost 0.016 HR@10
    /// on MovieLens 100k even at 400 neighbours per course.
    ///
    /// A `learners` shorter than `n` counts the missing courses as 1.
    pub fn from_dense(n: usize, dense: &[f32], per_course: usize, learners: &[f32]) -> Neighbours {
        let floor = Neighbours::FLOOR.min(per_course).min(n.saturating_sub(1));
        let mut keep = vec![false; n * n];
        let mut line: Vec<(u32, f32)> = Vec::with_capacity(n);
        let by_magnitude = |a: &(u32, f32), b: &(u32, f32)| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0));
        for i in 0..n {
            line.clear();
            line.extend((0..n).filter(|&j| j != i && dense[i * n + j] != 0.0).map(|j| (j as u32, dense[i * n + j])));
            if floor < line.len() {
                line.select_nth_unstable_by(floor, by_magnitude);
                line.truncate(floor);
            }
            line.iter().for_each(|&(j, _)| keep[i * n + j as usize] = true);
        }
        // A weight's contribution, or -1 where nothing is to keep; the budget's strongest are
        // those above the threshold, then those equal to it in index order.
        let contribution: Vec<f32> = (0..n * n)
            .map(|e| match (e / n, dense[e]) {
                (i, w) if i == e % n || w == 0.0 => -1.0,
                (i, w) => learners.get(i).copied().unwrap_or(1.0) * w.abs(),
            })
            .collect();
        let budget = per_course.saturating_mul(n).min(n * n);
        if budget > 0 {
            let mut sorted = contribution.clone();
            let (_, &mut threshold, _) = sorted.select_nth_unstable_by(budget - 1, |a, b| b.total_cmp(a));
            let mut ties = budget - contribution.iter().filter(|&&c| c > threshold).count();
            for (e, &c) in contribution.iter().enumerate() {
                if c > threshold || (c == threshold && ties > 0 && c >= 0.0) {
                    ties -= usize::from(c == threshold);
                    keep[e] = true;
                }
            }
        }
        let (mut offsets, mut index, mut weight) = (Vec::with_capacity(n + 1), Vec::new(), Vec::new());
        offsets.push(0u32);
        for i in 0..n {
            for j in 0..n {
                if keep[i * n + j] {
                    index.push(j as u32);
                    weight.push(dense[i * n + j]);
                }
            }
            offsets.push(index.len() as u32);
        }
        Neighbours { n, offsets, index, weight }
    }

    /// This model as the bundle stores it and the browser reads it back
    /// ([`Neighbours::stored`]): the weights the pipeline's tuning and evaluation score.
    ///
    /// # Errors
    /// Those of [`Neighbours::from_stored`], which its own stored form does not meet.
    pub fn as_stored(&self) -> Result<Neighbours> {
        Neighbours::from_stored(self.n, self.stored())
    }

    /// The compact form the bundle stores: each weight as f16, without those that round to
    /// 0 (they add nothing to any score), and each row's targets as the gaps between them in
    /// LEB128 bytes (one byte for a gap under 128). Three bytes per weight where a u16 target
    /// and an f16 weight took four. Int8 weights with a scale per row took two, but cost
    /// MOOCCubeX's validation HR@10 0.0014 at 200 per course (0.3807 to 0.3793; small weights
    /// of a row with a large one lost their precision), and its 20,000 test learners 0.0031.
    pub fn stored(&self) -> StoredNeighbours {
        let mut offsets = Vec::with_capacity(self.n + 1);
        let (mut targets, mut weights) = (Vec::new(), Vec::with_capacity(self.index.len()));
        offsets.push(0u32);
        for i in 0..self.n {
            let r = self.offsets[i] as usize..self.offsets[i + 1] as usize;
            let mut next = 0u32;
            for (&j, &w) in self.index[r.clone()].iter().zip(&self.weight[r]) {
                let w = f16::from_f32(w);
                if w.to_f32() != 0.0 {
                    leb128_push(&mut targets, j - next);
                    next = j + 1;
                    weights.push(w);
                }
            }
            offsets.push(weights.len() as u32);
        }
        StoredNeighbours { offsets, targets, weights }
    }

    /// Reads the compact form back ([`Neighbours::stored`]).
    ///
    /// # Errors
    /// What [`Neighbours::new`] checks, and [`Error::InvalidParameter`] naming the row for
    /// target bytes that end early, run on past the last entry, encode more than 32 bits, or
    /// point outside the catalog.
    pub fn from_stored(n: usize, s: StoredNeighbours) -> Result<Neighbours> {
        let entries = s.weights.len();
        if s.offsets.len() != n + 1 || s.offsets.last().is_some_and(|&o| o as usize != entries) {
            return Err(Error::Dimension {
                what: "neighbour offsets (n + 1, from 0 to the entry count)",
                expected: entries,
                got: s.offsets.last().copied().unwrap_or(0) as usize,
            });
        }
        let mut index = Vec::with_capacity(entries);
        let mut bytes = s.targets.iter().copied();
        for i in 0..n {
            let (from, to) = (s.offsets[i] as usize, s.offsets[i + 1] as usize);
            if from > to || to > entries {
                return Err(Error::Dimension { what: "neighbour offsets (increasing)", expected: from, got: to });
            }
            let mut next = 0u64;
            for _ in from..to {
                let gap = leb128_next(&mut bytes).ok_or_else(|| {
                    Error::param(
                        "neighbour targets",
                        format!("course row {i}: the bytes end early or encode more than 32 bits"),
                    )
                })?;
                let j = next + u64::from(gap);
                if j >= n as u64 {
                    return Err(Error::param(
                        "neighbour targets",
                        format!("course row {i} points to course {j}, outside the catalog of {n}"),
                    ));
                }
                index.push(j as u32);
                next = j + 1;
            }
        }
        if bytes.next().is_some() {
            return Err(Error::param("neighbour targets", "bytes remain after the last entry"));
        }
        Neighbours::new(n, s.offsets, index, s.weights.iter().map(|w| w.to_f32()).collect())
    }

    /// This model without any weight from or to a course marked in `excluded` (one flag per
    /// course): the minimum cohort's rule (`pipeline::privacy`).
    ///
    /// # Errors
    /// [`Error::Dimension`] when `excluded` is not one flag per course.
    pub fn without(&self, excluded: &[bool]) -> Result<Neighbours> {
        if excluded.len() != self.n {
            return Err(Error::Dimension { what: "excluded courses", expected: self.n, got: excluded.len() });
        }
        let mut offsets = Vec::with_capacity(self.n + 1);
        let (mut index, mut weight) = (Vec::new(), Vec::new());
        offsets.push(0);
        for i in 0..self.n {
            if !excluded[i] {
                for (j, w) in self.row(i).filter(|&(j, _)| !excluded[j]) {
                    index.push(j as u32);
                    weight.push(w);
                }
            }
            offsets.push(index.len() as u32);
        }
        Ok(Neighbours { n: self.n, offsets, index, weight })
    }

    pub fn n_courses(&self) -> usize {
        self.n
    }
    pub fn offsets(&self) -> &[u32] {
        &self.offsets
    }
    pub fn index(&self) -> &[u32] {
        &self.index
    }
    pub fn weights(&self) -> &[f32] {
        &self.weight
    }

    /// The bytes the bundle stores this model in ([`Neighbours::stored`]).
    pub fn stored_bytes(&self) -> usize {
        self.stored().bytes()
    }

    /// The courses a learner who took `i` is pointed to, with their weights.
    pub fn row(&self, i: CourseIx) -> impl Iterator<Item = (CourseIx, f32)> + '_ {
        let r = self.offsets[i] as usize..self.offsets[i + 1] as usize;
        self.index[r.clone()].iter().zip(&self.weight[r]).map(|(&j, &w)| (j as CourseIx, w))
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

/// The item-neighbour model as the bundle stores it ([`Neighbours::stored`]): the tensors
/// `neighbour_offsets`, `neighbour_targets` and `neighbour_weight`.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredNeighbours {
    /// `n + 1` offsets into `weights`, as in [`Neighbours`].
    pub offsets: Vec<u32>,
    /// Each row's targets, increasing, each as LEB128 of its distance past the previous
    /// target plus one (the first: the target itself).
    pub targets: Vec<u8>,
    /// Each entry's weight.
    pub weights: Vec<f16>,
}

impl StoredNeighbours {
    /// Its bytes in the bundle.
    pub fn bytes(&self) -> usize {
        4 * self.offsets.len() + self.targets.len() + 2 * self.weights.len()
    }
}

/// Appends `v` in unsigned LEB128: seven bits per byte, low first, the high bit set on all
/// bytes but the last.
fn leb128_push(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// The next unsigned LEB128 value, or `None` where the bytes end inside one or it does not
/// fit 32 bits.
fn leb128_next(bytes: &mut impl Iterator<Item = u8>) -> Option<u32> {
    let mut v = 0u64;
    for shift in (0..35).step_by(7) {
        let b = bytes.next()?;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return u32::try_from(v).ok();
        }
    }
    None
}

/// Fitting from interactions (the pipeline and the evaluation; not in the browser build).
#[cfg(feature = "train")]
pub mod fit {
    use crate::error::{Error, Result};
    use crate::mf::Ratings;

    /// `XᵀX` for the 0/1 learner-course matrix: entry `(i, j)` counts the learners who took
    /// both (the diagonal, each course's learners), dense `n × n`.
    fn co_occurrence<T: Copy + Default + std::ops::AddAssign + From<u8>>(data: &Ratings) -> Vec<T> {
        let n = data.n_items();
        let mut co = vec![T::default(); n * n];
        let by_user = data.by_user();
        for u in 0..by_user.n_rows() {
            let items = by_user.cols(u);
            for &i in items {
                let row = &mut co[i * n..(i + 1) * n];
                for &j in items {
                    row[j] += T::from(1u8);
                }
            }
        }
        co
    }

    /// Cosine similarity between the courses' learner sets: `|U_i ∩ U_j| / sqrt(|U_i| |U_j|)`,
    /// dense `n × n` with a zero diagonal. Repeated interactions count once.
    pub fn cosine(data: &Ratings) -> Vec<f32> {
        let n = data.n_items();
        let mut co: Vec<f32> = co_occurrence(data);
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
        let mut g: Vec<f64> = co_occurrence(data);
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

    /// EASE refit on the weights a sparse model keeps: each target course's column is solved
    /// again as the ridge regression EASE is (predict who takes `j` from the courses they took,
    /// penalty `lambda`), but from its kept sources only, so the kept weights make up for the
    /// dropped ones instead of being the dense model's values with the rest cut away. With
    /// every weight kept this is EASE exactly (its closed form solves the same regressions).
    /// Each column is an `m × m` Cholesky solve over its `m` kept sources; a column with more
    /// than [`MAX_REFIT_SOURCES`] keeps the dense model's weights, so the refit costs at most
    /// `MAX_REFIT_SOURCES²` operations per kept weight and `8 MAX_REFIT_SOURCES²` bytes.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a `lambda` that is not positive and finite or a model
    /// of another catalog size, [`Error::NotPositiveDefinite`] if a system breaks down.
    pub fn refit_ease(data: &Ratings, sparse: &super::Neighbours, lambda: f32) -> Result<super::Neighbours> {
        refit_ease_up_to(data, sparse, lambda, MAX_REFIT_SOURCES)
    }

    /// [`refit_ease`] with the largest column it solves given.
    fn refit_ease_up_to(
        data: &Ratings,
        sparse: &super::Neighbours,
        lambda: f32,
        max_sources: usize,
    ) -> Result<super::Neighbours> {
        if !lambda.is_finite() || lambda <= 0.0 {
            return Err(Error::param("lambda", format!("{lambda} is not a positive number")));
        }
        let n = data.n_items();
        if sparse.n != n {
            return Err(Error::param("neighbours", format!("{} courses, the interactions have {n}", sparse.n)));
        }
        let g: Vec<f32> = co_occurrence(data);
        // Each target's kept sources, as (source, entry in the sparse model).
        let mut column: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
        for i in 0..n {
            for e in sparse.offsets[i] as usize..sparse.offsets[i + 1] as usize {
                column[sparse.index[e] as usize].push((i, e));
            }
        }
        let mut weight = sparse.weight.clone();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for (j, kept) in column.iter().enumerate().filter(|(_, kept)| kept.len() <= max_sources) {
            let m = kept.len();
            a.clear();
            b.clear();
            for &(s, _) in kept {
                a.extend(kept.iter().map(|&(t, _)| g[s * n + t] as f64));
                b.push(g[s * n + j] as f64);
            }
            (0..m).for_each(|d| a[d * m + d] += lambda as f64);
            cholesky_solve(m, &mut a, &mut b)?;
            for (&(_, e), &w) in kept.iter().zip(&b) {
                weight[e] = w as f32;
            }
        }
        Ok(super::Neighbours { weight, ..sparse.clone() })
    }

    /// The most kept sources a target's refit solves for: `m³ / 3` operations and `8 m²` bytes
    /// each (1,024: about 0.36 billion operations and 8 MB).
    pub const MAX_REFIT_SOURCES: usize = 1024;

    /// Solves `A x = b` in place (`b` becomes `x`) for a symmetric positive-definite `m × m`
    /// `A` (row-major, overwritten by its Cholesky factor).
    fn cholesky_solve(m: usize, a: &mut [f64], b: &mut [f64]) -> Result<()> {
        for i in 0..m {
            for j in 0..=i {
                let (upper, row_i) = a.split_at_mut(i * m);
                let row_i = &mut row_i[..m];
                let row_j = if j == i { &row_i[..j] } else { &upper[j * m..j * m + j] };
                let s = row_i[j] - dot(&row_i[..j], row_j);
                if j == i {
                    if s <= 0.0 || !s.is_finite() {
                        return Err(Error::NotPositiveDefinite("EASE refit"));
                    }
                    row_i[i] = s.sqrt();
                } else {
                    row_i[j] = s / upper[j * m + j];
                }
            }
        }
        // L y = b, then Lᵀ x = y.
        for i in 0..m {
            b[i] = (b[i] - dot(&a[i * m..i * m + i], &b[..i])) / a[i * m + i];
        }
        for i in (0..m).rev() {
            let s: f64 = (i + 1..m).map(|k| a[k * m + i] * b[k]).sum();
            b[i] = (b[i] - s) / a[i * m + i];
        }
        Ok(())
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
            Ratings::new(users, items, pairs.iter().map(|&(user, item)| Rating { user, item, value: 1.0 }).collect())
                .unwrap()
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

        /// A seeded random 0/1 matrix: `users` learners over `items` courses, each pair taken
        /// with probability about a third.
        fn random_data(users: usize, items: usize, seed: u64) -> Ratings {
            use rand::{Rng, SeedableRng};
            let mut rng = rand_pcg::Pcg64::seed_from_u64(seed);
            let mut pairs = Vec::new();
            for u in 0..users {
                for i in 0..items {
                    if rng.gen_bool(1.0 / 3.0) {
                        pairs.push((u, i));
                    }
                }
            }
            data(&pairs, users, items)
        }

        /// `‖x_j − X b_j‖² + λ‖b_j‖²`, EASE's objective for target `j`, with `b_j` read from
        /// the sparse model's rows.
        fn column_loss(d: &Ratings, nb: &super::super::Neighbours, j: usize, lambda: f64) -> f64 {
            let n = d.n_items();
            let b: Vec<f64> = (0..n).map(|i| nb.row(i).find(|&(t, _)| t == j).map_or(0.0, |(_, w)| w as f64)).collect();
            let by_user = d.by_user();
            let residual: f64 = (0..by_user.n_rows())
                .map(|u| {
                    let items = by_user.cols(u);
                    let x = if items.contains(&j) { 1.0 } else { 0.0 };
                    (x - items.iter().map(|&i| b[i]).sum::<f64>()).powi(2)
                })
                .sum();
            residual + lambda * b.iter().map(|w| w * w).sum::<f64>()
        }

        #[test]
        fn refit_on_every_weight_is_ease_and_on_fewer_fits_better_than_the_cut() {
            let seed = 7;
            let (d, lambda) = (random_data(40, 12, seed), 3.0);
            let dense = ease(&d, lambda).unwrap();
            let all = super::super::Neighbours::from_dense(12, &dense, 11, &[]);
            let refit = refit_ease(&d, &all, lambda).unwrap();
            for (a, b) in all.weights().iter().zip(refit.weights()) {
                assert!((a - b).abs() < 1e-5, "seed {seed}: EASE {a}, refit {b}");
            }
            // Three per course: each column's refit weights lower EASE's objective below the
            // cut's, on the same support.
            let cut = super::super::Neighbours::from_dense(12, &dense, 3, &[]);
            let refit = refit_ease(&d, &cut, lambda).unwrap();
            assert_eq!((refit.offsets(), refit.index()), (cut.offsets(), cut.index()));
            for j in 0..12 {
                let (before, after) = (column_loss(&d, &cut, j, 3.0), column_loss(&d, &refit, j, 3.0));
                assert!(after <= before + 1e-9, "seed {seed}, course {j}: cut {before}, refit {after}");
            }
            assert!(refit.weights() != cut.weights());
            // Columns past the cap keep the cut's weights; the others are refit as before.
            let capped = refit_ease_up_to(&d, &cut, lambda, 3).unwrap();
            let sizes: Vec<usize> =
                (0..12).map(|j| (0..12).filter(|&i| cut.row(i).any(|(t, _)| t == j)).count()).collect();
            assert!(sizes.iter().any(|&m| m > 3) && sizes.iter().any(|&m| m <= 3), "seed {seed}: {sizes:?}");
            for j in 0..12 {
                let sources: Vec<usize> = (0..12).filter(|&i| cut.row(i).any(|(t, _)| t == j)).collect();
                for &i in &sources {
                    let w = |nb: &super::super::Neighbours| nb.row(i).find(|&(t, _)| t == j).unwrap().1;
                    let want = if sources.len() > 3 { w(&cut) } else { w(&refit) };
                    assert_eq!(w(&capped), want, "seed {seed}: {i} -> {j} with {} sources", sources.len());
                }
            }
            assert!(matches!(refit_ease(&d, &cut, 0.0), Err(Error::InvalidParameter { .. })));
            let other = super::super::Neighbours::from_dense(3, &[0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0], 1, &[]);
            assert!(matches!(refit_ease(&d, &other, lambda), Err(Error::InvalidParameter { .. })));
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
    fn sparse_rows_keep_each_course_s_strongest_and_the_largest_contributions() {
        // dense[i * 3 + j]: from i to j.
        let dense = [0.0, 0.5, 0.2, 0.1, 0.0, 0.9, -1.0, 0.3, 0.0];
        // One per course: each row's strongest, and the budget of 3 goes to the same three.
        let nb = Neighbours::from_dense(3, &dense, 1, &[]);
        assert_eq!(nb.row(0).collect::<Vec<_>>(), vec![(1, 0.5)]);
        assert_eq!(nb.row(1).collect::<Vec<_>>(), vec![(2, 0.9)]);
        // Row 2's strongest is negative, and kept.
        assert_eq!(nb.row(2).collect::<Vec<_>>(), vec![(0, -1.0)]);
        let mut out = vec![0.0; 3];
        nb.score_into(&[0, 2], &mut out).unwrap();
        assert_eq!(out, vec![-1.0, 0.5, 0.0]);
        assert!(nb.score_into(&[3], &mut out).is_err());
        // With 100 learners behind course 0, its weak 0 -> 2 (20 over its learners) outweighs
        // 1 -> 2 (0.9) in the budget; 1 -> 2 stays as course 1's own strongest.
        let popular = Neighbours::from_dense(3, &dense, 1, &[100.0, 1.0, 1.0]);
        assert_eq!(popular.row(0).collect::<Vec<_>>(), vec![(1, 0.5), (2, 0.2)]);
        assert_eq!(popular.row(1).collect::<Vec<_>>(), vec![(2, 0.9)]);
        assert_eq!(popular.index().len(), 4);
        // Two per course keep every off-diagonal weight, and never the diagonal or a zero.
        assert_eq!(Neighbours::from_dense(3, &dense, 2, &[]).index().len(), 6);
        assert_eq!(Neighbours::from_dense(3, &[0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], 9, &[]).index(), &[1]);
    }

    #[test]
    fn bad_rows_are_named() {
        assert!(matches!(
            Neighbours::new(2, vec![0, 1, 2], vec![0, 5], vec![0.1, 0.2]),
            Err(Error::InvalidParameter { .. })
        ));
        assert!(matches!(
            Neighbours::new(2, vec![0, 1, 2], vec![1, 0], vec![f32::NAN, 0.2]),
            Err(Error::NonFinite { .. })
        ));
        assert!(matches!(Neighbours::new(2, vec![0, 2, 1], vec![1, 0], vec![0.1, 0.2]), Err(Error::Dimension { .. })));
        assert!(matches!(Neighbours::new(2, vec![0, 1], vec![1], vec![0.1]), Err(Error::Dimension { .. })));
        let unsorted = Neighbours::new(3, vec![0, 2, 2, 2], vec![2, 1], vec![0.1, 0.2]).unwrap_err();
        assert!(unsorted.to_string().contains("course row 0 lists course 1 after course 2"), "{unsorted}");
    }

    #[test]
    fn the_stored_form_keeps_every_target_and_f16_weights() {
        // 300 courses, so a gap can take two LEB128 bytes.
        let n = 300;
        let offsets = vec![0u32, 4, 4, 5].into_iter().chain(std::iter::repeat_n(5, n - 3)).collect::<Vec<_>>();
        let nb = Neighbours::new(n, offsets, vec![0, 1, 200, 299, 7], vec![1.0, -0.5, 1e-9, 0.1, 3.0]).unwrap();
        let stored = nb.stored();
        // 1e-9 is 0 in f16, so it is left out. Row 0's gaps are then 0, 0 and 297 (two bytes:
        // 41 with the high bit, then 2); row 2's is 7.
        assert_eq!(stored.targets, vec![0, 0, 41 | 0x80, 2, 7]);
        assert_eq!(&stored.offsets[..4], &[0, 3, 3, 4]);
        assert_eq!(stored.bytes(), 4 * (n + 1) + 5 + 2 * 4);
        let back = Neighbours::from_stored(n, stored).unwrap();
        assert_eq!(back, nb.as_stored().unwrap());
        let f16 = |w: f32| f16::from_f32(w).to_f32();
        assert_eq!(back.row(0).collect::<Vec<_>>(), vec![(0, 1.0), (1, -0.5), (299, f16(0.1))]);
        assert_eq!(back.row(2).collect::<Vec<_>>(), vec![(7, 3.0)]);
        assert_eq!(back.row(1).count(), 0);

        // A two-byte gap: 200 in row 1.
        let wide = Neighbours::new(n, [vec![0, 0, 1], vec![1; n - 2]].concat(), vec![200], vec![1.0]).unwrap();
        assert_eq!(wide.stored().targets, vec![(200 - 128) | 0x80, 1]);
        assert_eq!(Neighbours::from_stored(n, wide.stored()).unwrap().row(1).collect::<Vec<_>>(), vec![(200, 1.0)]);
    }

    #[test]
    fn bad_stored_neighbours_are_named() {
        let weights = vec![f16::from_f32(0.5), f16::from_f32(1.0)];
        let good = StoredNeighbours { offsets: vec![0, 2, 2], targets: vec![0, 0], weights };
        let n = 2;
        assert_eq!(
            Neighbours::from_stored(n, good.clone()).unwrap().row(0).collect::<Vec<_>>(),
            vec![(0, 0.5), (1, 1.0)]
        );
        let err = |s: StoredNeighbours| Neighbours::from_stored(n, s).unwrap_err().to_string();
        let msg = err(StoredNeighbours { targets: vec![0, 1], ..good.clone() });
        assert!(msg.contains("course row 0 points to course 2"), "{msg}");
        let msg = err(StoredNeighbours { targets: vec![0], ..good.clone() });
        assert!(msg.contains("course row 0: the bytes end early"), "{msg}");
        let msg = err(StoredNeighbours { targets: vec![0, 0x80], ..good.clone() });
        assert!(msg.contains("course row 0: the bytes end early"), "{msg}");
        let msg = err(StoredNeighbours { targets: vec![0, 0xff, 0xff, 0xff, 0xff, 0x7f], ..good.clone() });
        assert!(msg.contains("more than 32 bits"), "{msg}");
        let msg = err(StoredNeighbours { targets: vec![0, 0, 0], ..good.clone() });
        assert!(msg.contains("bytes remain after the last entry"), "{msg}");
        let msg = err(StoredNeighbours { weights: vec![f16::NAN, f16::ONE], ..good.clone() });
        assert!(msg.contains("not a number") || msg.contains("NaN"), "{msg}");
        assert!(matches!(
            Neighbours::from_stored(n, StoredNeighbours { offsets: vec![0, 2], ..good.clone() }),
            Err(Error::Dimension { .. })
        ));
        assert!(matches!(
            Neighbours::from_stored(n, StoredNeighbours { offsets: vec![0, 3, 2], ..good.clone() }),
            Err(Error::Dimension { .. })
        ));
        assert!(matches!(
            Neighbours::from_stored(n, StoredNeighbours { offsets: vec![0, 2, 3], ..good }),
            Err(Error::Dimension { .. })
        ));
    }
}
