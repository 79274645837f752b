//! The pipeline's rules on hand-made data: held-out splits, tuning that never sees the test
//! split, the fallback for sites with too few learners, and the engine's defaults.

use std::collections::BTreeSet;

use wayfinder::api::{self, RecommendQuery};
use wayfinder::catalog::{Catalog, Course, Strictness};
use wayfinder::engine::Engine;
use wayfinder::graph::{GraphOptions, PrereqGraph};
use wayfinder::interactions::{Interaction, Interactions};
use wayfinder::pipeline::{self, EvalParams, Histories, Protocol, TuneParams};
use wayfinder::rank::{PartialWeights, RankDefaults, Recommender, Scratch, Weights};

/// 24 courses in 6 tracks of 4 (track t: courses 4t..4t+4, tagged by track).
fn catalog() -> Catalog {
    let courses = (0..24)
        .map(|i| Course {
            id: format!("C{i}"),
            title: format!("Course {i}"),
            tags: vec![format!("track{}", i / 4)],
            teaches: vec![format!("skill{}", i / 4)],
            ..Course::default()
        })
        .collect();
    Catalog::new(courses, Strictness::Strict).unwrap().0
}

fn base() -> Recommender {
    let c = catalog();
    let g = PrereqGraph::new(&c, GraphOptions::default());
    Recommender::new(c, g, None, None, None).unwrap()
}

/// Learner `u` follows track `u % 6` in order and, every third learner, a course of the
/// next track: co-enrolment an item model can learn.
fn histories(users: usize) -> Histories {
    Histories::from_interactions(&histories_interactions(users), 24)
}

/// The enrolments behind [`histories`].
fn histories_interactions(users: usize) -> Interactions {
    let mut interactions = Interactions::default();
    for u in 0..users {
        interactions.users.push(format!("u{u}"));
        let t = u % 6;
        let mut courses: Vec<usize> = (0..3 + u % 2).map(|j| 4 * t + j).collect();
        if u % 3 == 0 {
            courses.push(4 * ((t + 1) % 6));
        }
        for (j, c) in courses.into_iter().enumerate() {
            interactions.entries.push(Interaction {
                user: u,
                course: c,
                rating: None,
                timestamp: Some((u * 10 + j) as i64),
            });
        }
    }
    interactions
}

#[test]
fn hold_out_takes_one_course_of_each_learner_with_two() {
    let mut h = histories(30);
    h.users[0].truncate(1);
    let (train, held) = pipeline::hold_out(&h, Protocol::LeaveOneOut, 7).unwrap();
    assert_eq!(held[0], None, "a learner with one course keeps it");
    for (u, held_course) in held.iter().enumerate().skip(1) {
        let c = held_course.expect("held out");
        assert_eq!(train.users[u].len() + 1, h.users[u].len());
        assert!(!train.users[u].contains(&c) && h.users[u].contains(&c));
    }
    // Seeded: the same seed holds out the same courses.
    assert_eq!(pipeline::hold_out(&h, Protocol::LeaveOneOut, 7).unwrap().1, held);
    // Temporal: the latest course.
    let (_, latest) = pipeline::hold_out(&h, Protocol::Temporal, 7).unwrap();
    assert!((1..30).all(|u| latest[u] == h.users[u].last().copied()));
    let untimed = Histories { timed: false, ..h };
    assert!(pipeline::hold_out(&untimed, Protocol::Temporal, 7).is_err());
}

#[test]
fn tuning_never_sees_the_test_split() {
    let seed = 11;
    let h = histories(240);
    let params = EvalParams {
        protocol: Protocol::LeaveOneOut,
        max_users: Some(100),
        tune: TuneParams { seed, max_users: 200, min_users: 20, factors: 4, per_course: 5, ..TuneParams::default() },
    };
    let report = pipeline::evaluate(&base(), &h, &params).unwrap();
    // Replace every held-out course by another one: the training part, and so the tuning,
    // must not change.
    let (_, held) = pipeline::hold_out(&h, Protocol::LeaveOneOut, seed).unwrap();
    let mut other = h.clone();
    for (u, c) in held.iter().enumerate() {
        if let Some(c) = c {
            let at = other.users[u].iter().position(|x| x == c).unwrap();
            let replacement = (0..24).find(|x| !other.users[u].contains(x)).unwrap();
            other.users[u][at] = replacement;
        }
    }
    let changed = pipeline::evaluate(&base(), &other, &params).unwrap();
    assert_eq!(report.tuned, changed.tuned, "seed {seed}: the tuned defaults depend on the test courses");
    assert!(report.tuned.fallback.is_none());
    assert!(!report.tuned.table.is_empty());
    // Both ALS ridges are tried with every MF share; the one kept goes with a kept share.
    let ridges: BTreeSet<String> = report
        .tuned
        .table
        .iter()
        .filter(|r| r.defaults.mf_share > 0.0)
        .map(|r| format!("{:?} {} {}", r.mf_ridge.rule, r.mf_ridge.reg, r.defaults.mf_share))
        .collect();
    assert_eq!(ridges.len(), 6, "seed {seed}: {ridges:?}");
    // Each EASE penalty is tried both cut to the budget and refit on the weights it keeps;
    // the baseline's penalty is one of them.
    let kinds: BTreeSet<String> = report
        .tuned
        .table
        .iter()
        .filter(|r| r.defaults.mf_share == 0.0 && r.per_course == 5)
        .map(|r| format!("{:?}", r.neighbours))
        .collect();
    assert_eq!(kinds.len(), 11, "seed {seed}: {kinds:?}");
    assert!(kinds.iter().filter(|k| k.starts_with("EaseRefit")).count() == 5, "seed {seed}: {kinds:?}");
    // The denser lists: twice the neighbours is always tried, four times only after twice
    // scored no lower, and the kept density is one of those tried.
    let tried: BTreeSet<usize> = report.tuned.table.iter().map(|r| r.per_course).collect();
    assert!(tried.contains(&10), "seed {seed}: {tried:?}");
    assert!(tried.is_subset(&BTreeSet::from([5, 10, 20])), "seed {seed}: {tried:?}");
    assert!(tried.contains(&report.tuned.per_course), "seed {seed}: {tried:?}");
    // Doubling stops at the first density that scores lower, or after two doublings.
    assert_eq!(
        tried.contains(&20),
        report.tuned.per_course >= 10,
        "seed {seed}: {tried:?}, kept {}",
        report.tuned.per_course
    );
    let lambda = report.tuned.ease_lambda.unwrap();
    assert!(kinds.contains(&format!("{:?}", pipeline::NeighbourKind::Ease { lambda })), "seed {seed}: {lambda}");
    if report.tuned.defaults.mf_share == 0.0 {
        assert_eq!(report.tuned.mf_ridge, pipeline::Ridge::default(), "seed {seed}");
    } else {
        assert!(report
            .tuned
            .table
            .iter()
            .any(|r| r.defaults == report.tuned.defaults && r.mf_ridge == report.tuned.mf_ridge));
    }
    for name in ["hybrid", "hybrid_no_mmr", "collaborative", "goal_skills", "popularity", "item_knn", "ease"] {
        let m = &report.rankings[name];
        assert!((0.0..=1.0).contains(&m.hr) && m.ndcg <= m.hr + 1e-12, "seed {seed}: {name} {m:?}");
    }
    // The structure is learnable: the collaborative ranking beats popularity here.
    assert!(
        report.rankings["collaborative"].hr > report.rankings["popularity"].hr,
        "seed {seed}: {:?}",
        report.rankings
    );
}

#[test]
fn too_few_learners_fall_back_and_say_so() {
    let tuned = pipeline::tune(&base(), &histories(10), &TuneParams::default()).unwrap();
    assert_eq!(tuned.defaults, RankDefaults::fallback());
    assert!(tuned.fallback.unwrap().contains("10 learners"));
}

#[test]
fn partial_weights_fill_from_the_engines_defaults() {
    let defaults = RankDefaults {
        weights: Weights { collaborative: 0.0, content: 0.0, goal_text: 0.0, goal_skills: 0.0, unlocks: 1.0 },
        diversity: 1.0,
        mf_share: 0.5,
        redundancy: 0.5,
    };
    let filled = PartialWeights { collaborative: Some(0.5), ..Default::default() }.fill(&defaults.weights);
    assert_eq!(filled, Weights { collaborative: 0.5, unlocks: 1.0, ..defaults.weights });
    // An all-zero set from the query is an error that names the weights.
    let engine = Engine::new(base(), defaults).unwrap();
    let zero = PartialWeights { unlocks: Some(0.0), ..Default::default() };
    let err =
        api::recommend(&engine, &RecommendQuery { weights: Some(zero), ..Default::default() }, &mut Scratch::default())
            .unwrap_err();
    assert!(err.to_string().contains("weights"), "{err}");
    // Out-of-range defaults are refused when the engine is made.
    assert!(Engine::new(base(), RankDefaults { diversity: 2.0, ..defaults }).is_err());
    assert!(Engine::new(base(), RankDefaults { mf_share: -0.1, ..defaults }).is_err());
}

#[test]
fn edge_scores_and_the_tfidf_baseline_read_the_listed_prerequisites() {
    let course = |id: &str, title: &str, prerequisites: &[&str]| Course {
        id: id.into(),
        title: title.into(),
        description: format!("{title} {title}"),
        prerequisites: if prerequisites.is_empty() {
            vec![]
        } else {
            vec![wayfinder::catalog::GroupSpec::AnyOf(prerequisites.iter().map(|s| s.to_string()).collect())]
        },
        ..Course::default()
    };
    let courses = vec![
        course("STAT 100", "statistics basics", &[]),
        course("STAT 200", "statistics regression", &["STAT 100"]),
        course("ART 100", "drawing painting", &[]),
        course("ART 200", "drawing figures", &["ART 100"]),
        course("MUS 100", "music harmony", &[]),
        course("MUS 300", "music counterpoint", &[]),
    ];
    let catalog = Catalog::new(courses, Strictness::Strict).unwrap().0;
    let truth = pipeline::listed_edges(&catalog);
    assert_eq!(truth.len(), 2);
    let hidden = pipeline::hide_prerequisites(&catalog).unwrap();
    assert!(pipeline::listed_edges(&hidden).is_empty());
    assert_eq!(hidden.len(), catalog.len());
    // The baseline links each course to its lower-numbered namesakes; the best threshold
    // keeps the two true edges and the one false (MUS 300 -> MUS 100).
    let (baseline, threshold) = pipeline::tfidf_baseline(&catalog, &truth, |_| true);
    assert_eq!((baseline.correct, baseline.truth), (2, 2), "{baseline:?}");
    assert!(baseline.f1 >= 0.8 && threshold > 0.0, "{baseline:?} at {threshold}");
    let scores = pipeline::edge_scores(&truth, &truth, |_| true);
    assert_eq!((scores.precision, scores.recall, scores.f1), (1.0, 1.0, 1.0));
}

/// A unit vector per text, from the text's length and first byte (enough to tell texts apart).
fn fake_embed(
    seen: &mut Vec<String>,
) -> impl FnMut(pipeline::Texts, &[String]) -> wayfinder::Result<Vec<Vec<f32>>> + '_ {
    move |_, texts: &[String]| {
        seen.extend(texts.iter().cloned());
        Ok(texts
            .iter()
            .map(|t| {
                let (a, b) = (t.len() as f32, f32::from(t.bytes().next().unwrap_or(1)));
                let n = (a * a + b * b).sqrt();
                vec![a / n, b / n]
            })
            .collect())
    }
}

#[test]
fn prepare_embeds_the_course_text_and_gives_a_catalog_without_skills_the_vocabulary() {
    // The hand-made catalog names its skills: no vocabulary, and the course texts are embedded.
    let mut seen = Vec::new();
    let site =
        pipeline::prepare(catalog(), None, &pipeline::SiteOptions::default(), &mut fake_embed(&mut seen)).unwrap();
    assert!(!site.builtin_vocabulary);
    assert_eq!(site.embeddings.len(), 24);
    assert_eq!(seen.len(), 24, "only the courses are embedded");
    assert_eq!(seen[0], "Course 0 (track0)");
    assert_eq!(seen[0], pipeline::course_text(&catalog().courses()[0]));

    // Without skills and without a taxonomy, the built-in vocabulary is embedded too.
    let bare: Vec<Course> = catalog().courses().iter().map(|c| Course { teaches: vec![], ..c.clone() }).collect();
    let bare = Catalog::new(bare, Strictness::Strict).unwrap().0;
    let mut seen = Vec::new();
    let opts = pipeline::SiteOptions { prerequisites: false, ..Default::default() };
    let site = pipeline::prepare(bare.clone(), None, &opts, &mut fake_embed(&mut seen)).unwrap();
    assert!(site.builtin_vocabulary && site.taxonomy.is_some());
    assert!(seen.len() > 24 + 100, "the vocabulary's skills were embedded: {} texts", seen.len());
    // ... unless the edge turns the vocabulary off.
    let opts = pipeline::SiteOptions { vocabulary: false, prerequisites: false, ..Default::default() };
    let site = pipeline::prepare(bare, None, &opts, &mut fake_embed(&mut Vec::new())).unwrap();
    assert!(!site.builtin_vocabulary && site.taxonomy.is_none());
}

#[test]
fn an_explicit_model_needs_ratings_and_the_model_info_comes_from_the_fitted_model() {
    let c = catalog();
    let g = PrereqGraph::new(&c, GraphOptions::default());
    let interactions = histories_interactions(60);
    let explicit = pipeline::ModelParams {
        kind: pipeline::ModelKind::Explicit,
        factors: 4,
        seed: 7,
        ridge: pipeline::Ridge::default(),
    };
    let err = pipeline::train(&c, &g, &interactions, &explicit, &mut |_| {}).unwrap_err();
    assert!(matches!(err, wayfinder::Error::InvalidParameter { name: "kind", .. }), "{err}");

    let implicit = pipeline::ModelParams { kind: pipeline::ModelKind::Implicit, ..explicit };
    let mut stages = Vec::new();
    let trained = pipeline::train(&c, &g, &interactions, &implicit, &mut |s| stages.push(s.to_string())).unwrap();
    assert_eq!(stages, ["held-out evaluation", "final model"]);
    assert_eq!(trained.info.kind, "implicit");
    assert_eq!(trained.info.seed, 7);
    assert_eq!(trained.info.fold_in_reg, trained.model.fold_in_params().reg);
    assert_eq!(trained.info.params["factors"], 4);
    assert_eq!(trained.evaluation["split"], "leave-one-out");
    assert!(trained.evaluation["model"].is_object() && trained.evaluation["popularity"].is_object());
}

#[test]
fn the_hybrid_s_lead_is_a_paired_difference_with_its_standard_error() {
    // Per learner: +1, 0, 0, -1; mean 0, sample variance 2/3, standard error sqrt(2/3 / 4).
    let g = pipeline::PairedGain::of(&[true, true, false, false], &[false, true, false, true]);
    assert_eq!(g.hr, 0.0);
    assert!((g.se - (2.0f64 / 3.0 / 4.0).sqrt()).abs() < 1e-12, "{g:?}");
    let g = pipeline::PairedGain::of(&[true, true, true, false], &[false, false, false, false]);
    assert_eq!(g.hr, 0.75);
}
