//! Matrix factorization and evaluation: metrics on hand-computed lists, training and fold-in
//! on small synthetic data with known structure, input errors, seeding, and bounded slices of
//! MovieLens 100k and MOOCCubeX when the data folder is present. Training needs the `train`
//! feature (on by default).

#![cfg(feature = "train")]

mod common;

use ndarray::Array1;
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;
use wayfinder::error::Error;
use wayfinder::eval::{self, Popularity};
use wayfinder::mf::als::{self, AlsParams, AlsSolver};
use wayfinder::mf::sgd::{self, SgdParams};
use wayfinder::mf::{Confidence, FoldInParams, FoldInRule, MfKind, MfModel, Rating, Ratings, UserVector};

// ---------------------------------------------------------------------------------------
// Metrics: one table of hand-computed cases.

fn check(metric: &str, ranked: &[usize], relevant: &[usize], k: usize, expected: f64) {
    let got = match metric {
        "hit" => eval::hit_at_k(ranked, relevant, k),
        "precision" => eval::precision_at_k(ranked, relevant, k),
        "recall" => eval::recall_at_k(ranked, relevant, k),
        "ndcg" => eval::ndcg_at_k(ranked, relevant, k),
        "ap" => eval::average_precision_at_k(ranked, relevant, k),
        other => panic!("unknown metric {other}"),
    };
    assert!(
        (got - expected).abs() < 1e-12,
        "{metric}@{k} of {ranked:?} against {relevant:?}: got {got}, expected {expected}"
    );
}

#[test]
fn ranking_metrics_match_hand_computed_values() {
    let log2 = f64::log2;
    check("hit", &[1, 2, 3], &[3], 3, 1.0);
    check("hit", &[1, 2, 3], &[3], 2, 0.0);
    check("hit", &[], &[3], 10, 0.0);
    check("precision", &[1, 2, 3, 4], &[2, 4, 9], 4, 0.5);
    check("precision", &[1, 2], &[2], 10, 0.1); // a short list still divides by k
    check("recall", &[1, 2, 3, 4], &[2, 4, 9], 4, 2.0 / 3.0);
    check("recall", &[1], &[], 10, 0.0);
    check("ndcg", &[5, 6, 3], &[3], 10, 1.0 / log2(4.0));
    check("ndcg", &[3, 5], &[3], 10, 1.0);
    check("ndcg", &[5, 3], &[3, 7], 10, (1.0 / log2(3.0)) / (1.0 + 1.0 / log2(3.0)));
    check("ndcg", &[5, 6, 3], &[3], 2, 0.0);
    check("ap", &[3, 5, 7], &[3, 7], 3, (1.0 + 2.0 / 3.0) / 2.0);
    check("ap", &[5, 3], &[3], 10, 0.5);
}

#[test]
fn coverage_rmse_and_mae() {
    let lists: Vec<Vec<usize>> = vec![vec![0, 1], vec![1, 3]];
    assert_eq!(eval::coverage(lists.iter().map(Vec::as_slice), 8), 3.0 / 8.0);
    assert_eq!(eval::rmse(&[3.0, 4.0], &[3.0, 2.0]).unwrap(), 2f64.sqrt());
    assert_eq!(eval::mae(&[3.0, 4.0], &[3.0, 2.0]).unwrap(), 1.0);
}

// ---------------------------------------------------------------------------------------
// Synthetic data with a known low-rank structure.

/// Ratings `3 + u·v + noise` (clipped to 1..5) for a random 60% of a `users × items` grid.
fn synthetic_ratings(
    users: usize,
    items: usize,
    rank: usize,
    seed: u64,
) -> (Vec<Rating>, Vec<Vec<f32>>, Vec<Vec<f32>>) {
    let mut rng = Pcg64::seed_from_u64(seed);
    let vector = |rng: &mut Pcg64| (0..rank).map(|_| rng.gen_range(-1f32..1.0)).collect::<Vec<_>>();
    let u: Vec<Vec<f32>> = (0..users).map(|_| vector(&mut rng)).collect();
    let v: Vec<Vec<f32>> = (0..items).map(|_| vector(&mut rng)).collect();
    let mut entries = Vec::new();
    for (user, uf) in u.iter().enumerate() {
        for (item, vf) in v.iter().enumerate() {
            if rng.gen::<f32>() < 0.6 {
                let truth = 3.0 + uf.iter().zip(vf).map(|(a, b)| a * b).sum::<f32>();
                let value = (truth + rng.gen_range(-0.1f32..0.1)).clamp(1.0, 5.0);
                entries.push(Rating { user, item, value });
            }
        }
    }
    (entries, u, v)
}

fn training_rmse(fit: &wayfinder::mf::Fitted, data: &Ratings) -> f64 {
    eval::rating_errors(fit, data).unwrap().rmse
}

fn correlation(a: &[f32], b: &[f32]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().map(|&x| x as f64).sum::<f64>() / n, b.iter().map(|&x| x as f64).sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(&x, &y)| (x as f64 - ma) * (y as f64 - mb)).sum();
    let va: f64 = a.iter().map(|&x| (x as f64 - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|&y| (y as f64 - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

#[test]
fn sgd_reduces_training_rmse() {
    let (entries, _, _) = synthetic_ratings(30, 25, 3, 7);
    let data = Ratings::new(30, 25, entries).unwrap();
    let short = SgdParams { factors: 6, epochs: 1, lr: 0.02, reg: 0.02, seed: 3, ..Default::default() };
    let long = SgdParams { epochs: 80, ..short.clone() };
    let (before, after) = (
        training_rmse(&sgd::train(&data, &short).unwrap(), &data),
        training_rmse(&sgd::train(&data, &long).unwrap(), &data),
    );
    assert!(after < 0.5 * before, "training RMSE went from {before} to {after} (seed 3)");
}

#[test]
fn explicit_fold_in_recovers_a_held_out_learner() {
    let (users, items, seed) = (80, 40, 11);
    let (entries, _, _) = synthetic_ratings(users + 1, items, 3, seed);
    // The last user is never trained on: half their ratings are folded in, half predicted.
    let (held, train): (Vec<Rating>, Vec<Rating>) = entries.into_iter().partition(|r| r.user == users);
    let data = Ratings::new(users, items, train).unwrap();
    let params = SgdParams { factors: 6, epochs: 100, lr: 0.02, reg: 0.02, seed, ..Default::default() };
    let fit = sgd::train(&data, &params).unwrap();
    let (known, hidden): (Vec<&Rating>, Vec<&Rating>) = held.iter().partition(|r| r.item % 2 == 0);
    let observations: Vec<(usize, f32)> = known.iter().map(|r| (r.item, r.value)).collect();
    let learner = fit.model.fold_in(&observations).unwrap();
    let predicted: Vec<f32> = hidden.iter().map(|r| fit.model.predict(&learner, r.item).unwrap()).collect();
    let actual: Vec<f32> = hidden.iter().map(|r| r.value).collect();
    let rho = correlation(&predicted, &actual);
    assert!(rho > 0.8, "fold-in predictions correlate {rho} with the held-out ratings (seed {seed})");
}

#[test]
fn implicit_fold_in_reproduces_the_trained_user() {
    // Two communities: users prefer items of their own half.
    let mut rng = Pcg64::seed_from_u64(5);
    let (users, items) = (60, 20);
    let mut entries = Vec::new();
    for user in 0..users {
        for item in 0..items {
            let same = (user < users / 2) == (item < items / 2);
            if rng.gen::<f32>() < if same { 0.5 } else { 0.05 } {
                entries.push(Rating { user, item, value: 1.0 });
            }
        }
    }
    let data = Ratings::new(users, items, entries).unwrap();
    let fit = als::train(&data, &AlsParams { factors: 4, iterations: 10, seed: 5, ..Default::default() }).unwrap();
    let csr = data.by_user();
    let user = 3;
    let history: Vec<(usize, f32)> = csr.cols(user).iter().zip(csr.values(user)).map(|(&i, &v)| (i, v)).collect();
    let folded = fit.model.fold_in(&history).unwrap();
    let (mut a, mut b) = (vec![0.0; items], vec![0.0; items]);
    fit.model.score_into(&folded, &mut a).unwrap();
    fit.model.score_into(&fit.user(user), &mut b).unwrap();
    let rho = correlation(&a, &b);
    assert!(rho > 0.95, "fold-in and trained scores correlate {rho} (seed 5)");
    // A new learner of the first community ranks that community's unseen items first.
    let newcomer = fit.model.fold_in(&[(0, 1.0), (1, 1.0), (2, 1.0)]).unwrap();
    fit.model.score_into(&newcomer, &mut a).unwrap();
    let mut top = Vec::new();
    let masked: Vec<f32> = a.iter().enumerate().map(|(i, &s)| if i < 3 { f32::NEG_INFINITY } else { s }).collect();
    eval::top_k_into(&masked, 5, &mut top);
    assert!(top.iter().all(|&i| i < items / 2), "top items {top:?} (seed 5)");
}

#[test]
fn empty_history_scores_by_bias_alone() {
    let params = FoldInParams {
        reg: 0.1,
        bias_reg: 0.1,
        alpha: 0.0,
        confidence: Confidence::Linear,
        rule: FoldInRule::Wayfinder,
    };
    let factors = ndarray::array![[0.3, -0.2], [0.1, 0.4]];
    let model =
        MfModel::new(MfKind::Explicit, factors, Array1::from(vec![0.5, -0.5]), 3.0, Some((1.0, 5.0)), params).unwrap();
    let learner = model.fold_in(&[]).unwrap();
    assert_eq!(learner, UserVector::zeros(2));
    let mut scores = vec![0.0; 2];
    model.score_into(&learner, &mut scores).unwrap();
    assert_eq!(scores, [3.5, 2.5]);
}

#[test]
fn bad_inputs_are_typed_errors() {
    let params = FoldInParams {
        reg: 0.1,
        bias_reg: 0.1,
        alpha: 10.0,
        confidence: Confidence::Linear,
        rule: FoldInRule::Wayfinder,
    };
    let factors = ndarray::array![[0.3, -0.2], [0.1, 0.4]];
    let model = MfModel::new(MfKind::Implicit, factors, Array1::zeros(2), 0.0, None, params).unwrap();
    assert!(matches!(model.fold_in(&[(0, f32::NAN)]), Err(Error::NonFinite { .. })));
    assert!(matches!(model.fold_in(&[(0, f32::INFINITY)]), Err(Error::NonFinite { .. })));
    assert!(matches!(model.fold_in(&[(2, 1.0)]), Err(Error::Dimension { .. })));
    assert!(matches!(model.fold_in(&[(1, -1.0)]), Err(Error::InvalidParameter { .. })));
    assert!(matches!(eval::parse_ratings("1\t2\tnan\n"), Err(Error::RatingLine { line: 1, .. })));
    assert!(matches!(
        Ratings::new(1, 1, vec![Rating { user: 0, item: 0, value: f32::NAN }]),
        Err(Error::NonFinite { .. })
    ));
    let bad = FoldInParams { reg: f32::NAN, ..params };
    let factors = ndarray::array![[1.0]];
    assert!(matches!(
        MfModel::new(MfKind::Implicit, factors, Array1::zeros(1), 0.0, None, bad),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(SgdParams { epochs: 0, ..Default::default() }.validate(), Err(Error::InvalidParameter { .. })));
    assert!(matches!(AlsParams { alpha: -1.0, ..Default::default() }.validate(), Err(Error::InvalidParameter { .. })));
}

#[test]
fn same_seed_same_model_other_seed_other_model() {
    let (entries, _, _) = synthetic_ratings(20, 15, 2, 1);
    let data = Ratings::new(20, 15, entries).unwrap();
    let sgd_with = |seed| sgd::train(&data, &SgdParams { factors: 4, epochs: 5, seed, ..Default::default() }).unwrap();
    assert_eq!(sgd_with(1).model.item_factors(), sgd_with(1).model.item_factors(), "SGD with seed 1 twice");
    assert_ne!(sgd_with(1).model.item_factors(), sgd_with(2).model.item_factors(), "SGD with seeds 1 and 2");
    let als_with =
        |seed| als::train(&data, &AlsParams { factors: 4, iterations: 3, seed, ..Default::default() }).unwrap();
    assert_eq!(als_with(1).model.item_factors(), als_with(1).model.item_factors(), "ALS with seed 1 twice");
    assert_ne!(als_with(1).model.item_factors(), als_with(2).model.item_factors(), "ALS with seeds 1 and 2");
}

// ---------------------------------------------------------------------------------------
// Bounded slices of the real data sets.

/// MovieLens's u1 split (training, test), or `None` with a message when the data is absent.
fn movielens_u1() -> Option<(Ratings, Ratings)> {
    let dir = common::data_dir("movielens100k")?;
    // u1.base and u1.test share ids, so parse them as one file and split by line count.
    let base = std::fs::read_to_string(dir.join("u1.base")).unwrap();
    let test = std::fs::read_to_string(dir.join("u1.test")).unwrap();
    let all = eval::parse_ratings(&format!("{base}{test}")).unwrap();
    let (train, held) = all.ratings.entries().split_at(base.lines().count());
    let (n_users, n_items) = (all.ratings.n_users(), all.ratings.n_items());
    Some((
        Ratings::new(n_users, n_items, train.to_vec()).unwrap(),
        Ratings::new(n_users, n_items, held.to_vec()).unwrap(),
    ))
}

#[test]
fn movielens_u1_rmse_is_below_0_95() {
    let Some((train, held)) = movielens_u1() else { return };
    let params = SgdParams { factors: 50, epochs: 25, seed: 42, ..Default::default() };
    let fit = sgd::train(&train, &params).unwrap();
    let report = eval::rating_errors(&fit, &held).unwrap();
    assert!(report.rmse < 0.95, "u1 RMSE {} with {params:?}", report.rmse);
}

/// SVD++'s implicit term lowers u1's error, both for the trained users and for the same users
/// folded in from their training ratings as a device does; plain biased MF in the same run.
#[test]
fn movielens_u1_svd_plus_plus_beats_plain_mf() {
    let Some((train, held_out)) = movielens_u1() else { return };
    let (n_users, held) = (train.n_users(), held_out.entries());
    let mut history: Vec<Vec<(usize, f32)>> = vec![Vec::new(); n_users];
    for r in train.entries() {
        history[r.user].push((r.item, r.value));
    }
    let errors = |implicit_reg: f32| {
        let params = SgdParams { implicit_reg, ..Default::default() };
        let fit = sgd::train(&train, &params).unwrap();
        let trained = eval::rating_errors(&fit, &held_out).unwrap().rmse;
        let mut folded: Vec<Option<UserVector>> = vec![None; n_users];
        let mut squares = 0.0f64;
        for r in held {
            let user = folded[r.user].get_or_insert_with(|| fit.model.fold_in(&history[r.user]).unwrap());
            squares += f64::from(fit.model.predict(user, r.item).unwrap() - r.value).powi(2);
        }
        (trained, (squares / held.len() as f64).sqrt(), fit.model.fold_in_params().rule)
    };
    let (plain, plain_folded, plain_rule) = errors(0.0);
    let (svdpp, svdpp_folded, svdpp_rule) = errors(SgdParams::default().implicit_reg);
    assert_eq!((plain_rule, svdpp_rule), (FoldInRule::Wayfinder, FoldInRule::SvdPlusPlus));
    assert!(svdpp < plain, "trained users: SVD++ {svdpp:.4} vs plain {plain:.4}");
    assert!(svdpp_folded < plain_folded, "folded in: SVD++ {svdpp_folded:.4} vs plain {plain_folded:.4}");
    assert!(svdpp_folded < 0.95, "folded in: SVD++ {svdpp_folded:.4}");
}

#[test]
fn mooccubex_als_beats_popularity_on_5000_users() {
    let Some(dir) = common::data_dir("mooccubex_kgat") else { return };
    let train = eval::kgat_lines(&std::fs::read_to_string(dir.join("train.txt")).unwrap()).unwrap();
    let test = eval::kgat_lines(&std::fs::read_to_string(dir.join("test.txt")).unwrap()).unwrap();
    let seed = 7;
    let split = eval::implicit_split(&train, &test, Some(5000), seed).unwrap();
    assert_eq!(split.train.n_users(), 5000);
    let params = AlsParams { factors: 32, iterations: 8, seed, ..Default::default() };
    let fit = als::train(&split.train, &params).unwrap();
    let als = eval::evaluate_ranking(&fit, &split.train, &split.test, 10, None).unwrap();
    let pop = eval::evaluate_ranking(&Popularity::fit(&split.train), &split.train, &split.test, 10, None).unwrap();
    assert!(als.hr > pop.hr * 2.0 && als.hr > 0.15, "HR@10 ALS {} vs popularity {} (seed {seed})", als.hr, pop.hr);
    assert!(als.ndcg > pop.ndcg, "NDCG@10 ALS {} vs popularity {} (seed {seed})", als.ndcg, pop.ndcg);
    // The default row solver (warm-started conjugate gradients) ranks as well as exact solves.
    assert!(matches!(params.solver, AlsSolver::ConjugateGradient { .. }));
    let exact = als::train(&split.train, &AlsParams { solver: AlsSolver::Cholesky, ..params }).unwrap();
    let exact = eval::evaluate_ranking(&exact, &split.train, &split.test, 10, None).unwrap();
    assert!((als.hr - exact.hr).abs() < 0.02, "HR@10 with CG {} vs Cholesky {} (seed {seed})", als.hr, exact.hr);
}
