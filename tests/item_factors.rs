//! Item factors trained elsewhere (`pipeline/spark/`): the exchange format's checks on
//! hand-made files, Spark's fold-in rule against its closed form, the minimum cohort, and,
//! when `scripts/test-spark.sh` has run (`WAYFINDER_SPARK_OUT`), Spark MLlib's own user
//! factors reproduced by fold-in on real enrolments.

use std::collections::HashMap;
use std::path::PathBuf;

use ndarray::{Array1, Array2};
use safetensors::tensor::{Dtype, TensorView};
use wayfinder::bundle::{sha256_hex, Bundle};
use wayfinder::catalog::{Catalog, Course, Strictness};
use wayfinder::error::Error;
use wayfinder::mf::{Confidence, FoldInParams, FoldInRule, MfKind, MfModel};
use wayfinder::neighbours::Neighbours;
use wayfinder::pipeline::factors::{self, Exchange, ExchangeFiles};
use wayfinder::pipeline::privacy::apply_min_cohort;

mod common;

fn catalog(ids: &[&str]) -> Catalog {
    let courses =
        ids.iter().map(|id| Course { id: id.to_string(), title: format!("Course {id}"), ..Course::default() });
    Catalog::new(courses.collect(), Strictness::Strict).unwrap().0
}

/// The three exchange files for `courses` (id, learners) and their `rank`-wide factor rows.
struct Files {
    meta: Vec<u8>,
    courses: Vec<u8>,
    factors: Vec<u8>,
}

impl Files {
    fn new(courses: &[(&str, usize)], values: &[f32], rank: usize, implicit: bool) -> Files {
        let mut csv = String::from("row,course,learners\n");
        for (row, (course, learners)) in courses.iter().enumerate() {
            csv.push_str(&format!("{row},{course},{learners}\n"));
        }
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        let view = TensorView::new(Dtype::F32, vec![values.len() / rank, rank], &bytes).unwrap();
        let tensors = safetensors::serialize([("item_factors", view)], None).unwrap();
        let mut files = Files { meta: Vec::new(), courses: csv.into_bytes(), factors: tensors };
        files.meta = files.meta_json(rank, implicit).to_string().into_bytes();
        files
    }

    fn meta_json(&self, rank: usize, implicit: bool) -> serde_json::Value {
        let entry = |b: &[u8]| serde_json::json!({"sha256": sha256_hex(b), "bytes": b.len()});
        serde_json::json!({
            "format": "wayfinder-item-factors", "version": 1, "trainer": "spark-mllib-als",
            "implicit_prefs": implicit, "rank": rank, "reg_param": 0.1, "alpha": 5.0, "max_iter": 10,
            "seed": 42, "nonnegative": false, "reg_scaling": "count", "min_cohort": 1,
            "learners": 30, "interactions": 60,
            "files": {"courses.csv": entry(&self.courses), "item_factors.safetensors": entry(&self.factors)},
        })
    }

    /// Rewrites `als.json` after the other files changed, as a trainer would.
    fn resealed(mut self, rank: usize, implicit: bool) -> Files {
        self.meta = self.meta_json(rank, implicit).to_string().into_bytes();
        self
    }

    fn files(&self) -> ExchangeFiles<'_> {
        ExchangeFiles { meta: &self.meta, courses: &self.courses, factors: &self.factors }
    }
}

fn reason(e: Error) -> String {
    match e {
        Error::ItemFactors { file, reason } => format!("{file}: {reason}"),
        other => panic!("expected an item-factors error, got {other:?}"),
    }
}

const IDS: [&str; 4] = ["A 100", "A 200", "B 100", "B 200"];

fn four(rank: usize) -> Vec<f32> {
    (0..4 * rank).map(|t| ((t * 7 % 11) as f32 - 5.0) / 10.0).collect()
}

#[test]
fn factors_align_to_the_catalog_by_id_and_uncovered_courses_get_zero_rows() {
    // The trainer's rows are in another order than the catalog and cover three of its five.
    let rank = 3;
    let values = four(rank);
    let files = Files::new(&[("B 100", 12), ("A 100", 40), ("A 200", 25), ("B 200", 3)], &values, rank, true);
    let cat = catalog(&["A 100", "A 200", "B 100", "B 200", "C 100"]);
    let imported = factors::import(&cat, files.files(), false).unwrap();
    let m = &imported.model;
    assert_eq!((m.n_items(), m.n_factors(), m.kind()), (5, rank, MfKind::Implicit));
    assert_eq!(m.item_factors().row(cat.ix("B 100").unwrap()).to_vec(), values[0..3].to_vec());
    assert_eq!(m.item_factors().row(cat.ix("A 100").unwrap()).to_vec(), values[3..6].to_vec());
    assert!(m.item_factors().row(cat.ix("C 100").unwrap()).iter().all(|&x| x == 0.0));
    assert_eq!(imported.learners, vec![40, 25, 12, 3, 0]);
    assert_eq!(imported.uncovered, vec!["C 100".to_string()]);
    assert_eq!(m.fold_in_params().rule, FoldInRule::CountScaled);
    assert_eq!(imported.info.fold_in_rule, FoldInRule::CountScaled);
}

#[test]
fn bad_exchange_files_are_errors_that_name_the_file_and_the_course() {
    let rank = 2;
    let good = || Files::new(&[("A 100", 10), ("A 200", 10), ("B 100", 10), ("B 200", 10)], &four(rank), rank, true);
    let cat = catalog(&IDS);
    let fails = |files: Files| reason(factors::import(&cat, files.files(), false).unwrap_err());

    // A course the catalog does not hold, named; lenient skips it and says which.
    let retired = Files::new(&[("A 100", 10), ("Z 999", 10), ("B 100", 10), ("B 200", 10)], &four(rank), rank, true);
    let e = fails(Files { ..retired });
    assert!(e.starts_with("courses.csv") && e.contains("\"Z 999\""), "{e}");
    let retired = Files::new(&[("A 100", 10), ("Z 999", 10), ("B 100", 10), ("B 200", 10)], &four(rank), rank, true);
    assert_eq!(factors::import(&cat, retired.files(), true).unwrap().unknown, vec!["Z 999".to_string()]);

    // A width other than the rank.
    let mut f = good();
    f.meta = f.meta_json(3, true).to_string().into_bytes();
    let e = fails(f);
    assert!(e.contains("2 columns") && e.contains("rank 3"), "{e}");

    // A NaN, named by course.
    let mut values = four(rank);
    values[5] = f32::NAN;
    let e = fails(Files::new(&[("A 100", 10), ("A 200", 10), ("B 100", 10), ("B 200", 10)], &values, rank, true));
    assert!(e.contains("\"B 100\"") && e.contains("NaN"), "{e}");

    // A mapping shorter than the tensor, and one out of order.
    let mut f = good();
    f.courses = b"row,course,learners\n0,A 100,10\n1,A 200,10\n2,B 100,10\n".to_vec();
    let e = fails(f.resealed(rank, true));
    assert!(e.contains("rows the mapping does not name, from row 3"), "{e}");
    let mut f = good();
    f.courses = b"row,course,learners\n0,A 100,10\n2,A 200,10\n1,B 100,10\n3,B 200,10\n".to_vec();
    let e = fails(f.resealed(rank, true));
    assert!(e.contains("line 3") && e.contains("out of order"), "{e}");
    let mut f = good();
    f.courses = b"row,course,learners\n0,A 100,10\n1,A 100,10\n2,B 100,10\n3,B 200,10\n".to_vec();
    assert!(fails(f.resealed(rank, true)).contains("\"A 100\" is also row 0"));

    // A file changed after als.json was written.
    let mut f = good();
    f.courses = b"row,course,learners\n0,A 100,10\n1,A 200,10\n2,B 100,10\n3,B 200,11\n".to_vec();
    let e = fails(f);
    assert!(e.starts_with("courses.csv") && e.contains("sha256"), "{e}");

    // Fields fold-in cannot honour.
    for (field, value, says) in [
        ("nonnegative", serde_json::json!(true), "NNLS"),
        ("reg_scaling", serde_json::json!("sqrt"), "neither"),
        ("version", serde_json::json!(2), "version 2"),
        ("reg_param", serde_json::json!(0.0), "reg_param"),
    ] {
        let mut f = good();
        let mut meta = f.meta_json(rank, true);
        meta[field] = value;
        f.meta = meta.to_string().into_bytes();
        let e = fails(f);
        assert!(e.starts_with("als.json") && e.contains(says), "{field}: {e}");
    }
}

/// `(A + λ n I) x = b` solved in f64 by Gaussian elimination, the check's own arithmetic.
fn solve(mut a: Vec<f64>, mut b: Vec<f64>) -> Vec<f64> {
    let k = b.len();
    for p in 0..k {
        for r in p + 1..k {
            let f = a[r * k + p] / a[p * k + p];
            for c in p..k {
                a[r * k + c] -= f * a[p * k + c];
            }
            b[r] -= f * b[p];
        }
    }
    for p in (0..k).rev() {
        let s: f64 = (p + 1..k).map(|c| a[p * k + c] * b[c]).sum();
        b[p] = (b[p] - s) / a[p * k + p];
    }
    b
}

#[test]
fn spark_s_rule_scales_the_ridge_by_the_learner_s_count_and_fits_no_bias() {
    let (n, k, reg, alpha) = (9, 4, 0.3f32, 5.0f32);
    let y: Vec<f32> = (0..n * k).map(|t| ((t * 37 % 13) as f32 - 6.0) / 9.0).collect();
    let history = [(1usize, 1.0f32), (4, 2.0), (7, 1.0)];
    let row = |i: usize| &y[i * k..(i + 1) * k];
    for implicit in [true, false] {
        let params =
            FoldInParams { reg, bias_reg: 0.0, alpha, confidence: Confidence::Linear, rule: FoldInRule::CountScaled };
        let kind = if implicit { MfKind::Implicit } else { MfKind::Explicit };
        let model =
            MfModel::new(kind, Array2::from_shape_vec((n, k), y.clone()).unwrap(), Array1::zeros(n), 0.0, None, params)
                .unwrap();
        let got = model.fold_in(&history).unwrap();
        // Implicit: (YᵀY + Σ α r y yᵀ + λ n I) x = Σ (1 + α r) y; explicit: (Σ y yᵀ + λ n I) x = Σ r y.
        let mut a = vec![0.0f64; k * k];
        let mut b = vec![0.0f64; k];
        if implicit {
            for i in 0..n {
                for (r, c) in (0..k * k).map(|t| (t / k, t % k)) {
                    a[r * k + c] += (row(i)[r] * row(i)[c]) as f64;
                }
            }
        }
        for &(i, value) in &history {
            let (w, c) = if implicit { (alpha * value, 1.0 + alpha * value) } else { (1.0, value) };
            for (r, cc) in (0..k * k).map(|t| (t / k, t % k)) {
                a[r * k + cc] += (w * row(i)[r] * row(i)[cc]) as f64;
            }
            for (br, y) in b.iter_mut().zip(row(i)) {
                *br += (c * y) as f64;
            }
        }
        (0..k).for_each(|d| a[d * k + d] += (reg * history.len() as f32) as f64);
        let want = solve(a, b);
        assert_eq!(got.bias, 0.0);
        for (g, w) in got.factors.iter().zip(&want) {
            assert!(
                (*g as f64 - w).abs() < 1e-4 * w.abs().max(1.0),
                "implicit {implicit}: {:?} vs {want:?}",
                got.factors
            );
        }
    }
}

/// A bundle of `cat` with only the collaborative parts, written and loaded back.
fn round_trip(
    cat: &Catalog,
    model: &MfModel,
    info: wayfinder::bundle::ModelInfo,
    neighbours: Option<&Neighbours>,
    privacy: Option<wayfinder::bundle::Privacy>,
) -> (serde_json::Value, Bundle) {
    let files = common::collaborative_bundle(cat, model, info, neighbours, privacy);
    let manifest = serde_json::from_slice(&files["manifest.json"]).unwrap();
    let loaded = Bundle::from_files(&files["manifest.json"], |name| files.get(name).map(Vec::as_slice)).unwrap();
    (manifest, loaded)
}

#[test]
fn a_course_below_the_minimum_cohort_ships_no_collaborative_data_and_the_manifest_says_so() {
    let ids = ["A 100", "A 200", "B 100", "B 200"];
    let cat = catalog(&ids);
    let (n, k) = (4, 2);
    let params = FoldInParams {
        reg: 0.1,
        bias_reg: 0.1,
        alpha: 0.0,
        confidence: Confidence::Linear,
        rule: FoldInRule::Wayfinder,
    };
    let factors = Array2::from_shape_fn((n, k), |(i, j)| 0.1 + (i + j) as f32 / 10.0);
    let bias = Array1::from(vec![0.5, -0.2, 0.3, 0.1]);
    let model = MfModel::new(MfKind::Explicit, factors, bias, 3.5, Some((1.0, 5.0)), params).unwrap();
    let dense: Vec<f32> = (0..n * n).map(|t| if t % 5 == 0 { 0.0 } else { 0.1 + t as f32 / 100.0 }).collect();
    let neighbours = Neighbours::from_dense(n, &dense, 3, &[]);
    // "B 100" was taken by 9 learners: fewer than 10.
    let cut = apply_min_cohort(&cat, Some(&model), Some(&neighbours), &[40, 10, 9, 25], 10).unwrap();
    assert_eq!(cut.privacy.below_min_cohort, vec!["B 100".to_string()]);
    let m = cut.model.as_ref().unwrap();
    assert!(m.item_factors().row(2).iter().all(|&x| x == 0.0) && m.item_bias()[2] == 0.0);
    assert_eq!(m.item_factors().row(1), model.item_factors().row(1), "a course at the cohort keeps its factors");
    let nb = cut.neighbours.as_ref().unwrap();
    assert_eq!(nb.row(2).count(), 0, "no weights from it");
    assert!((0..n).all(|i| nb.row(i).all(|(j, _)| j != 2)), "no weights to it");
    assert!(nb.row(0).count() > 0);

    let info = wayfinder::pipeline::model_info(m, 1, serde_json::Value::Null);
    let (manifest, loaded) = round_trip(&cat, m, info, Some(nb), Some(cut.privacy.clone()));
    assert_eq!(
        manifest["privacy"],
        serde_json::json!({"min_cohort": 10, "courses_below_min_cohort": 1, "below_min_cohort": ["B 100"]})
    );
    assert_eq!(loaded.manifest.privacy, Some(cut.privacy));
}

#[test]
fn the_bundle_keeps_the_fold_in_rule() {
    let rank = 3;
    let files = Files::new(&[("A 100", 12), ("A 200", 40), ("B 100", 25), ("B 200", 30)], &four(rank), rank, true);
    let cat = catalog(&IDS);
    let imported = factors::import(&cat, files.files(), false).unwrap();
    let (manifest, loaded) = round_trip(&cat, &imported.model, imported.info.clone(), None, None);
    assert_eq!(manifest["model"]["fold_in_rule"], "count_scaled");
    let model = loaded.model.unwrap();
    let history = [(0, 1.0), (2, 1.0)];
    assert_eq!(model.fold_in(&history).unwrap(), imported.model.fold_in(&history).unwrap());
}

/// Spark's check learners: their history and Spark's own user factors.
struct CheckLearner {
    history: Vec<(String, f32)>,
    factors: Vec<f32>,
}

fn check_learners(dir: &std::path::Path) -> Vec<CheckLearner> {
    let text = std::fs::read_to_string(dir.join("learners.jsonl")).unwrap();
    text.lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let history = v["history"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| {
                    (h[0].as_str().map_or_else(|| h[0].to_string(), str::to_string), h[1].as_f64().unwrap() as f32)
                })
                .collect();
            let factors = v["factors"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect();
            CheckLearner { history, factors }
        })
        .collect()
}

fn read_exchange(dir: &std::path::Path) -> Exchange {
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap();
    let (meta, courses, tensors) = (read(factors::META), read(factors::COURSES), read(factors::FACTORS));
    Exchange::read(ExchangeFiles { meta: &meta, courses: &courses, factors: &tensors }).unwrap()
}

fn top(scores: &[f32], excluded: &[usize], k: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).filter(|i| !excluded.contains(i)).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    order.truncate(k);
    order
}

/// Spark's user factors against fold-in for one run of `scripts/test-spark.sh`.
fn matches_spark(factors_dir: &str, check_dir: &str) {
    let Some(root) = std::env::var_os("WAYFINDER_SPARK_OUT").map(PathBuf::from) else {
        eprintln!("skipped: WAYFINDER_SPARK_OUT is not set (make test-spark runs Spark MLlib and sets it)");
        return;
    };
    let exchange = read_exchange(&root.join(factors_dir));
    let row: HashMap<&str, usize> = exchange.courses.iter().enumerate().map(|(r, (c, _))| (c.as_str(), r)).collect();
    let n = exchange.courses.len();
    let (model, ..) = exchange.align(n, |id| row.get(id).copied(), false).unwrap();
    let learners = check_learners(&root.join(check_dir));
    assert!(learners.len() >= 50, "{} check learners", learners.len());
    let (mut worst, mut identical) = (0.0f32, 0);
    let (mut ours, mut theirs) = (vec![0.0; n], vec![0.0; n]);
    for (t, learner) in learners.iter().enumerate() {
        let history: Vec<(usize, f32)> = learner.history.iter().map(|(c, v)| (row[c.as_str()], *v)).collect();
        let folded = model.fold_in(&history).unwrap();
        let spark = &learner.factors;
        let norm = spark.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
        let error = folded.factors.iter().zip(spark).map(|(a, b)| (a - b).powi(2)).sum::<f32>().sqrt() / norm;
        worst = worst.max(error);
        assert!(error < 1e-3, "learner {t}: relative error {error}: {:?} vs Spark's {spark:?}", folded.factors);
        // Top 10 of the courses not taken, by each vector; ties within rounding may swap.
        let seen: Vec<usize> = history.iter().map(|&(i, _)| i).collect();
        model.score_into(&folded, &mut ours).unwrap();
        let spark_user = wayfinder::mf::UserVector { bias: 0.0, factors: spark.clone() };
        model.score_into(&spark_user, &mut theirs).unwrap();
        let (a, b) = (top(&ours, &seen, 10), top(&theirs, &seen, 10));
        identical += usize::from(a == b);
        let tenth = theirs[b[b.len() - 1]];
        let scale = theirs.iter().fold(0.0f32, |m, x| m.max(x.abs())).max(1e-6);
        for &i in &a {
            assert!(theirs[i] >= tenth - 1e-4 * scale, "learner {t}: our top 10 {a:?}, Spark's {b:?}");
        }
    }
    eprintln!(
        "{factors_dir}: {} learners, worst relative error {worst:.2e}, {identical} identical top-10 lists",
        learners.len()
    );
    assert!(identical * 100 >= learners.len() * 95, "{identical} of {} top-10 lists identical", learners.len());
}

#[test]
fn fold_in_reproduces_spark_s_implicit_user_factors() {
    matches_spark("factors", "check");
}

#[test]
fn fold_in_reproduces_spark_s_explicit_user_factors() {
    matches_spark("factors-explicit", "check-explicit");
}
