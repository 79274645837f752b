//! Matrix factorization: item factors and biases, a learner's scores, and fold-in.
//!
//! An [`MfModel`] holds only what ships to a device: one factor row and one bias per item.
//! A learner's own vector is never trained into it; it is computed on the device by
//! [`MfModel::fold_in`], a small ridge regression against the fixed item factors.
//! Training ([`sgd`] for explicit ratings, [`als`] for implicit feedback) is behind the
//! `train` feature; everything else here also builds for the browser.
//!
//! Items are dense row indices. Mapping course ids to rows is the caller's job, through the
//! catalog.

#[cfg(feature = "train")]
pub mod als;
mod foldin;
#[cfg(feature = "train")]
pub mod sgd;

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut2, Axis};
use serde::Serialize;

use crate::error::{Error, Result};
use foldin::{solve_explicit, solve_implicit, FoldInScratch};

/// What the numbers in a model's training data meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MfKind {
    /// Explicit ratings; predictions are ratings (`mean + user bias + item bias + p·q`).
    Explicit,
    /// Implicit feedback (enrolments, completions); scores only order items (`p·q`).
    Implicit,
}

/// How an implicit observation count `r` becomes a confidence weight `c` (Hu, Koren and
/// Volinsky 2008).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// `c = 1 + alpha * r`.
    Linear,
    /// `c = 1 + alpha * ln(1 + r / eps)`, which damps large counts.
    Log { eps: f32 },
}

impl Confidence {
    /// The confidence of an observation with count `r`.
    pub fn weight(self, alpha: f32, r: f32) -> f32 {
        match self {
            Confidence::Linear => 1.0 + alpha * r,
            Confidence::Log { eps } => 1.0 + alpha * (r / eps).ln_1p(),
        }
    }
}

/// Which trainer's user solve fold-in reproduces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FoldInRule {
    /// A constant ridge: implicit models add `reg` once; explicit models (SGD) solve for a
    /// learner bias beside the factors and add `reg` (and `bias_reg`) once per rating.
    #[default]
    Wayfinder,
    /// A ridge that grows with the learner's history, the ALS-WR rule (Zhou et al. 2008) that
    /// Wayfinder's implicit ALS and Apache Spark MLlib's ALS train with: no learner bias, and
    /// the ridge is `reg` times the learner's number of observations (those with a positive
    /// count for implicit models, every rating for explicit ones). A learner's vector is
    /// exactly the one the trainer's last half-sweep solves for them.
    CountScaled,
    /// SVD++ (Koren 2008), explicit models only: [`FoldInRule::Wayfinder`]'s explicit solve
    /// plus an implicit term. A learner's vector is `x + |N|^-½ Σⱼ zⱼ`, summed over the `N`
    /// ratings they gave, where `zⱼ` are the model's implicit factors
    /// ([`MfModel::implicit_factors`]): having rated a course says something whatever the
    /// rating. The bias and `x` solve the Wayfinder system on what that term leaves.
    SvdPlusPlus,
}

impl FoldInRule {
    /// The rule of the same solve without SVD++'s implicit term.
    pub fn without_implicit(self) -> FoldInRule {
        match self {
            FoldInRule::SvdPlusPlus => FoldInRule::Wayfinder,
            rule => rule,
        }
    }
}

/// The regularization fold-in uses; training sets it to match its own objective.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FoldInParams {
    /// Ridge penalty on the learner's factors: once per observation for explicit models (as
    /// SGD does) and under [`FoldInRule::CountScaled`] (as ALS does by default); once for an
    /// implicit model under [`FoldInRule::Wayfinder`].
    pub reg: f32,
    /// Penalty on the learner's bias, per rating (explicit models only).
    pub bias_reg: f32,
    /// Confidence scale for implicit counts (implicit models only).
    pub alpha: f32,
    /// Confidence curve for implicit counts (implicit models only).
    pub confidence: Confidence,
    /// Whose objective the solve follows.
    pub rule: FoldInRule,
}

impl FoldInParams {
    /// Checks that every field is finite and in range.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first bad field.
    pub fn validate(&self) -> Result<()> {
        positive("reg", self.reg)?;
        non_negative("bias_reg", self.bias_reg)?;
        non_negative("alpha", self.alpha)?;
        if let Confidence::Log { eps } = self.confidence {
            positive("eps", eps)?;
        }
        Ok(())
    }
}

/// [`Error::NonFinite`] naming the first NaN or infinite entry of `m` by row and column.
fn all_finite(what: &'static str, m: &Array2<f32>) -> Result<()> {
    match m.indexed_iter().find(|(_, x)| !x.is_finite()) {
        Some(((row, col), &value)) => Err(Error::NonFinite { what, at: format!("row {row}, column {col}"), value }),
        None => Ok(()),
    }
}

/// One learner's vector: a bias (zero for implicit models) and `k` factors.
#[derive(Debug, Clone, PartialEq)]
pub struct UserVector {
    pub bias: f32,
    pub factors: Vec<f32>,
}

impl UserVector {
    /// The vector of a learner with no history: no bias, all factors zero.
    pub fn zeros(k: usize) -> Self {
        UserVector { bias: 0.0, factors: vec![0.0; k] }
    }
}

/// Item factors and biases, validated once when built.
#[derive(Debug, Clone)]
pub struct MfModel {
    kind: MfKind,
    item_factors: Array2<f32>,
    item_bias: Array1<f32>,
    global_mean: f32,
    rating_range: Option<(f32, f32)>,
    fold_in: FoldInParams,
    /// `YᵀY + reg·I` (implicit models; `YᵀY` alone under [`FoldInRule::CountScaled`], whose ridge
    /// depends on the learner): the part of every fold-in system that does not depend on the
    /// learner, computed once here rather than on every call.
    gram: Option<Array2<f32>>,
    /// SVD++'s implicit factors `zⱼ`, `n_items × k` ([`FoldInRule::SvdPlusPlus`] only).
    implicit_factors: Option<Array2<f32>>,
}

impl MfModel {
    /// Builds a model from `n_items × k` factors (made contiguous if they are not) and
    /// `n_items` biases. Implicit models ignore biases, the mean and the range; pass zeros
    /// and `None`. `rating_range` clips [`MfModel::predict`] for explicit models.
    ///
    /// # Errors
    /// [`Error::Dimension`] when the bias count differs from the factor rows or `k` is zero,
    /// [`Error::NonFinite`] for a NaN or infinite entry, and [`Error::InvalidParameter`] for
    /// bad fold-in parameters, a reversed range, or the [`FoldInRule::SvdPlusPlus`] rule, which
    /// needs [`MfModel::with_implicit_factors`].
    pub fn new(
        kind: MfKind,
        item_factors: Array2<f32>,
        item_bias: Array1<f32>,
        global_mean: f32,
        rating_range: Option<(f32, f32)>,
        fold_in: FoldInParams,
    ) -> Result<MfModel> {
        let (n_items, k) = item_factors.dim();
        if item_bias.len() != n_items {
            return Err(Error::Dimension { what: "item biases", expected: n_items, got: item_bias.len() });
        }
        if k == 0 {
            return Err(Error::Dimension { what: "factors per item", expected: 1, got: 0 });
        }
        all_finite("item factors", &item_factors)?;
        if let Some((i, &x)) = item_bias.iter().enumerate().find(|(_, x)| !x.is_finite()) {
            return Err(Error::NonFinite { what: "item biases", at: format!("row {i}"), value: x });
        }
        if !global_mean.is_finite() {
            return Err(Error::NonFinite { what: "global mean", at: "the model".into(), value: global_mean });
        }
        if let Some((lo, hi)) = rating_range {
            if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
                return Err(Error::param("rating_range", format!("({lo}, {hi}) is not a finite range")));
            }
        }
        fold_in.validate()?;
        if fold_in.rule == FoldInRule::SvdPlusPlus {
            return Err(Error::param(
                "fold_in_rule",
                "svd_plus_plus needs implicit factors: build the model with the wayfinder rule, then add them",
            ));
        }
        let item_factors = item_factors.as_standard_layout().into_owned();
        // Spark's rule scales the ridge by each learner's count, so its gram is added per learner.
        let gram = (kind == MfKind::Implicit).then(|| {
            let mut g = item_factors.t().dot(&item_factors);
            if fold_in.rule == FoldInRule::Wayfinder {
                g.diag_mut().iter_mut().for_each(|d| *d += fold_in.reg);
            }
            g
        });
        Ok(MfModel { kind, item_factors, item_bias, global_mean, rating_range, fold_in, gram, implicit_factors: None })
    }

    /// This explicit model with SVD++'s implicit factors (`n_items × k`, one row per item), so
    /// that fold-in follows [`FoldInRule::SvdPlusPlus`].
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] unless the model is explicit with the Wayfinder rule,
    /// [`Error::Dimension`] for a shape other than the item factors', and
    /// [`Error::NonFinite`] for a NaN or infinite entry.
    pub fn with_implicit_factors(mut self, implicit: Array2<f32>) -> Result<MfModel> {
        if self.kind != MfKind::Explicit || self.fold_in.rule != FoldInRule::Wayfinder {
            return Err(Error::param("implicit_factors", "only an explicit model with the wayfinder rule takes them"));
        }
        if implicit.nrows() != self.n_items() {
            return Err(Error::Dimension {
                what: "implicit factor rows",
                expected: self.n_items(),
                got: implicit.nrows(),
            });
        }
        if implicit.ncols() != self.n_factors() {
            return Err(Error::Dimension {
                what: "implicit factors per item",
                expected: self.n_factors(),
                got: implicit.ncols(),
            });
        }
        all_finite("implicit factors", &implicit)?;
        self.implicit_factors = Some(implicit.as_standard_layout().into_owned());
        self.fold_in.rule = FoldInRule::SvdPlusPlus;
        Ok(self)
    }

    /// SVD++'s implicit factors, when the model has them.
    pub fn implicit_factors(&self) -> Option<ArrayView2<'_, f32>> {
        self.implicit_factors.as_ref().map(Array2::view)
    }

    pub fn kind(&self) -> MfKind {
        self.kind
    }
    pub fn n_items(&self) -> usize {
        self.item_factors.nrows()
    }
    /// Factors per item (`k`).
    pub fn n_factors(&self) -> usize {
        self.item_factors.ncols()
    }
    /// `n_items × k`, row-major and contiguous.
    pub fn item_factors(&self) -> ArrayView2<'_, f32> {
        self.item_factors.view()
    }
    pub fn item_bias(&self) -> &[f32] {
        self.item_bias.as_slice().expect("a new Array1 is contiguous")
    }
    pub fn global_mean(&self) -> f32 {
        self.global_mean
    }
    pub fn rating_range(&self) -> Option<(f32, f32)> {
        self.rating_range
    }
    pub fn fold_in_params(&self) -> FoldInParams {
        self.fold_in
    }

    /// This model with the factor rows and biases of `rows` set to zero (the minimum cohort's
    /// rule, `pipeline::privacy`): those items then score by the global mean alone.
    ///
    /// # Errors
    /// [`Error::Dimension`] for a row outside the model.
    pub fn with_rows_cleared(&self, rows: &[usize]) -> Result<MfModel> {
        let mut factors = self.item_factors.clone();
        let mut bias = self.item_bias.clone();
        let mut implicit = self.implicit_factors.clone();
        for &r in rows {
            if r >= self.n_items() {
                return Err(Error::Dimension { what: "item row to clear", expected: self.n_items(), got: r });
            }
            factors.row_mut(r).fill(0.0);
            bias[r] = 0.0;
            if let Some(z) = &mut implicit {
                z.row_mut(r).fill(0.0);
            }
        }
        let fold_in = FoldInParams { rule: self.fold_in.rule.without_implicit(), ..self.fold_in };
        let model = MfModel::new(self.kind, factors, bias, self.global_mean, self.rating_range, fold_in)?;
        match implicit {
            Some(z) => model.with_implicit_factors(z),
            None => Ok(model),
        }
    }

    /// Computes a learner's vector from their history, in closed form against the fixed
    /// item factors (nothing is retrained). `observations` are `(item row, value)`: a rating
    /// for explicit models, a count (1 for a plain completion) for implicit ones. Explicit
    /// models solve for a bias and factors on the residuals `r - mean - item bias`; implicit
    /// models solve the same confidence-weighted system that ALS solves for a user row.
    /// An empty history gives [`UserVector::zeros`], which scores items by bias alone.
    ///
    /// # Errors
    /// [`Error::Dimension`] for an item row outside the model, [`Error::NonFinite`] for a NaN
    /// or infinite value, [`Error::InvalidParameter`] for a negative implicit count.
    ///
    /// # Example
    /// ```
    /// use ndarray::{array, Array1};
    /// use wayfinder::mf::{Confidence, FoldInParams, FoldInRule, MfKind, MfModel};
    /// let rule = FoldInRule::Wayfinder;
    /// let params = FoldInParams { reg: 0.1, bias_reg: 0.1, alpha: 10.0, confidence: Confidence::Linear, rule };
    /// let items = array![[1.0, 0.0], [0.0, 1.0], [0.7, 0.7]];
    /// let model = MfModel::new(MfKind::Implicit, items, Array1::zeros(3), 0.0, None, params).unwrap();
    /// let learner = model.fold_in(&[(0, 1.0)]).unwrap();
    /// let mut scores = vec![0.0; 3];
    /// model.score_into(&learner, &mut scores).unwrap();
    /// assert!(scores[0] > scores[2] && scores[2] > scores[1]);
    /// ```
    pub fn fold_in(&self, observations: &[(usize, f32)]) -> Result<UserVector> {
        for (n, &(item, value)) in observations.iter().enumerate() {
            if item >= self.n_items() {
                return Err(Error::Dimension { what: "item row in fold-in", expected: self.n_items(), got: item });
            }
            if !value.is_finite() {
                return Err(Error::NonFinite {
                    what: "fold-in observations",
                    at: format!("entry {n} (item {item})"),
                    value,
                });
            }
            if self.kind == MfKind::Implicit && value < 0.0 {
                return Err(Error::param(
                    "observations",
                    format!("implicit count {value} for item {item} is negative"),
                ));
            }
        }
        let k = self.n_factors();
        if observations.is_empty() {
            return Ok(UserVector::zeros(k));
        }
        let mut scratch = FoldInScratch::new(k + 1);
        match self.kind {
            MfKind::Explicit => {
                let (bias, factors) = solve_explicit(self, observations, &mut scratch)?;
                Ok(UserVector { bias, factors })
            }
            MfKind::Implicit => {
                let p = self.fold_in;
                let weighted: Vec<(usize, f32)> = merge_counts(observations)
                    .into_iter()
                    .filter(|&(_, r)| r > 0.0)
                    .map(|(i, r)| (i, p.confidence.weight(p.alpha, r)))
                    .collect();
                if weighted.is_empty() {
                    return Ok(UserVector::zeros(k));
                }
                let mut factors = vec![0.0; k];
                let gram = self.gram.as_ref().expect("implicit models keep their gram matrix");
                let gram = gram.as_slice().expect("a new Array2 is contiguous");
                let ridge = match p.rule {
                    FoldInRule::Wayfinder | FoldInRule::SvdPlusPlus => 0.0,
                    FoldInRule::CountScaled => p.reg * weighted.len() as f32,
                };
                let items = self.item_factors.as_slice().expect("MfModel keeps its factors contiguous");
                solve_implicit(gram, ridge, items, &weighted, &mut scratch, &mut factors)
                    .map_err(|_| Error::NotPositiveDefinite("fold-in"))?;
                Ok(UserVector { bias: 0.0, factors })
            }
        }
    }

    /// Writes every item's score for `user` into `out` (length `n_items`): one
    /// matrix-vector product, plus the biases for explicit models. Scores are not clipped.
    /// `out` is the caller's, so a page can reuse one buffer for every query.
    ///
    /// # Errors
    /// [`Error::Dimension`] when `user` has the wrong number of factors or `out` the wrong length.
    pub fn score_into(&self, user: &UserVector, out: &mut [f32]) -> Result<()> {
        self.check_user(user)?;
        if out.len() != self.n_items() {
            return Err(Error::Dimension { what: "score buffer", expected: self.n_items(), got: out.len() });
        }
        let items = self.item_factors.as_slice().expect("MfModel keeps its factors contiguous");
        let rows = items.chunks_exact(self.n_factors());
        for (score, row) in out.iter_mut().zip(rows) {
            *score = foldin::dot(row, &user.factors);
        }
        if self.kind == MfKind::Explicit {
            let offset = self.global_mean + user.bias;
            for (score, b) in out.iter_mut().zip(&self.item_bias) {
                *score += offset + b;
            }
        }
        Ok(())
    }

    /// One item's score for `user`; for explicit models a rating, clipped to the rating range.
    ///
    /// # Errors
    /// [`Error::Dimension`] for a wrong-sized `user` or an item row outside the model.
    pub fn predict(&self, user: &UserVector, item: usize) -> Result<f32> {
        self.check_user(user)?;
        self.predict_parts(user.bias, ArrayView1::from(&user.factors[..]), item)
    }

    /// [`MfModel::predict`] for a vector given as its parts; `factors` must have `k` entries.
    fn predict_parts(&self, bias: f32, factors: ArrayView1<f32>, item: usize) -> Result<f32> {
        if item >= self.n_items() {
            return Err(Error::Dimension { what: "item row", expected: self.n_items(), got: item });
        }
        let dot = self.item_factors.row(item).dot(&factors);
        Ok(match self.kind {
            MfKind::Implicit => dot,
            MfKind::Explicit => {
                let r = self.global_mean + bias + self.item_bias[item] + dot;
                match self.rating_range {
                    Some((lo, hi)) => r.clamp(lo, hi),
                    None => r,
                }
            }
        })
    }

    /// Scores a block of users at once: `out = users · itemsᵀ (+ biases)`, one matrix product.
    /// `users` is `b × k`, `user_bias` has `b` entries, `out` is `b × n_items`.
    ///
    /// # Errors
    /// [`Error::Dimension`] when the shapes disagree.
    pub fn score_block(&self, users: ArrayView2<f32>, user_bias: &[f32], mut out: ArrayViewMut2<f32>) -> Result<()> {
        let b = users.nrows();
        if users.ncols() != self.n_factors() {
            return Err(Error::Dimension { what: "user factors", expected: self.n_factors(), got: users.ncols() });
        }
        if user_bias.len() != b || out.dim() != (b, self.n_items()) {
            return Err(Error::Dimension { what: "score block rows", expected: b, got: out.nrows() });
        }
        ndarray::linalg::general_mat_mul(1.0, &users, &self.item_factors.t(), 0.0, &mut out);
        if self.kind == MfKind::Explicit {
            for (mut row, &ub) in out.axis_iter_mut(Axis(0)).zip(user_bias) {
                let offset = self.global_mean + ub;
                row.zip_mut_with(&self.item_bias, |s, &ib| *s += offset + ib);
            }
        }
        Ok(())
    }

    fn check_user(&self, user: &UserVector) -> Result<()> {
        if user.factors.len() != self.n_factors() {
            return Err(Error::Dimension { what: "user factors", expected: self.n_factors(), got: user.factors.len() });
        }
        Ok(())
    }
}

/// A trained model with the vectors of the users it was trained on, as evaluation needs.
#[derive(Debug, Clone)]
pub struct Fitted {
    pub model: MfModel,
    /// `n_users × k`.
    pub user_factors: Array2<f32>,
    /// `n_users` (zeros for implicit models).
    pub user_bias: Array1<f32>,
}

impl Fitted {
    pub fn n_users(&self) -> usize {
        self.user_factors.nrows()
    }
    /// The stored vector of training user `u`.
    ///
    /// # Panics
    /// When `u >= n_users`.
    pub fn user(&self, u: usize) -> UserVector {
        UserVector { bias: self.user_bias[u], factors: self.user_factors.row(u).to_vec() }
    }
    /// [`MfModel::predict`] for training user `u`, without copying their vector.
    ///
    /// # Errors
    /// [`Error::Dimension`] for a user or item row out of range.
    pub fn predict(&self, u: usize, item: usize) -> Result<f32> {
        if u >= self.n_users() {
            return Err(Error::Dimension { what: "user row", expected: self.n_users(), got: u });
        }
        if self.user_factors.ncols() != self.model.n_factors() {
            return Err(Error::Dimension {
                what: "user factors",
                expected: self.model.n_factors(),
                got: self.user_factors.ncols(),
            });
        }
        self.model.predict_parts(self.user_bias[u], self.user_factors.row(u), item)
    }
}

/// One observation: a dense user row, a dense item row, and a rating or count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rating {
    pub user: usize,
    pub item: usize,
    pub value: f32,
}

/// Observations over `n_users × n_items`, every index in range and every value finite.
#[derive(Debug, Clone, PartialEq)]
pub struct Ratings {
    n_users: usize,
    n_items: usize,
    entries: Vec<Rating>,
}

impl Ratings {
    /// Checks and wraps `entries`.
    ///
    /// # Errors
    /// [`Error::Dimension`] for an index out of range, [`Error::NonFinite`] for a NaN or
    /// infinite value.
    pub fn new(n_users: usize, n_items: usize, entries: Vec<Rating>) -> Result<Ratings> {
        for (n, r) in entries.iter().enumerate() {
            if r.user >= n_users {
                return Err(Error::Dimension { what: "user row", expected: n_users, got: r.user });
            }
            if r.item >= n_items {
                return Err(Error::Dimension { what: "item row", expected: n_items, got: r.item });
            }
            if !r.value.is_finite() {
                return Err(Error::NonFinite { what: "ratings", at: format!("entry {n}"), value: r.value });
            }
        }
        Ok(Ratings { n_users, n_items, entries })
    }
    pub fn n_users(&self) -> usize {
        self.n_users
    }
    pub fn n_items(&self) -> usize {
        self.n_items
    }
    pub fn entries(&self) -> &[Rating] {
        &self.entries
    }
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    /// The mean value (0 when empty).
    pub fn mean(&self) -> f32 {
        if self.entries.is_empty() {
            return 0.0;
        }
        (self.entries.iter().map(|r| r.value as f64).sum::<f64>() / self.entries.len() as f64) as f32
    }
    /// Rows by user, items sorted within a row; repeated `(user, item)` pairs are summed.
    pub fn by_user(&self) -> Csr {
        Csr::build(self.n_users, self.entries.iter().map(|r| (r.user, r.item, r.value)))
    }
    /// Rows by item, users sorted within a row; repeated pairs are summed.
    pub fn by_item(&self) -> Csr {
        Csr::build(self.n_items, self.entries.iter().map(|r| (r.item, r.user, r.value)))
    }
}

/// Compressed sparse rows: row `r` holds `cols[ptr[r]..ptr[r+1]]` with their values.
#[derive(Debug, Clone, PartialEq)]
pub struct Csr {
    ptr: Vec<usize>,
    cols: Vec<usize>,
    values: Vec<f32>,
}

impl Csr {
    fn build(n_rows: usize, triples: impl Iterator<Item = (usize, usize, f32)> + Clone) -> Csr {
        let mut ptr = vec![0usize; n_rows + 1];
        for (row, _, _) in triples.clone() {
            ptr[row + 1] += 1;
        }
        for r in 0..n_rows {
            ptr[r + 1] += ptr[r];
        }
        let mut next = ptr.clone();
        let mut pairs = vec![(0usize, 0f32); ptr[n_rows]];
        for (row, col, value) in triples {
            pairs[next[row]] = (col, value);
            next[row] += 1;
        }
        // Sort each row and merge repeats, compacting in place.
        let (mut cols, mut values) = (Vec::with_capacity(pairs.len()), Vec::with_capacity(pairs.len()));
        let mut new_ptr = Vec::with_capacity(n_rows + 1);
        new_ptr.push(0);
        for r in 0..n_rows {
            let row = &mut pairs[ptr[r]..ptr[r + 1]];
            row.sort_unstable_by_key(|&(c, _)| c);
            let start = cols.len();
            for &(c, v) in row.iter() {
                if cols.len() > start && cols[cols.len() - 1] == c {
                    *values.last_mut().expect("row is not empty") += v;
                } else {
                    cols.push(c);
                    values.push(v);
                }
            }
            new_ptr.push(cols.len());
        }
        Csr { ptr: new_ptr, cols, values }
    }
    pub fn n_rows(&self) -> usize {
        self.ptr.len() - 1
    }
    /// The columns of row `r` (sorted, unique).
    pub fn cols(&self, r: usize) -> &[usize] {
        &self.cols[self.ptr[r]..self.ptr[r + 1]]
    }
    /// The values of row `r`, parallel to [`Csr::cols`].
    pub fn values(&self, r: usize) -> &[f32] {
        &self.values[self.ptr[r]..self.ptr[r + 1]]
    }
    /// The number of stored entries.
    pub fn nnz(&self) -> usize {
        self.cols.len()
    }
}

/// Sums the counts of repeated items, keeping first-seen order.
fn merge_counts(observations: &[(usize, f32)]) -> Vec<(usize, f32)> {
    let mut merged: Vec<(usize, f32)> = Vec::with_capacity(observations.len());
    for &(item, r) in observations {
        match merged.iter_mut().find(|(i, _)| *i == item) {
            Some((_, total)) => *total += r,
            None => merged.push((item, r)),
        }
    }
    merged
}

/// `rows × cols` values drawn from a normal distribution with mean 0 and deviation `std`
/// (Box–Muller, so that `rand` needs no extra features).
#[cfg(feature = "train")]
pub(crate) fn normal_matrix(rng: &mut impl rand::Rng, rows: usize, cols: usize, std: f32) -> Array2<f32> {
    Array2::from_shape_simple_fn((rows, cols), || {
        let u1: f32 = 1.0 - rng.gen::<f32>(); // in (0, 1], so the log is finite
        let u2: f32 = rng.gen();
        std * (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
    })
}

pub(crate) fn positive(name: &'static str, x: f32) -> Result<()> {
    if x.is_finite() && x > 0.0 {
        Ok(())
    } else {
        Err(Error::param(name, format!("{x} is not a finite positive number")))
    }
}

pub(crate) fn non_negative(name: &'static str, x: f32) -> Result<()> {
    if x.is_finite() && x >= 0.0 {
        Ok(())
    } else {
        Err(Error::param(name, format!("{x} is not a finite non-negative number")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn params() -> FoldInParams {
        FoldInParams {
            reg: 0.1,
            bias_reg: 0.1,
            alpha: 10.0,
            confidence: Confidence::Linear,
            rule: FoldInRule::Wayfinder,
        }
    }

    #[test]
    fn new_rejects_nan_factor_and_bad_bias_length() {
        let f = array![[1.0, f32::NAN]];
        assert!(matches!(
            MfModel::new(MfKind::Explicit, f, Array1::zeros(1), 3.0, None, params()),
            Err(Error::NonFinite { .. })
        ));
        let f = array![[1.0, 0.0]];
        assert!(matches!(
            MfModel::new(MfKind::Explicit, f, Array1::zeros(2), 3.0, None, params()),
            Err(Error::Dimension { .. })
        ));
    }

    #[test]
    fn explicit_scores_add_biases_and_predict_clips() {
        let f = array![[1.0, 0.0], [0.0, 2.0]];
        let m = MfModel::new(MfKind::Explicit, f, array![0.5, -0.5], 3.0, Some((1.0, 5.0)), params()).unwrap();
        let u = UserVector { bias: 0.25, factors: vec![1.0, 1.0] };
        let mut out = vec![0.0; 2];
        m.score_into(&u, &mut out).unwrap();
        assert_eq!(out, vec![4.75, 4.75]);
        let far = UserVector { bias: 0.0, factors: vec![10.0, 0.0] };
        assert_eq!(m.predict(&far, 0).unwrap(), 5.0);
        assert!(m.score_into(&u, &mut [0.0; 3]).is_err());
        assert!(m.predict(&u, 2).is_err());
    }

    #[test]
    fn svd_plus_plus_folds_in_the_implicit_term_first() {
        // Two factors, three items; the implicit factors of items 0 and 1 point along the axes.
        let q = array![[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]];
        let z = array![[0.6, 0.0], [0.0, -0.2], [5.0, 5.0]];
        let plain = MfModel::new(MfKind::Explicit, q, array![0.1, -0.1, 0.0], 3.0, Some((1.0, 5.0)), params()).unwrap();
        let model = plain.clone().with_implicit_factors(z).unwrap();
        assert_eq!(model.fold_in_params().rule, FoldInRule::SvdPlusPlus);
        let history = [(0, 5.0), (1, 2.0)];
        // s = (z₀ + z₁) / √2; the Wayfinder solve then sees the ratings less s·qᵢ.
        let s = [0.6 / 2f32.sqrt(), -0.2 / 2f32.sqrt()];
        let shifted: Vec<(usize, f32)> = history.iter().map(|&(i, r)| (i, r - s[i])).collect();
        let base = plain.fold_in(&shifted).unwrap();
        let got = model.fold_in(&history).unwrap();
        assert!((got.bias - base.bias).abs() < 1e-5, "{got:?} vs {base:?}");
        for (f, (g, b)) in got.factors.iter().zip(&base.factors).enumerate() {
            assert!((g - (b + s[f])).abs() < 1e-5, "factor {f}: {got:?} vs {base:?} + {s:?}");
        }
        // Clearing a row clears its implicit factors too, and keeps the rule.
        let cleared = model.with_rows_cleared(&[2]).unwrap();
        assert_eq!(cleared.fold_in_params().rule, FoldInRule::SvdPlusPlus);
        assert!(cleared.implicit_factors().unwrap().row(2).iter().all(|&x| x == 0.0));
        assert_eq!(cleared.implicit_factors().unwrap().row(0), model.implicit_factors().unwrap().row(0));
    }

    #[test]
    fn implicit_factors_are_checked() {
        let q = array![[1.0, 0.0], [0.0, 1.0]];
        let explicit = MfModel::new(MfKind::Explicit, q.clone(), Array1::zeros(2), 3.0, None, params()).unwrap();
        assert!(matches!(
            explicit.clone().with_implicit_factors(array![[1.0, 0.0]]),
            Err(Error::Dimension { what: "implicit factor rows", .. })
        ));
        assert!(matches!(
            explicit.clone().with_implicit_factors(array![[1.0], [0.0]]),
            Err(Error::Dimension { what: "implicit factors per item", .. })
        ));
        assert!(matches!(
            explicit.with_implicit_factors(array![[1.0, 0.0], [f32::NAN, 0.0]]),
            Err(Error::NonFinite { what: "implicit factors", .. })
        ));
        let implicit = MfModel::new(MfKind::Implicit, q.clone(), Array1::zeros(2), 0.0, None, params()).unwrap();
        assert!(matches!(
            implicit.with_implicit_factors(q.clone()),
            Err(Error::InvalidParameter { name: "implicit_factors", .. })
        ));
        // The rule alone, without the factors it needs, is refused.
        let rule = FoldInParams { rule: FoldInRule::SvdPlusPlus, ..params() };
        assert!(matches!(
            MfModel::new(MfKind::Explicit, q, Array1::zeros(2), 3.0, None, rule),
            Err(Error::InvalidParameter { name: "fold_in_rule", .. })
        ));
    }

    #[test]
    fn csr_sorts_rows_and_sums_repeats() {
        let r = |user, item, value| Rating { user, item, value };
        let data = Ratings::new(2, 3, vec![r(0, 2, 1.0), r(0, 0, 1.0), r(0, 2, 1.0), r(1, 1, 4.0)]).unwrap();
        let csr = data.by_user();
        assert_eq!(csr.cols(0), &[0, 2]);
        assert_eq!(csr.values(0), &[1.0, 2.0]);
        assert_eq!(csr.cols(1), &[1]);
        assert_eq!(data.by_item().cols(2), &[0]);
        assert!(Ratings::new(2, 3, vec![r(2, 0, 1.0)]).is_err());
        assert!(Ratings::new(2, 3, vec![r(0, 0, f32::INFINITY)]).is_err());
    }

    #[test]
    fn log_confidence_damps_counts() {
        let log = Confidence::Log { eps: 1.0 };
        assert_eq!(Confidence::Linear.weight(10.0, 3.0), 31.0);
        assert!((log.weight(10.0, 3.0) - (1.0 + 10.0 * 4f32.ln())).abs() < 1e-5);
    }
}
