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
use rand::SeedableRng;
use rand_pcg::Pcg64;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::mf::foldin::{solve_implicit, FoldInScratch};
use crate::mf::{
    normal_matrix, positive, Confidence, Csr, Fitted, FoldInParams, MfKind, MfModel, Ratings,
};

/// Training settings. The defaults are tuned on the MOOCCubeX enrolments (leave-one-out
/// HR@10 about 0.27).
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
}

impl Default for AlsParams {
    fn default() -> Self {
        AlsParams {
            factors: 64,
            iterations: 15,
            reg: 10.0,
            alpha: 40.0,
            confidence: Confidence::Linear,
            init_std: 0.01,
            seed: 42,
            threads: 0,
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
        self.fold_in().validate()
    }

    /// The fold-in parameters that reproduce this training's user solve.
    pub fn fold_in(&self) -> FoldInParams {
        FoldInParams {
            reg: self.reg,
            bias_reg: 0.0,
            alpha: self.alpha,
            confidence: self.confidence,
        }
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
        let reason = format!(
            "count {} for user {} and item {} is negative",
            r.value, r.user, r.item
        );
        return Err(Error::param("ratings", reason));
    }
    let by_user = confidences(data.by_user(), params);
    let by_item = confidences(data.by_item(), params);
    if by_user.iter().all(Vec::is_empty) {
        return Err(Error::NoData("no positive counts to train on".into()));
    }
    let k = params.factors;
    let mut rng = Pcg64::seed_from_u64(params.seed);
    let mut items = normal_matrix(&mut rng, data.n_items(), k, params.init_std);
    let mut users = Array2::<f32>::zeros((data.n_users(), k));
    let threads = match params.threads {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    };
    for _ in 0..params.iterations {
        solve_rows(&by_user, &items, &mut users, params.reg, threads)?;
        solve_rows(&by_item, &users, &mut items, params.reg, threads)?;
    }
    let model = MfModel::new(
        MfKind::Implicit,
        items,
        Array1::zeros(data.n_items()),
        0.0,
        None,
        params.fold_in(),
    )?;
    let user_bias = Array1::zeros(data.n_users());
    Ok(Fitted {
        model,
        user_factors: users,
        user_bias,
    })
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

/// Solves every row of `out` against the fixed factors `fixed`. A row with no observations
/// gets zero factors (its exact solution, since its right-hand side is zero). Rows are
/// independent, so `threads` workers take blocks of rows from a shared queue; the result does
/// not depend on how many there are.
fn solve_rows(
    rows: &[Vec<(usize, f32)>],
    fixed: &Array2<f32>,
    out: &mut Array2<f32>,
    reg: f32,
    threads: usize,
) -> Result<()> {
    const BLOCK: usize = 256;
    let k = fixed.ncols();
    let mut gram = fixed.t().dot(fixed);
    gram.diag_mut().iter_mut().for_each(|d| *d += reg);
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
                solve_implicit(gram, fixed, row, &mut scratch, x)
                    .map_err(|_| Error::NotPositiveDefinite("ALS"))?;
            }
        }
    };
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(worker)).collect();
        let mut result = worker();
        for helper in helpers {
            let joined = helper
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
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
        let data = Ratings::new(
            1,
            1,
            vec![Rating {
                user: 0,
                item: 0,
                value: -1.0,
            }],
        )
        .unwrap();
        assert!(matches!(
            train(&data, &AlsParams::default()),
            Err(Error::InvalidParameter { .. })
        ));
    }

    #[test]
    fn validate_rejects_zero_reg() {
        let bad = AlsParams {
            reg: 0.0,
            ..Default::default()
        };
        assert!(matches!(
            bad.validate(),
            Err(Error::InvalidParameter { name: "reg", .. })
        ));
    }
}
