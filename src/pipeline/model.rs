//! The matrix-factorization model a bundle ships: its training data from the interactions,
//! the held-out evaluation recorded in the manifest, the final fit on everything, and the
//! [`ModelInfo`] the browser reads back, derived from the fitted model itself.

use serde::Serialize;
use serde_json::{json, Value};

use crate::bundle::ModelInfo;
use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::eval::{evaluate_ranking, leave_one_out, rating_errors, Popularity};
use crate::graph::{PrereqGraph, Progress};
use crate::interactions::Interactions;
use crate::mf::{als, sgd, Confidence, Fitted, MfKind, MfModel, Rating, Ratings};
use crate::pipeline::Ridge;

/// Which model to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// Implicit ALS on enrolments (best for ranking); ratings, if any, are ignored.
    Implicit,
    /// SVD++ (biased MF with the implicit term) by SGD on the ratings.
    Explicit,
}

/// The model's kind, size and seed; every other parameter keeps its trainer's default.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelParams {
    pub kind: ModelKind,
    pub factors: usize,
    pub seed: u64,
    /// The implicit model's ridge (tuning's choice, [`crate::pipeline::Tuned::mf_ridge`]).
    pub ridge: Ridge,
}

impl ModelParams {
    fn als(&self) -> als::AlsParams {
        als::AlsParams {
            factors: self.factors,
            seed: self.seed,
            rule: self.ridge.rule,
            reg: self.ridge.reg,
            ..Default::default()
        }
    }
    fn sgd(&self) -> sgd::SgdParams {
        sgd::SgdParams { factors: self.factors, seed: self.seed, ..Default::default() }
    }
    fn fit(&self, data: &Ratings) -> Result<Fitted> {
        match self.kind {
            ModelKind::Implicit => als::train(data, &self.als()),
            ModelKind::Explicit => sgd::train(data, &self.sgd()),
        }
    }
    /// The trainer's full parameters, as the manifest records them.
    fn describe(&self) -> Value {
        match self.kind {
            ModelKind::Implicit => serde_json::to_value(self.als()),
            ModelKind::Explicit => serde_json::to_value(self.sgd()),
        }
        .unwrap_or(Value::Null)
    }
}

/// A fitted model with what the manifest records about it.
#[derive(Debug, Clone)]
pub struct TrainedModel {
    pub model: MfModel,
    pub info: ModelInfo,
    /// The held-out evaluation: leave-one-out HR, NDCG and MAP beside popularity (implicit),
    /// or RMSE and MAE (explicit).
    pub evaluation: Value,
}

/// The interactions as MF training data: every interaction counts 1 for an implicit model,
/// its rating for an explicit one.
///
/// # Errors
/// [`Error::InvalidParameter`] (`kind`) for an explicit model over interactions without a
/// rating on every line, and the checks of [`Ratings::new`].
pub fn ratings(catalog: &Catalog, interactions: &Interactions, kind: ModelKind) -> Result<Ratings> {
    if kind == ModelKind::Explicit && !interactions.has_ratings() {
        return Err(Error::param("kind", "an explicit model needs a rating on every interaction line"));
    }
    let entries = interactions
        .entries
        .iter()
        .map(|e| Rating {
            user: e.user,
            item: e.course,
            value: if kind == ModelKind::Explicit { e.rating.unwrap_or(f32::NAN) } else { 1.0 },
        })
        .collect();
    Ratings::new(interactions.users.len(), catalog.len(), entries)
}

/// Fits the model twice: once with one seeded course of each learner held out, to record
/// the evaluation (for an implicit model, readiness as each learner stood when their
/// training courses were done filters both the model's and popularity's lists), then on
/// everything. `stage` is told which fit is running.
///
/// # Errors
/// The errors of [`ratings`] and of training.
pub fn train(
    catalog: &Catalog,
    graph: &PrereqGraph,
    interactions: &Interactions,
    params: &ModelParams,
    stage: &mut dyn FnMut(&str),
) -> Result<TrainedModel> {
    let data = ratings(catalog, interactions, params.kind)?;
    stage("held-out evaluation");
    let split = leave_one_out(&data, params.seed);
    let held_out = params.fit(&split.train)?;
    let evaluation = match params.kind {
        ModelKind::Implicit => {
            let by_user = split.train.by_user();
            let ready = |u: usize, i: usize| {
                graph.is_ready(i, &Progress::new(catalog.len(), by_user.cols(u), &[], Vec::<String>::new()))
            };
            let model = evaluate_ranking(&held_out, &split.train, &split.test, 10, Some(&ready))?;
            let popularity =
                evaluate_ranking(&Popularity::fit(&split.train), &split.train, &split.test, 10, Some(&ready))?;
            json!({"split": "leave-one-out", "seed": params.seed, "model": model, "popularity": popularity})
        }
        ModelKind::Explicit => {
            json!({"split": "leave-one-out", "seed": params.seed, "ratings": rating_errors(&held_out, &split.test)?})
        }
    };
    stage("final model");
    let fitted = params.fit(&data)?;
    let info = model_info(&fitted.model, params.seed, params.describe());
    Ok(TrainedModel { model: fitted.model, info, evaluation })
}

/// What the browser needs to fold a learner in, read from the model itself, with the
/// training record.
pub fn model_info(model: &MfModel, seed: u64, params: Value) -> ModelInfo {
    let f = model.fold_in_params();
    ModelInfo {
        kind: match model.kind() {
            MfKind::Implicit => "implicit",
            MfKind::Explicit => "explicit",
        }
        .into(),
        fold_in_reg: f.reg,
        fold_in_bias_reg: f.bias_reg,
        alpha: f.alpha,
        log_confidence_eps: match f.confidence {
            Confidence::Linear => None,
            Confidence::Log { eps } => Some(eps),
        },
        rating_range: model.rating_range(),
        fold_in_rule: f.rule,
        seed,
        params,
    }
}
