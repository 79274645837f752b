//! Implicit-feedback matrix factorization by alternating least squares with confidence
//! weights (Hu, Koren and Volinsky 2008, "Collaborative Filtering for Implicit Feedback
//! Datasets").
//!
//! Every observed `(user, item)` has preference 1 and confidence `c = 1 + alpha·f(count)`;
//! every other pair has preference 0 and confidence 1. Each sweep solves every user row with
//! the item factors fixed, then every item row with the user factors fixed. A row's system is
//! `YᵀY + λI + Yᵀ(Cᵤ − I)Y`: the shared `YᵀY` is computed once per sweep, so a row costs only
//! its own observations plus one `k × k` Cholesky solve.

use std::sync::Mutex;

use ndarray::{Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::mf::foldin::{conjugate_gradient_implicit, solve_implicit, FoldInScratch};
use crate::mf::{positive, Confidence, Csr, Fitted, FoldInParams, FoldInRule, MfKind, MfModel, Ratings};

/// Training settings. The ridge grows with each row's count (ALS-WR, as Spark MLlib trains).
/// On a validation split of the MOOCCubeX training enrolments (`bench/mf/validation_split.py
/// kgat`, seed 42: one random course of each learner held out; 64 factors, α 40), HR@10 was
/// 0.3296 / 0.3315 / 0.3275 for `reg` 0.9 / 1.8 / 3.6, where a constant ridge reached at best
/// 0.3249 (λ 10 / 50 / 200 / 400: 0.3198 / 0.3206 / 0.3249 / 0.3220), so `reg` 1.8 is the
/// default. On the data set's own test split, which tuning never read, that gives 0.2993,
/// against 0.2802 for the former constant λ 10 and 0.2811 for λ 200 (README, "Benchmarks").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlsParams {
    /// Factors per user and item (`k`).
    pub factors: usize,
    /// Sweeps; each solves all users, then all items.
    pub iterations: usize,
    /// Ridge penalty `λ` on every row.
    pub reg: f32,
    /// Confidence scale.
    pub alpha: f32,
    /// How a count becomes a confidence.
    pub confidence: Confidence,
    /// Standard deviation of the random initial item factors.
    pub init_std: f32,
    pub seed: u64,
    /// Worker threads for the row solves; 0 uses every core. The model does not depend on it.
    pub threads: usize,
    /// How each row's system is solved.
    pub solver: AlsSolver,
    /// The ridge: `reg` on every row ([`FoldInRule::Wayfinder`]), or `reg` times the row's
    /// number of observations ([`FoldInRule::CountScaled`], the ALS-WR rule of Zhou et al. 2008
    /// that Spark MLlib follows), which penalises the vectors of busy learners and popular
    /// courses more. Fold-in follows the same rule.
    pub rule: FoldInRule,
}

/// How ALS solves each row's `k × k` system.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlsSolver {
    /// Exactly, by Cholesky factorization: `O(k³)` per row.
    Cholesky,
    /// A few conjugate-gradient steps warm-started from the row's previous sweep (Takács,
    /// Pilászy and Tikk 2011; the `implicit` library's default): `O(k² + n·k)` per row.
    ConjugateGradient { steps: usize },
}

impl Default for AlsParams {
    fn default() -> Self {
        AlsParams {
            factors: 64,
            iterations: 15,
            reg: 1.8,
            alpha: 40.0,
            confidence: Confidence::Linear,
            init_std: 0.01,
            seed: 42,
            threads: 0,
            solver: AlsSolver::ConjugateGradient { steps: 3 },
            rule: FoldInRule::CountScaled,
        }
    }
}

impl AlsParams {
    /// Checks that every field is in range.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first bad field.
    pub fn validate(&self) -> Result<()> {
        if self.factors == 0 {
            return Err(Error::param("factors", "must be at least 1"));
        }
        if self.iterations == 0 {
            return Err(Error::param("iterations", "must be at least 1"));
        }
        positive("init_std", self.init_std)?;
        if self.solver == (AlsSolver::ConjugateGradient { steps: 0 }) {
            return Err(Error::param("solver", "conjugate gradients need at least 1 step"));
        }
        self.fold_in().validate()
    }

    /// The fold-in parameters that reproduce this training's user solve.
    pub fn fold_in(&self) -> FoldInParams {
        FoldInParams { reg: self.reg, bias_reg: 0.0, alpha: self.alpha, confidence: self.confidence, rule: self.rule }
    }
}

/// Trains on `data`, whose values are non-negative counts (1 for a plain enrolment); repeated
/// `(user, item)` entries are summed and zero counts are ignored.
///
/// # Errors
/// [`Error::InvalidParameter`] for bad parameters or a negative count, [`Error::NoData`] when
/// `data` has no positive count, [`Error::NotPositiveDefinite`] if a solve breaks down.
///
/// # Example
/// ```
/// use wayfinder::mf::{als, Rating, Ratings};
/// let r = |user, item| Rating { user, item, value: 1.0 };
/// let data = Ratings::new(3, 3, vec![r(0, 0), r(0, 1), r(1, 0), r(1, 1), r(2, 0)]).unwrap();
/// let fit = als::train(&data, &als::AlsParams { factors: 2, ..Default::default() }).unwrap();
/// let user2 = fit.user(2);
/// assert!(fit.model.predict(&user2, 1).unwrap() > fit.model.predict(&user2, 2).unwrap());
/// ```
pub fn train(data: &Ratings, params: &AlsParams) -> Result<Fitted> {
    params.validate()?;
    if let Some(r) = data.entries().iter().find(|r| r.value < 0.0) {
        let reason = format!("count {} for user {} and item {} is negative", r.value, r.user, r.item);
        return Err(Error::param("ratings", reason));
    }
    let by_user = confidences(data.by_user(), params);
    let by_item = confidences(data.by_item(), params);
    if by_user.iter().all(Vec::is_empty) {
        return Err(Error::NoData("no positive counts to train on".into()));
    }
    let k = params.factors;
    let mut rng = Pcg64::seed_from_u64(params.seed);
    // Uniform on [0, init_std): the same sign everywhere starts every factor near the
    // popularity direction, which a few warm-started CG steps per sweep then refine.
    let mut uniform = |rows: usize| Array2::from_shape_simple_fn((rows, k), || params.init_std * rng.gen::<f32>());
    let mut items = uniform(data.n_items());
    let mut users = uniform(data.n_users());
    let threads = match params.threads {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    };
    for _ in 0..params.iterations {
        solve_rows(&by_user, &items, &mut users, params, threads)?;
        solve_rows(&by_item, &users, &mut items, params, threads)?;
    }
    let model = MfModel::new(MfKind::Implicit, items, Array1::zeros(data.n_items()), 0.0, None, params.fold_in())?;
    let user_bias = Array1::zeros(data.n_users());
    Ok(Fitted { model, user_factors: users, user_bias })
}

/// Each row's `(column, confidence)` pairs, dropping zero counts.
fn confidences(csr: Csr, params: &AlsParams) -> Vec<Vec<(usize, f32)>> {
    (0..csr.n_rows())
        .map(|r| {
            csr.cols(r)
                .iter()
                .zip(csr.values(r))
                .filter(|(_, &v)| v > 0.0)
                .map(|(&c, &v)| (c, params.confidence.weight(params.alpha, v)))
                .collect()
        })
        .collect()
}

/// Solves every row of `out` against the fixed factors `fixed`, exactly or by conjugate
/// gradients started from the row's current value. A row with no observations gets zero
/// factors (its exact solution, since its right-hand side is zero). Rows are
/// independent, so `threads` workers take blocks of rows from a shared queue; the result does
/// not depend on how many there are.
fn solve_rows(
    rows: &[Vec<(usize, f32)>],
    fixed: &Array2<f32>,
    out: &mut Array2<f32>,
    params: &AlsParams,
    threads: usize,
) -> Result<()> {
    const BLOCK: usize = 256;
    let k = fixed.ncols();
    let mut gram = fixed.t().dot(fixed);
    let count_scaled = params.rule == FoldInRule::CountScaled;
    if !count_scaled {
        gram.diag_mut().iter_mut().for_each(|d| *d += params.reg);
    }
    let gram = gram.as_slice().expect("a new Array2 is contiguous");
    let fixed = fixed.as_slice().expect("factors are contiguous");
    let out = out.as_slice_mut().expect("factors are contiguous");
    let queue = Mutex::new(rows.chunks(BLOCK).zip(out.chunks_mut(BLOCK * k)));
    let worker = || -> Result<()> {
        let mut scratch = FoldInScratch::new(k);
        loop {
            let Some((block, xs)) = queue.lock().unwrap_or_else(|e| e.into_inner()).next() else {
                return Ok(());
            };
            for (row, x) in block.iter().zip(xs.chunks_exact_mut(k)) {
                if row.is_empty() {
                    x.fill(0.0);
                    continue;
                }
                let ridge = if count_scaled { params.reg * row.len() as f32 } else { 0.0 };
                match params.solver {
                    AlsSolver::Cholesky => solve_implicit(gram, ridge, fixed, row, &mut scratch, x)
                        .map_err(|_| Error::NotPositiveDefinite("ALS"))?,
                    AlsSolver::ConjugateGradient { steps } => {
                        conjugate_gradient_implicit(gram, ridge, fixed, row, steps, &mut scratch, x)
                    }
                }
            }
        }
    };
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(worker)).collect();
        let mut result = worker();
        for helper in helpers {
            let joined = helper.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            result = result.and(joined);
        }
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mf::Rating;

    #[test]
    fn negative_count_is_a_typed_error() {
        let data = Ratings::new(1, 1, vec![Rating { user: 0, item: 0, value: -1.0 }]).unwrap();
        assert!(matches!(train(&data, &AlsParams::default()), Err(Error::InvalidParameter { .. })));
    }

    #[test]
    fn validate_rejects_zero_reg() {
        let bad = AlsParams { reg: 0.0, ..Default::default() };
        assert!(matches!(bad.validate(), Err(Error::InvalidParameter { name: "reg", .. })));
    }
}
