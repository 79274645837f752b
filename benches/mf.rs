//! Matrix factorization on the device and offline.
//!
//! Criterion measures fold-in of a learner with 20 courses against 3,366 items × 64 factors
//! (implicit and explicit), and scoring every item for that learner; the factors are seeded
//! random numbers, so runs compare. Under `cargo bench` (which passes `--bench`), when the
//! data folder exists and `WAYFINDER_BENCH_FULL` is not `0`, it then runs the full-size
//! evaluations once and prints their figures: MovieLens 100k 5-fold RMSE, MAE and fit time,
//! and MOOCCubeX leave-one-out HR@10, NDCG@10 and fit time against popularity.

use std::path::PathBuf;
use std::time::Instant;

use criterion::{black_box, criterion_group, Criterion};
use ndarray::{Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;
use wayfinder::eval::{self, Popularity};
use wayfinder::mf::{als, sgd, Confidence, FoldInParams, FoldInRule, MfKind, MfModel};

const ITEMS: usize = 3366;
const FACTORS: usize = 64;

fn synthetic_model(kind: MfKind, seed: u64) -> MfModel {
    let mut rng = Pcg64::seed_from_u64(seed);
    let factors = Array2::from_shape_simple_fn((ITEMS, FACTORS), || rng.gen_range(-0.2f32..0.2));
    let bias = Array1::from_shape_simple_fn(ITEMS, || rng.gen_range(-0.5f32..0.5));
    let params = FoldInParams {
        reg: 0.1,
        bias_reg: 0.02,
        alpha: 20.0,
        confidence: Confidence::Linear,
        rule: FoldInRule::Wayfinder,
    };
    MfModel::new(kind, factors, bias, 3.5, Some((1.0, 5.0)), params).expect("synthetic factors are finite")
}

fn learner(seed: u64) -> Vec<(usize, f32)> {
    let mut rng = Pcg64::seed_from_u64(seed);
    (0..20).map(|_| (rng.gen_range(0..ITEMS), rng.gen_range(1..=5) as f32)).collect()
}

fn device(c: &mut Criterion) {
    let implicit = synthetic_model(MfKind::Implicit, 1);
    let explicit = synthetic_model(MfKind::Explicit, 1);
    let history = learner(2);
    let completions: Vec<(usize, f32)> = history.iter().map(|&(i, _)| (i, 1.0)).collect();
    let mut group = c.benchmark_group("fold_in_20_courses_3366x64");
    group.bench_function("implicit", |b| b.iter(|| implicit.fold_in(black_box(&completions)).unwrap()));
    group.bench_function("explicit", |b| b.iter(|| explicit.fold_in(black_box(&history)).unwrap()));
    group.finish();
    let user = implicit.fold_in(&completions).unwrap();
    let mut scores = vec![0.0; ITEMS];
    c.bench_function("score_into_3366x64", |b| b.iter(|| implicit.score_into(black_box(&user), &mut scores).unwrap()));
}

criterion_group!(benches, device);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    let full = std::env::var("WAYFINDER_BENCH_FULL").map_or(true, |v| v != "0");
    if full && std::env::args().any(|a| a == "--bench") {
        full_size();
    }
}

fn data_root() -> PathBuf {
    std::env::var_os("WAYFINDER_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"))
}

/// The same runs as `wayfinder eval ratings` and `wayfinder eval ranking` with their defaults.
fn full_size() {
    let root = data_root();
    let movielens = root.join("movielens100k/u.data");
    match std::fs::read_to_string(&movielens) {
        Ok(text) => movielens_5_fold(&text),
        Err(e) => eprintln!("skipping MovieLens: {}: {e}", movielens.display()),
    }
    let (train, test) = (root.join("mooccubex_kgat/train.txt"), root.join("mooccubex_kgat/test.txt"));
    match (std::fs::read_to_string(&train), std::fs::read_to_string(&test)) {
        (Ok(train), Ok(test)) => mooccubex_ranking(&train, &test),
        _ => eprintln!("skipping MOOCCubeX: {} or {} missing", train.display(), test.display()),
    }
}

fn movielens_5_fold(text: &str) {
    let data = eval::parse_ratings(text).expect("u.data parses");
    let params = sgd::SgdParams::default();
    let (mut rmse, mut mae, mut seconds) = (0.0, 0.0, 0.0);
    let folds = eval::kfold(&data.ratings, 5, 42).expect("100k ratings split into 5 folds");
    for split in &folds {
        let start = Instant::now();
        let fit = sgd::train(&split.train, &params).expect("SGD trains");
        seconds += start.elapsed().as_secs_f64();
        let report = eval::rating_errors(&fit, &split.test).expect("test ratings are in range");
        rmse += report.rmse;
        mae += report.mae;
    }
    let n = folds.len() as f64;
    println!(
        "full-size MovieLens 100k, 5-fold, biased MF ({} factors, {} epochs): RMSE {:.4}  MAE {:.4}  fit {:.3} s per fold",
        params.factors,
        params.epochs,
        rmse / n,
        mae / n,
        seconds / n
    );
}

fn mooccubex_ranking(train: &str, test: &str) {
    let (train, test) =
        (eval::kgat_lines(train).expect("train.txt parses"), eval::kgat_lines(test).expect("test.txt parses"));
    let split = eval::implicit_split(&train, &test, None, 42).expect("MOOCCubeX has training pairs");
    let params = als::AlsParams::default();
    let start = Instant::now();
    let fit = als::train(&split.train, &params).expect("ALS trains");
    let fit_seconds = start.elapsed().as_secs_f64();
    let report = eval::evaluate_ranking(&fit, &split.train, &split.test, 10, None).expect("ranking evaluates");
    let popular = eval::evaluate_ranking(&Popularity::fit(&split.train), &split.train, &split.test, 10, None)
        .expect("ranking evaluates");
    println!(
        "full-size MOOCCubeX leave-one-out, {} users × {} items, ALS ({} factors, {} iterations): HR@10 {:.4}  NDCG@10 {:.4}  fit {:.1} s;  popularity HR@10 {:.4}  NDCG@10 {:.4}",
        split.train.n_users(),
        split.train.n_items(),
        params.factors,
        params.iterations,
        report.hr,
        report.ndcg,
        fit_seconds,
        popular.hr,
        popular.ndcg
    );
}
