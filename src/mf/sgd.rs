//! Biased matrix factorization for explicit ratings (Koren, Bell and Volinsky 2009), trained by
//! stochastic gradient descent over the ratings in a seeded shuffled order each epoch.
//!
//! The model predicts `r̂ = μ + bᵤ + bᵢ + pᵤ·qᵢ` and minimises
//! `Σ (r − r̂)² + bias_reg·(bᵤ² + bᵢ²) + reg·(‖pᵤ‖² + ‖qᵢ‖²)` summed over the ratings.

use ndarray::Array1;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_pcg::Pcg64;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::mf::foldin::dot;
use crate::mf::{
    non_negative, normal_matrix, positive, Confidence, Fitted, FoldInParams, FoldInRule, MfKind, MfModel, Ratings,
};

/// Training settings. The defaults are tuned on MovieLens 100k (5-fold RMSE about 0.91).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SgdParams {
    /// Factors per user and item (`k`).
    pub factors: usize,
    /// Passes over the training ratings.
    pub epochs: usize,
    /// Learning rate of the first epoch.
    pub lr: f32,
    /// The learning rate is multiplied by this after every epoch (1 keeps it constant).
    pub lr_decay: f32,
    /// Penalty on the factors, per rating.
    pub reg: f32,
    /// Penalty on the biases, per rating.
    pub bias_reg: f32,
    /// Standard deviation of the random initial factors.
    pub init_std: f32,
    pub seed: u64,
}

impl Default for SgdParams {
    fn default() -> Self {
        SgdParams {
            factors: 100,
            epochs: 40,
            lr: 0.01,
            lr_decay: 0.98,
            reg: 0.06,
            bias_reg: 0.02,
            init_std: 0.05,
            seed: 42,
        }
    }
}

impl SgdParams {
    /// Checks that every field is in range.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first bad field.
    pub fn validate(&self) -> Result<()> {
        if self.factors == 0 {
            return Err(Error::param("factors", "must be at least 1"));
        }
        if self.epochs == 0 {
            return Err(Error::param("epochs", "must be at least 1"));
        }
        positive("lr", self.lr)?;
        positive("lr_decay", self.lr_decay)?;
        positive("reg", self.reg)?;
        non_negative("bias_reg", self.bias_reg)?;
        non_negative("init_std", self.init_std)?;
        Ok(())
    }
}

/// Trains on `data` (values are ratings). Users and items without a training rating keep
/// zero factors and bias, so they are predicted from the other terms alone.
///
/// # Errors
/// [`Error::InvalidParameter`] for bad parameters, [`Error::NoData`] for empty `data`, and
/// [`Error::NonFinite`] if training diverged (a learning rate far too large).
///
/// # Example
/// ```
/// use wayfinder::mf::{sgd, Rating, Ratings};
/// let r = |user, item, value| Rating { user, item, value };
/// let data = Ratings::new(2, 2, vec![r(0, 0, 5.0), r(0, 1, 1.0), r(1, 0, 4.0)]).unwrap();
/// let fit = sgd::train(&data, &sgd::SgdParams { factors: 4, epochs: 50, ..Default::default() }).unwrap();
/// assert!(fit.model.predict(&fit.user(1), 0).unwrap() > fit.model.predict(&fit.user(1), 1).unwrap());
/// ```
pub fn train(data: &Ratings, params: &SgdParams) -> Result<Fitted> {
    params.validate()?;
    if data.is_empty() {
        return Err(Error::NoData("no ratings to train on".into()));
    }
    let k = params.factors;
    let mut rng = Pcg64::seed_from_u64(params.seed);
    let mut users = normal_matrix(&mut rng, data.n_users(), k, params.init_std);
    let mut items = normal_matrix(&mut rng, data.n_items(), k, params.init_std);
    let mut user_bias = Array1::<f32>::zeros(data.n_users());
    let mut item_bias = Array1::<f32>::zeros(data.n_items());
    let mu = data.mean();
    let mut order = data.entries().to_vec();
    let mut lr = params.lr;
    {
        let p_all = users.as_slice_mut().expect("a new Array2 is contiguous");
        let q_all = items.as_slice_mut().expect("a new Array2 is contiguous");
        for _ in 0..params.epochs {
            order.shuffle(&mut rng);
            for r in &order {
                let p = &mut p_all[r.user * k..(r.user + 1) * k];
                let q = &mut q_all[r.item * k..(r.item + 1) * k];
                let e = r.value - mu - user_bias[r.user] - item_bias[r.item] - dot(p, q);
                user_bias[r.user] += lr * (e - params.bias_reg * user_bias[r.user]);
                item_bias[r.item] += lr * (e - params.bias_reg * item_bias[r.item]);
                // Both updates use the old values of p and q.
                for (pf, qf) in p.iter_mut().zip(q.iter_mut()) {
                    let (p_old, q_old) = (*pf, *qf);
                    *pf += lr * (e * q_old - params.reg * p_old);
                    *qf += lr * (e * p_old - params.reg * q_old);
                }
            }
            lr *= params.lr_decay;
        }
    }
    zero_unseen_rows(data, &mut users, &mut items);
    let (lo, hi) = data
        .entries()
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), r| (lo.min(r.value), hi.max(r.value)));
    let fold_in = FoldInParams {
        reg: params.reg,
        bias_reg: params.bias_reg,
        alpha: 0.0,
        confidence: Confidence::Linear,
        rule: FoldInRule::Wayfinder,
    };
    let model = MfModel::new(MfKind::Explicit, items, item_bias, mu, Some((lo, hi)), fold_in)?;
    Ok(Fitted { model, user_factors: users, user_bias })
}

/// Rows never updated still hold their random start; zero them so they add no noise.
fn zero_unseen_rows(data: &Ratings, users: &mut ndarray::Array2<f32>, items: &mut ndarray::Array2<f32>) {
    let mut user_seen = vec![false; data.n_users()];
    let mut item_seen = vec![false; data.n_items()];
    for r in data.entries() {
        user_seen[r.user] = true;
        item_seen[r.item] = true;
    }
    for (mut row, _) in users.rows_mut().into_iter().zip(&user_seen).filter(|(_, &s)| !s) {
        row.fill(0.0);
    }
    for (mut row, _) in items.rows_mut().into_iter().zip(&item_seen).filter(|(_, &s)| !s) {
        row.fill(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validate_names_the_bad_field() {
        let bad = SgdParams { lr: f32::NAN, ..Default::default() };
        assert!(matches!(bad.validate(), Err(Error::InvalidParameter { name: "lr", .. })));
        let bad = SgdParams { factors: 0, ..Default::default() };
        assert!(matches!(bad.validate(), Err(Error::InvalidParameter { name: "factors", .. })));
    }
}
