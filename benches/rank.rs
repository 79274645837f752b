//! Ranking top-10 with MMR over synthetic catalogs of 10k and 100k courses with
//! 384-dimension embeddings and a 64-factor implicit model. Seeded, so runs compare.

use std::collections::BTreeMap;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use ndarray::{Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;
use wayfinder::catalog::{Catalog, Course, GroupSpec, Strictness};
use wayfinder::graph::{GraphOptions, PrereqGraph};
use wayfinder::mf::{Confidence, FoldInParams, FoldInRule, MfKind, MfModel};
use wayfinder::rank::{Learner, RankOptions, Recommender, Scratch};
use wayfinder::similarity::Embeddings;

const SEED: u64 = 20261129;
const DIM: usize = 384;
const FACTORS: usize = 64;
const SKILLS: usize = 500;

fn unit_rows(rng: &mut Pcg64, n: usize, dim: usize) -> Vec<f32> {
    let mut data: Vec<f32> = (0..n * dim).map(|_| rng.gen_range(-1.0f32..1.0)).collect();
    for row in data.chunks_mut(dim) {
        let norm = row.iter().map(|x| x * x).sum::<f32>().sqrt();
        row.iter_mut().for_each(|x| *x /= norm);
    }
    data
}

fn engine(n: usize) -> (Recommender, Learner) {
    let mut rng = Pcg64::seed_from_u64(SEED);
    let courses: Vec<Course> = (0..n)
        .map(|i| {
            // A third of the courses need one or two earlier ones (so the graph is a DAG).
            let prerequisites = if i > 10 && rng.gen_bool(0.33) {
                (0..rng.gen_range(1..=2))
                    .map(|_| GroupSpec::AnyOf((0..2).map(|_| format!("C{}", rng.gen_range(0..i))).collect()))
                    .collect()
            } else {
                Vec::new()
            };
            Course {
                id: format!("C{i}"),
                title: format!("Course {i}"),
                credits: Some(3.0),
                teaches: (0..2).map(|_| format!("skill {}", rng.gen_range(0..SKILLS))).collect(),
                prerequisites,
                ..Course::default()
            }
        })
        .collect();
    let (catalog, _) = Catalog::new(courses, Strictness::Strict).unwrap();
    let graph = PrereqGraph::new(&catalog, GraphOptions::default());
    let embeddings = Embeddings::from_vec(n, DIM, unit_rows(&mut rng, n, DIM)).unwrap();
    let factors =
        Array2::from_shape_vec((n, FACTORS), (0..n * FACTORS).map(|_| rng.gen_range(-0.3f32..0.3)).collect()).unwrap();
    let fold_in = FoldInParams {
        reg: 0.1,
        bias_reg: 0.0,
        alpha: 20.0,
        confidence: Confidence::Linear,
        rule: FoldInRule::Wayfinder,
    };
    let mf = MfModel::new(MfKind::Implicit, factors, Array1::zeros(n), 0.0, None, fold_in).unwrap();
    let learner = Learner {
        completed: (0..20).map(|_| rng.gen_range(0..n / 10)).collect(),
        goal_embedding: Some(unit_rows(&mut rng, 1, DIM)),
        goal_skills: (0..5).map(|_| (format!("skill {}", rng.gen_range(0..SKILLS)), 0.8)).collect::<BTreeMap<_, _>>(),
        ..Learner::default()
    };
    (Recommender::new(catalog, graph, Some(mf), Some(embeddings), None).unwrap(), learner)
}

fn rank(c: &mut Criterion) {
    let mut group = c.benchmark_group("recommend_top10_mmr");
    group.sample_size(20);
    for n in [10_000, 100_000] {
        let (engine, learner) = engine(n);
        let options = RankOptions::default();
        let mut scratch = Scratch::default();
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| engine.recommend(&learner, &options, &mut scratch).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, rank);
criterion_main!(benches);
