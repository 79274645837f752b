//! Biased matrix factorization for explicit ratings with SVD++'s implicit term (Koren 2008;
//! Koren, Bell and Volinsky 2009), trained by stochastic gradient descent, user by user in a
//! seeded shuffled order each epoch.
//!
//! The model predicts `r̂ = μ + bᵤ + bᵢ + (pᵤ + |N(u)|^-½ Σⱼ zⱼ)·qᵢ`, where `N(u)` are the items
//! `u` rated, and minimises `Σ (r − r̂)² + bias_reg·(bᵤ² + bᵢ²) + reg·(‖pᵤ‖² + ‖qᵢ‖²)` summed
//! over the ratings, plus `implicit_reg·‖zⱼ‖²` for each item in a user's `N(u)` per user.
//! With `implicit_reg = 0` there is no `zⱼ`: plain biased MF.

use ndarray::{Array1, Array2};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_pcg::Pcg64;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::mf::foldin::{dot, implicit_term};
use crate::mf::{
    non_negative, normal_matrix, positive, Confidence, Fitted, FoldInParams, FoldInRule, MfKind, MfModel, Ratings,
};

/// Training settings. The defaults were chosen on a development set of MovieLens 100k (a
/// seeded 80% of `u.data`, 5-fold within it); see the README for the full 5-fold RMSE.
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
    /// Penalty on SVD++'s implicit factors, applied once per user update; 0 trains no
    /// implicit term (plain biased MF).
    pub implicit_reg: f32,
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
            implicit_reg: 1.2,
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
        non_negative("implicit_reg", self.implicit_reg)?;
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
    let with_implicit = params.implicit_reg > 0.0;
    let mut implicit = Array2::<f32>::zeros((data.n_items(), if with_implicit { k } else { 0 }));
    // Each user's ratings, contiguous: `rated[start[u]..start[u + 1]]`.
    let mut start = vec![0usize; data.n_users() + 1];
    for r in data.entries() {
        start[r.user + 1] += 1;
    }
    for u in 0..data.n_users() {
        start[u + 1] += start[u];
    }
    let mut rated = vec![(0usize, 0f32); data.len()];
    let mut next = start.clone();
    for r in data.entries() {
        rated[next[r.user]] = (r.item, r.value);
        next[r.user] += 1;
    }
    let mut order: Vec<usize> = (0..data.n_users()).filter(|&u| start[u + 1] > start[u]).collect();
    let mut lr = params.lr;
    // The user's implicit term s, the vector that predicts (p + s), and Σ e·qᵢ for the zⱼ.
    let (mut s, mut vector, mut gradient) = (vec![0f32; k], vec![0f32; k], vec![0f32; k]);
    {
        let p_all = users.as_slice_mut().expect("a new Array2 is contiguous");
        let q_all = items.as_slice_mut().expect("a new Array2 is contiguous");
        let z_all = implicit.as_slice_mut().expect("a new Array2 is contiguous");
        for _ in 0..params.epochs {
            order.shuffle(&mut rng);
            for &u in &order {
                let ratings = &mut rated[start[u]..start[u + 1]];
                ratings.shuffle(&mut rng);
                let norm = 1.0 / (ratings.len() as f32).sqrt();
                s.fill(0.0);
                gradient.fill(0.0);
                if with_implicit {
                    implicit_term(z_all, ratings.iter().map(|&(j, _)| j), ratings.len(), &mut s);
                }
                let p = &mut p_all[u * k..(u + 1) * k];
                for &(i, value) in ratings.iter() {
                    let q = &mut q_all[i * k..(i + 1) * k];
                    for ((v, pf), sf) in vector.iter_mut().zip(p.iter()).zip(&s) {
                        *v = pf + sf;
                    }
                    let e = value - mu - user_bias[u] - item_bias[i] - dot(&vector, q);
                    user_bias[u] += lr * (e - params.bias_reg * user_bias[u]);
                    item_bias[i] += lr * (e - params.bias_reg * item_bias[i]);
                    // Every update uses the old values of p and q.
                    for (((pf, qf), vf), gf) in p.iter_mut().zip(q.iter_mut()).zip(&vector).zip(&mut gradient) {
                        let (p_old, q_old) = (*pf, *qf);
                        *pf += lr * (e * q_old - params.reg * p_old);
                        *qf += lr * (e * vf - params.reg * q_old);
                        *gf += e * q_old;
                    }
                }
                if with_implicit {
                    for &(j, _) in ratings.iter() {
                        for (zf, gf) in z_all[j * k..(j + 1) * k].iter_mut().zip(&gradient) {
                            *zf += lr * (norm * gf - params.implicit_reg * *zf);
                        }
                    }
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
    if !with_implicit {
        return Ok(Fitted { model, user_factors: users, user_bias });
    }
    // A training user's stored vector is the whole one, p + s, as fold-in returns it.
    let z_all = implicit.as_slice().expect("a new Array2 is contiguous");
    for (u, mut row) in users.rows_mut().into_iter().enumerate() {
        let ratings = &rated[start[u]..start[u + 1]];
        if ratings.is_empty() {
            continue;
        }
        let p = row.as_slice_mut().expect("a row of a standard-layout Array2 is contiguous");
        implicit_term(z_all, ratings.iter().map(|&(j, _)| j), ratings.len(), p);
    }
    let model = model.with_implicit_factors(implicit)?;
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
