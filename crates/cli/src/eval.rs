//! `wayfinder eval ratings|ranking`: reads the files, calls the core's splits, trainers and
//! metrics, times the fits, and prints a table or one JSON object.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::files;
use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;
use wayfinder::eval::{self, BlockScorer, Popularity, RankingReport, RatingReport};
use wayfinder::mf::als::{self, AlsParams, AlsSolver};
use wayfinder::mf::sgd::{self, SgdParams};
use wayfinder::mf::{Confidence, FoldInRule};
use wayfinder::pipeline::{self, EvalParams, Histories, Protocol, TuneParams};

#[derive(Subcommand)]
pub enum EvalCommand {
    /// Rating prediction: seeded k-fold RMSE and MAE of biased MF trained by SGD.
    Ratings(RatingsArgs),
    /// Top-k ranking over all items: implicit ALS against a popularity baseline.
    Ranking(RankingArgs),
    /// The whole ranking the browser runs (tuned hybrid, MMR, readiness) on held-out
    /// learners, beside each of its parts, popularity, item-kNN and EASE.
    Recommend(RecommendArgs),
    /// Prerequisite inference: the catalog's listed prerequisites hidden and recovered from
    /// the course text (skills from the taxonomy or the built-in vocabulary), scored against
    /// the lists beside a TF-IDF baseline; and how often the ranking then sends a learner to
    /// a course whose real prerequisites they lack, beside a lowest-numbered-course anchor.
    Prerequisites(PrerequisitesArgs),
}

#[derive(Args)]
pub struct PrerequisitesArgs {
    /// Wayfinder catalog JSON whose listed prerequisites are the answers.
    #[arg(long)]
    catalog: PathBuf,
    /// Skill taxonomy JSON (else the built-in vocabulary).
    #[arg(long)]
    taxonomy: Option<PathBuf>,
    /// The directory holding model.onnx and tokenizer.json.
    #[arg(long)]
    model: PathBuf,
    /// Keep unknown prerequisite ids (marked) instead of failing.
    #[arg(long)]
    lenient: bool,
    #[arg(long, default_value_t = 10)]
    k: usize,
    /// At most this many learners (one per subject) in the safety count.
    #[arg(long, default_value_t = 60)]
    max_learners: usize,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum ProtocolArg {
    /// One course per learner, drawn with the seed.
    LeaveOneOut,
    /// Each learner's latest course (needs timestamps).
    Temporal,
}

#[derive(Args)]
pub struct RecommendArgs {
    /// The catalog JSON.
    #[arg(long)]
    catalog: PathBuf,
    /// Enrolments: CSV `user,course[,rating][,timestamp]`, or kgat with --format kgat.
    #[arg(long)]
    interactions: PathBuf,
    #[arg(long, value_enum, default_value = "csv")]
    format: crate::build::Format,
    /// Skill taxonomy JSON (infers skills for courses that list none, as `build` does).
    #[arg(long)]
    taxonomy: Option<PathBuf>,
    /// The directory holding model.onnx and tokenizer.json (course embeddings).
    #[arg(long)]
    model: PathBuf,
    #[arg(short, long, default_value_t = 10)]
    k: usize,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    #[arg(long, value_enum, default_value = "leave-one-out")]
    protocol: ProtocolArg,
    /// Test learners, a seeded sample (all when absent).
    #[arg(long)]
    max_users: Option<usize>,
    /// Validation learners the tuning samples.
    #[arg(long, default_value_t = TuneParams::default().max_users)]
    tune_users: usize,
    /// Drop prerequisites naming unknown courses (and report them) instead of failing.
    #[arg(long)]
    lenient: bool,
    /// Neighbour weights kept per course, on average, by the item-neighbour model the bundle would ship,
    /// before tuning tries twice and four times as many.
    #[arg(long, default_value_t = TuneParams::default().per_course)]
    neighbours: usize,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct RatingsArgs {
    /// `user<TAB or comma>item<sep>rating[<sep>timestamp]` lines (e.g. MovieLens u.data).
    #[arg(long)]
    ratings: PathBuf,
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// Seeds the split and the model's initial factors.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
    #[arg(long, default_value_t = SgdParams::default().factors)]
    factors: usize,
    #[arg(long, default_value_t = SgdParams::default().epochs)]
    epochs: usize,
    #[arg(long, default_value_t = SgdParams::default().lr)]
    lr: f32,
    /// Learning-rate multiplier applied after each epoch.
    #[arg(long, default_value_t = SgdParams::default().lr_decay)]
    lr_decay: f32,
    #[arg(long, default_value_t = SgdParams::default().reg)]
    reg: f32,
    #[arg(long, default_value_t = SgdParams::default().bias_reg)]
    bias_reg: f32,
    #[arg(long, default_value_t = SgdParams::default().init_std)]
    init_std: f32,
    /// Penalty on SVD++'s implicit factors; 0 trains plain biased MF.
    #[arg(long, default_value_t = SgdParams::default().implicit_reg)]
    implicit_reg: f32,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// `user item item ...` per line, white-space-separated integer ids.
    Kgat,
}

#[derive(Clone, Copy, ValueEnum)]
enum ConfidenceCurve {
    /// c = 1 + alpha * count
    Linear,
    /// c = 1 + alpha * ln(1 + count / eps)
    Log,
}

/// How ALS's ridge grows with a row's observations.
#[derive(Clone, Copy, ValueEnum)]
enum RegScaling {
    /// λ on every row.
    Constant,
    /// λ times the row's count (ALS-WR, as Spark MLlib).
    Count,
}

#[derive(Clone, Copy, ValueEnum)]
enum RowSolver {
    Cholesky,
    Cg,
}

#[derive(Args)]
pub struct RankingArgs {
    #[arg(long)]
    train: PathBuf,
    /// Held-out items per user (leave-one-out in the KGAT files).
    #[arg(long)]
    test: PathBuf,
    #[arg(long, value_enum)]
    format: Format,
    /// Length of each user's top-k list.
    #[arg(long, default_value_t = 10)]
    k: usize,
    #[arg(long)]
    json: bool,
    #[arg(long, default_value_t = AlsParams::default().factors)]
    factors: usize,
    #[arg(long, default_value_t = AlsParams::default().iterations)]
    iterations: usize,
    #[arg(long, default_value_t = AlsParams::default().reg)]
    reg: f32,
    #[arg(long, default_value_t = AlsParams::default().alpha)]
    alpha: f32,
    #[arg(long, value_enum, default_value_t = ConfidenceCurve::Linear)]
    confidence: ConfidenceCurve,
    /// The `eps` of the log confidence curve.
    #[arg(long, default_value_t = 1.0)]
    eps: f32,
    /// Seeds the model's initial factors and the user sample.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Training threads (0: every core). The model is the same for any number.
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// How ALS solves each row: exactly (cholesky) or by a few warm-started
    /// conjugate-gradient steps (cg).
    #[arg(long, value_enum, default_value_t = RowSolver::Cg)]
    solver: RowSolver,
    /// `count` (the default, with `--reg` per observation) or `constant`.
    #[arg(long, value_enum, default_value_t = RegScaling::Count)]
    reg_scaling: RegScaling,
    /// Conjugate-gradient steps per row and sweep (with `--solver cg`).
    #[arg(long, default_value_t = 3)]
    cg_steps: usize,
    /// Keep a seeded sample of this many users (and their items), for bounded runs.
    #[arg(long)]
    max_users: Option<usize>,
    /// Evaluate item factors trained elsewhere (pipeline/spark/train_als.py's output) instead
    /// of training: each learner is folded in from their training items by the factors' own
    /// rule, as the browser does. Course ids in the factors are the kgat item numbers.
    #[arg(long)]
    item_factors: Option<PathBuf>,
}

pub fn run(cmd: EvalCommand) -> Result<()> {
    match cmd {
        EvalCommand::Ratings(args) => ratings(args),
        EvalCommand::Ranking(args) => ranking(args),
        EvalCommand::Recommend(args) => recommend(args),
        EvalCommand::Prerequisites(args) => prerequisites(args),
    }
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

fn ratings(args: RatingsArgs) -> Result<()> {
    let params = SgdParams {
        factors: args.factors,
        epochs: args.epochs,
        lr: args.lr,
        lr_decay: args.lr_decay,
        reg: args.reg,
        bias_reg: args.bias_reg,
        init_std: args.init_std,
        implicit_reg: args.implicit_reg,
        seed: args.seed,
    };
    params.validate()?;
    let text = read(&args.ratings)?;
    let data = eval::parse_ratings(&text).with_context(|| format!("parsing {}", args.ratings.display()))?;
    let mut folds: Vec<(RatingReport, f64)> = Vec::with_capacity(args.folds);
    for (f, split) in eval::kfold(&data.ratings, args.folds, args.seed)?.into_iter().enumerate() {
        let start = Instant::now();
        let fit = sgd::train(&split.train, &params).with_context(|| format!("training fold {}", f + 1))?;
        let seconds = start.elapsed().as_secs_f64();
        folds.push((eval::rating_errors(&fit, &split.test)?, seconds));
    }
    let mean = |g: fn(&(RatingReport, f64)) -> f64| folds.iter().map(g).sum::<f64>() / folds.len() as f64;
    let (rmse, mae, fit_seconds) = (mean(|f| f.0.rmse), mean(|f| f.0.mae), mean(|f| f.1));
    let model_name = if params.implicit_reg > 0.0 { "SVD++ (SGD)" } else { "biased MF (SGD)" };
    if args.json {
        let per_fold: Vec<_> = folds
            .iter()
            .map(|(r, s)| json!({"rmse": r.rmse, "mae": r.mae, "fit_seconds": s, "test_ratings": r.n}))
            .collect();
        let out = json!({
            "task": "ratings",
            "file": args.ratings.display().to_string(),
            "ratings": data.ratings.len(),
            "users": data.ratings.n_users(),
            "items": data.ratings.n_items(),
            "model": model_name,
            "folds": args.folds,
            "seed": args.seed,
            "params": params_json(&params),
            "rmse": rmse,
            "mae": mae,
            "fit_seconds": fit_seconds,
            "per_fold": per_fold,
        });
        println!("{out}");
        return Ok(());
    }
    println!(
        "{}: {} ratings, {} users, {} items; {model_name}, {} factors, {} epochs; {}-fold, seed {}",
        args.ratings.display(),
        data.ratings.len(),
        data.ratings.n_users(),
        data.ratings.n_items(),
        params.factors,
        params.epochs,
        args.folds,
        args.seed
    );
    println!("{:>6} {:>8} {:>8} {:>9}", "fold", "RMSE", "MAE", "fit (s)");
    for (f, (r, s)) in folds.iter().enumerate() {
        println!("{:>6} {:>8.4} {:>8.4} {:>9.3}", f + 1, r.rmse, r.mae, s);
    }
    println!("{:>6} {:>8.4} {:>8.4} {:>9.3}", "mean", rmse, mae, fit_seconds);
    Ok(())
}

fn ranking(args: RankingArgs) -> Result<()> {
    let Format::Kgat = args.format;
    let confidence = match args.confidence {
        ConfidenceCurve::Linear => Confidence::Linear,
        ConfidenceCurve::Log => Confidence::Log { eps: args.eps },
    };
    let params = AlsParams {
        factors: args.factors,
        iterations: args.iterations,
        reg: args.reg,
        alpha: args.alpha,
        confidence,
        seed: args.seed,
        threads: args.threads,
        solver: match args.solver {
            RowSolver::Cholesky => AlsSolver::Cholesky,
            RowSolver::Cg => AlsSolver::ConjugateGradient { steps: args.cg_steps },
        },
        rule: match args.reg_scaling {
            RegScaling::Constant => FoldInRule::Wayfinder,
            RegScaling::Count => FoldInRule::CountScaled,
        },
        ..AlsParams::default()
    };
    params.validate()?;
    let parse = |path: &Path| -> Result<Vec<eval::KgatLine>> {
        eval::kgat_lines(&read(path)?).with_context(|| format!("parsing {}", path.display()))
    };
    let (train_lines, test_lines) = (parse(&args.train)?, parse(&args.test)?);
    let split = eval::implicit_split(&train_lines, &test_lines, args.max_users, args.seed)?;

    let start = Instant::now();
    // For factors trained elsewhere, the fit time is the trainer's own (folding every learner
    // in is not a fit).
    let (fit, model_name, params_value, fit_seconds) = match &args.item_factors {
        None => {
            let fit = als::train(&split.train, &params).context("training ALS")?;
            (fit, "implicit ALS".to_string(), params_json(&params), start.elapsed().as_secs_f64())
        }
        Some(dir) => {
            let exchange = files::exchange(dir)?;
            let row: HashMap<String, usize> =
                split.item_ids[..split.train.n_items()].iter().enumerate().map(|(r, id)| (id.to_string(), r)).collect();
            // Items only the factors know are not in the training split; they cannot be ranked.
            let (model, ..) = exchange
                .align(split.train.n_items(), |id| row.get(id).copied(), true)
                .with_context(|| format!("item factors {}", dir.display()))?;
            let name = format!("item factors ({})", exchange.meta.trainer);
            let fit = eval::folded_in(model, &split.train)?;
            (fit, name, serde_json::to_value(&exchange.meta)?, exchange.meta.fit_seconds.unwrap_or(f64::NAN))
        }
    };
    let (als_report, als_eval_seconds) = timed_ranking(&fit, &split, args.k)?;

    let start = Instant::now();
    let popularity = Popularity::fit(&split.train);
    let pop_fit_seconds = start.elapsed().as_secs_f64();
    let (pop_report, pop_eval_seconds) = timed_ranking(&popularity, &split, args.k)?;

    if args.json {
        let out = json!({
            "task": "ranking",
            "train": args.train.display().to_string(),
            "test": args.test.display().to_string(),
            "users": split.train.n_users(),
            "items": split.train.n_items(),
            "train_pairs": split.train.len(),
            "test_pairs": split.test.len(),
            "duplicates_dropped": split.duplicates_dropped,
            "unseen_test_items": split.unseen_test_items,
            "max_users": args.max_users,
            "seed": args.seed,
            "model": model_name,
            "params": params_value,
            "k": args.k,
            "evaluated_users": als_report.users,
            "fit_seconds": fit_seconds,
            "eval_seconds": als_eval_seconds,
            "hr": als_report.hr,
            "ndcg": als_report.ndcg,
            "precision": als_report.precision,
            "recall": als_report.recall,
            "map": als_report.map,
            "coverage": als_report.coverage,
            "popularity": metrics_json(&pop_report, pop_fit_seconds, pop_eval_seconds),
        });
        println!("{out}");
        return Ok(());
    }
    println!(
        "{} / {}: {} users, {} items, {} training pairs ({} repeats dropped), {} test pairs ({} with unseen items)",
        args.train.display(),
        args.test.display(),
        split.train.n_users(),
        split.train.n_items(),
        split.train.len(),
        split.duplicates_dropped,
        split.test.len(),
        split.unseen_test_items
    );
    let k = args.k;
    println!(
        "{:<12} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9} {:>9}",
        "model",
        format!("HR@{k}"),
        format!("NDCG@{k}"),
        format!("P@{k}"),
        format!("R@{k}"),
        format!("MAP@{k}"),
        "coverage",
        "fit (s)",
        "eval (s)"
    );
    let row = |name: &str, r: &RankingReport, fit: f64, eval: f64| {
        println!(
            "{name:<12} {:>8.4} {:>8.4} {:>8.4} {:>8.4} {:>8.4} {:>9.4} {:>9.2} {:>9.2}",
            r.hr, r.ndcg, r.precision, r.recall, r.map, r.coverage, fit, eval
        );
    };
    row(&model_name, &als_report, fit_seconds, als_eval_seconds);
    row("popularity", &pop_report, pop_fit_seconds, pop_eval_seconds);
    Ok(())
}

fn timed_ranking(scorer: &dyn BlockScorer, split: &eval::ImplicitSplit, k: usize) -> Result<(RankingReport, f64)> {
    let start = Instant::now();
    let report = eval::evaluate_ranking(scorer, &split.train, &split.test, k, None)?;
    Ok((report, start.elapsed().as_secs_f64()))
}

/// Training parameters as JSON, each `f32` written as its shortest decimal (0.02, not the
/// 0.0199999995 its widening to `f64` would print).
fn params_json(params: &impl serde::Serialize) -> serde_json::Value {
    fn tidy(value: serde_json::Value) -> serde_json::Value {
        match value {
            serde_json::Value::Number(n) if n.is_f64() => {
                let x = n.as_f64().unwrap_or(f64::NAN);
                json!((x as f32).to_string().parse::<f64>().unwrap_or(x))
            }
            serde_json::Value::Object(fields) => fields.into_iter().map(|(k, v)| (k, tidy(v))).collect(),
            other => other,
        }
    }
    tidy(serde_json::to_value(params).unwrap_or_default())
}

fn metrics_json(r: &RankingReport, fit_seconds: f64, eval_seconds: f64) -> serde_json::Value {
    json!({
        "hr": r.hr,
        "ndcg": r.ndcg,
        "precision": r.precision,
        "recall": r.recall,
        "map": r.map,
        "coverage": r.coverage,
        "fit_seconds": fit_seconds,
        "eval_seconds": eval_seconds,
    })
}

fn prerequisites(args: PrerequisitesArgs) -> Result<()> {
    let started = Instant::now();
    let strictness =
        if args.lenient { wayfinder::catalog::Strictness::Lenient } else { wayfinder::catalog::Strictness::Strict };
    let bytes = crate::files::read(&args.catalog)?;
    let (listed, _) = wayfinder::catalog::Catalog::from_json(&bytes, strictness)
        .with_context(|| format!("catalog {}", args.catalog.display()))?;
    let truth = pipeline::listed_edges(&listed);
    let site = crate::build::Site::from_catalog(
        pipeline::hide_prerequisites(&listed)?,
        args.taxonomy.as_deref(),
        &args.model,
        true,
    )?;
    let graph = wayfinder::graph::PrereqGraph::new(&site.catalog, wayfinder::graph::GraphOptions::default());
    let predicted = pipeline::inferred_edges(&graph);
    let ours = pipeline::edge_scores(&predicted, &truth, |_| true);
    let (baseline, threshold) = pipeline::tfidf_baseline(&listed, &truth, |_| true);
    // The related-course model was fit on the even-indexed half of UIUC's subjects: its
    // honest figure on UIUC is the other half.
    let held = pipeline::held_out_subjects(&listed);
    let ours_held = pipeline::edge_scores(&predicted, &truth, |c| held[c]);
    let (baseline_held, threshold_held) = pipeline::tfidf_baseline(&listed, &truth, |c| held[c]);
    let engine = wayfinder::engine::Engine::new(site.recommender()?, wayfinder::rank::RankDefaults::fallback())?;
    let (safety, anchor) = pipeline::prerequisite_safety(&engine, &listed, args.k, args.max_learners, args.seed)?;
    let courses_with_skills = site.catalog.courses().iter().filter(|c| !c.teaches.is_empty()).count();
    let out = json!({
        "catalog": args.catalog.display().to_string(),
        "courses": listed.len(),
        "courses_with_skills": courses_with_skills,
        "inferred": ours,
        "tfidf_baseline": baseline,
        "tfidf_threshold": threshold,
        "held_out_subjects": { "inferred": ours_held, "tfidf_baseline": baseline_held, "tfidf_threshold": threshold_held },
        "safety": safety,
        "anchor": anchor,
        "k": args.k,
        "seed": args.seed,
        "seconds": started.elapsed().as_secs_f64(),
    });
    if args.json {
        println!("{out}");
        return Ok(());
    }
    println!(
        "{}: {} courses, {} with skills, {} listed prerequisite edges",
        args.catalog.display(),
        listed.len(),
        courses_with_skills,
        truth.len()
    );
    println!("{:<24} {:>9} {:>9} {:>9} {:>9}", "edges", "predicted", "precision", "recall", "F1");
    for (name, s) in [
        ("inferred", ours),
        ("tf-idf baseline", baseline),
        ("inferred, held-out half", ours_held),
        ("tf-idf, held-out half", baseline_held),
    ] {
        println!("{name:<24} {:>9} {:>9.3} {:>9.3} {:>9.3}", s.predicted, s.precision, s.recall, s.f1);
    }
    println!("(the baseline's threshold, {threshold:.3} and {threshold_held:.3} on the held-out half, was chosen on the answers)");
    for (name, s) in [("wayfinder", safety), ("anchor", anchor)] {
        println!(
            "{name:<10} {} learners: {} of {} recommended courses lack their real prerequisites ({:.3})",
            s.learners, s.unready, s.recommended, s.rate
        );
    }
    Ok(())
}

fn recommend(args: RecommendArgs) -> Result<()> {
    let started = Instant::now();
    let site = crate::build::Site::load(&args.catalog, args.taxonomy.as_deref(), &args.model, args.lenient, true)?;
    let interactions = site.interactions(&args.interactions, args.format, args.lenient)?;
    let histories = Histories::from_interactions(&interactions, site.catalog.len());
    let base = site.recommender()?;
    let params = EvalParams {
        protocol: match args.protocol {
            ProtocolArg::LeaveOneOut => Protocol::LeaveOneOut,
            ProtocolArg::Temporal => Protocol::Temporal,
        },
        max_users: args.max_users,
        tune: TuneParams {
            k: args.k,
            seed: args.seed,
            max_users: args.tune_users,
            per_course: args.neighbours,
            ..TuneParams::default()
        },
    };
    let report = pipeline::evaluate(&base, &histories, &params).context("evaluating the ranking")?;
    if args.json {
        let mut out = serde_json::to_value(&report)?;
        // Each ranking's metrics also at the top level, by name.
        for (name, m) in &report.rankings {
            out[name] = serde_json::to_value(m)?;
        }
        out["catalog"] = json!(args.catalog.display().to_string());
        out["interactions"] = json!(args.interactions.display().to_string());
        out["seconds"] = json!(started.elapsed().as_secs_f64());
        println!("{out}");
        return Ok(());
    }
    println!(
        "{}: {} learners, {} test learners ({:?}, seed {}); defaults {}",
        args.interactions.display(),
        report.learners,
        report.test_users,
        report.protocol,
        report.seed,
        serde_json::to_string(&report.tuned.defaults)?
    );
    if let Some(why) = &report.tuned.fallback {
        println!("fallback defaults: {why}");
    }
    let k = report.k;
    println!(
        "{:<14} {:>8} {:>8} {:>8} {:>9} {:>10} {:>10} {:>18}",
        "ranking",
        format!("HR@{k}"),
        format!("NDCG@{k}"),
        format!("MAP@{k}"),
        "coverage",
        "violation",
        "diversity",
        "hybrid ahead (se)"
    );
    for (name, m) in &report.rankings {
        let gain = report.hybrid_gain.get(name).map_or(String::new(), |g| format!("{:+.4} ({:.4})", g.hr, g.se));
        println!(
            "{name:<14} {:>8.4} {:>8.4} {:>8.4} {:>9.4} {:>10.4} {:>10.4} {gain:>18}",
            m.hr, m.ndcg, m.map, m.coverage, m.violation_rate, m.intra_list_diversity
        );
    }
    Ok(())
}
