//! Hand-made catalogs with known answers: validation, the prerequisite graph, learning
//! paths, gap analysis and hybrid ranking.

use std::collections::BTreeMap;

use wayfinder::catalog::{Catalog, Course, CourseIx, GroupSpec, Strictness};
use wayfinder::error::Error;
use wayfinder::gaps::{analyze, GapParams, Taxonomy};
use wayfinder::graph::{GraphOptions, PrereqGraph, Progress};
use wayfinder::path::{plan, Minimize, PathRequest};
use wayfinder::rank::{Learner, RankDefaults, RankOptions, ReasonData, ReasonKind, Recommender, Scratch, Weights};
use wayfinder::similarity::Embeddings;

fn small() -> (Catalog, PrereqGraph) {
    let (catalog, report) =
        Catalog::from_json(include_bytes!("fixtures/small_catalog.json"), Strictness::Strict).unwrap();
    assert_eq!(report.dropped(), 0);
    let graph = PrereqGraph::new(&catalog, GraphOptions::default());
    (catalog, graph)
}

fn ix(catalog: &Catalog, id: &str) -> CourseIx {
    catalog.require(id).unwrap()
}

fn ids(catalog: &Catalog, courses: &[CourseIx]) -> Vec<String> {
    courses.iter().map(|&c| catalog.course(c).id.clone()).collect()
}

fn progress(catalog: &Catalog, completed: &[&str], concurrent: &[&str], skills: &[&str]) -> Progress {
    let (done, unknown) = catalog.resolve(completed.iter().copied());
    assert!(unknown.is_empty());
    let (now, _) = catalog.resolve(concurrent.iter().copied());
    Progress::new(catalog.len(), &done, &now, skills.iter().map(|s| s.to_string()))
}

fn course(id: &str, prerequisites: &[&[&str]]) -> Course {
    Course {
        id: id.into(),
        prerequisites: prerequisites
            .iter()
            .map(|g| GroupSpec::AnyOf(g.iter().map(|s| s.to_string()).collect()))
            .collect(),
        ..Course::default()
    }
}

// ---- catalog validation ----

#[test]
fn validation_names_the_course() {
    let cases: Vec<(Vec<Course>, Error)> = vec![
        (vec![course("A", &[]), course("A", &[])], Error::DuplicateCourse { id: "A".into(), first: 0, second: 1 }),
        (vec![course("A", &[]), course("  ", &[])], Error::EmptyCourseId { index: 1 }),
        (vec![course("A", &[&["B"]])], Error::UnknownPrerequisite { course: "A".into(), prerequisite: "B".into() }),
        (vec![course("A", &[&["A"]])], Error::SelfPrerequisite { course: "A".into() }),
        (vec![course("A", &[&[]])], Error::EmptyPrerequisiteGroup { course: "A".into(), group: 0 }),
    ];
    for (courses, expected) in cases {
        assert_eq!(Catalog::new(courses, Strictness::Strict).unwrap_err(), expected);
    }
    let inferred = |scores: Vec<f32>, any_of: Vec<&str>| {
        let mut b = course("B", &[]);
        b.inferred_prerequisites = vec![wayfinder::catalog::InferredGroupSpec {
            any_of: any_of.into_iter().map(String::from).collect(),
            scores,
        }];
        Catalog::new(vec![course("A", &[]), b], Strictness::Strict)
    };
    assert!(matches!(
        inferred(vec![1.5], vec!["A"]),
        Err(Error::BadCourseNumber { field: "inferred_prerequisites", .. })
    ));
    assert!(matches!(
        inferred(vec![0.5, 0.5], vec!["A"]),
        Err(Error::BadCourseNumber { field: "inferred_prerequisites", .. })
    ));
    assert_eq!(
        inferred(vec![0.5], vec!["NOPE"]).unwrap_err(),
        Error::UnknownPrerequisite { course: "B".into(), prerequisite: "NOPE".into() }
    );
    assert_eq!(inferred(vec![0.5], vec!["A"]).unwrap().0.inferred_groups(1)[0].members, vec![0]);
    let bad_credits = Course { id: "X".into(), credits: Some(f32::NAN), ..Course::default() };
    assert!(matches!(
        Catalog::new(vec![bad_credits], Strictness::Strict),
        Err(Error::BadCourseNumber { field: "credits", .. })
    ));
    assert!(matches!(Catalog::from_json(b"{\"courses\": [", Strictness::Strict), Err(Error::CatalogJson(_))));
}

#[test]
fn lenient_mode_keeps_unknown_members_marked_and_reports_them() {
    let courses = vec![course("A", &[]), course("B", &[&["A", "GONE 1"], &["GONE 2"]]), course("C", &[&["C", "A"]])];
    let (catalog, report) = Catalog::new(courses, Strictness::Lenient).unwrap();
    assert_eq!(
        report.unknown_prerequisites,
        vec![("B".to_string(), "GONE 1".to_string()), ("B".to_string(), "GONE 2".to_string())]
    );
    assert_eq!(report.self_prerequisites, vec!["C".to_string()]);
    assert_eq!(report.unsatisfiable_groups, vec!["B".to_string()]);
    assert_eq!(report.dropped(), 3);
    // "A or GONE 1" keeps both (A still satisfies it); "GONE 2" alone is kept and never met.
    let groups = catalog.explicit_groups(1);
    assert_eq!(groups.len(), 2);
    assert_eq!((groups[0].members.clone(), groups[0].not_in_catalog.clone()), (vec![0], vec!["GONE 1".to_string()]));
    assert_eq!((groups[1].members.clone(), groups[1].not_in_catalog.clone()), (vec![], vec!["GONE 2".to_string()]));
    let graph = PrereqGraph::new(&catalog, GraphOptions::default());
    let progress = Progress::new(catalog.len(), &[0], &[], Vec::<String>::new());
    assert!(!graph.is_ready(1, &progress), "a group with no member in the catalog is never met");
    assert!(graph.is_ready(2, &progress));
    // What was resolved is what the catalog writes, and it reloads strictly.
    let (again, _) = Catalog::from_json(catalog.to_json().as_bytes(), Strictness::Strict).unwrap();
    assert_eq!(again.explicit_groups(1), groups);
}

#[test]
fn catalog_round_trips_and_normalises_skills() {
    let (catalog, _) = small();
    let cs101 = catalog.course(ix(&catalog, "CS 101"));
    assert_eq!(cs101.teaches, vec!["python", "programming"]);
    let (again, _) = Catalog::from_json(catalog.to_json().as_bytes(), Strictness::Strict).unwrap();
    assert_eq!(again.courses(), catalog.courses());
    let (known, unknown) = catalog.resolve(["CS 101", "NOPE 1"]);
    assert_eq!((known.len(), unknown), (1, vec!["NOPE 1".to_string()]));
}

// ---- prerequisite graph ----

#[test]
fn required_skill_becomes_one_or_group_of_its_teachers() {
    let (catalog, graph) = small();
    let ml = ix(&catalog, "DS 300");
    let inferred: Vec<_> = graph.groups(ml).iter().filter(|g| g.inferred_from.is_some()).collect();
    assert_eq!(inferred.len(), 2, "python and linear algebra");
    let python = inferred.iter().find(|g| g.inferred_from.as_deref() == Some("python")).unwrap();
    assert_eq!(ids(&catalog, &python.members), ["CS 101", "CS 102"], "one OR group, not an AND of both");
    assert_eq!(graph.untaught_requirements(), &[(ix(&catalog, "ART 100"), "anatomy drawing".to_string())]);
}

#[test]
fn cycles_are_reported_with_their_courses() {
    let (catalog, graph) = small();
    assert_eq!(graph.cycles().len(), 1, "the diamond CS 101/MATH 101 -> CS 301 is not a cycle");
    let report = &graph.cycles()[0];
    assert_eq!(ids(&catalog, &report.component), ["LOOP 1", "LOOP 2"]);
    assert_eq!(ids(&catalog, &report.cycle), ["LOOP 1", "LOOP 2", "LOOP 1"]);
}

#[test]
fn readiness_needs_one_member_of_every_group() {
    let (catalog, graph) = small();
    let ready = |done: &[&str], now: &[&str], skills: &[&str], id: &str| {
        graph.is_ready(ix(&catalog, id), &progress(&catalog, done, now, skills))
    };
    // Diamond: both arms needed.
    assert!(!ready(&["CS 101", "CS 201"], &[], &[], "CS 301"));
    assert!(ready(&["CS 101", "CS 201", "MATH 101", "CS 202"], &[], &[], "CS 301"));
    // OR group: either calculus or linear algebra.
    assert!(ready(&["MATH 102"], &[], &[], "STAT 200"));
    assert!(!ready(&[], &[], &[], "STAT 200"));
    // Inferred groups: a teacher course or the skill itself.
    assert!(!ready(&["STAT 200", "MATH 102"], &[], &[], "DS 300"));
    assert!(ready(&["STAT 200", "MATH 102", "CS 102"], &[], &[], "DS 300"));
    assert!(ready(&["STAT 200"], &[], &["python", "linear algebra"], "DS 300"));
    // Concurrent group: the lab can be taken alongside Databases, a plain group cannot.
    assert!(ready(&[], &["DB 210"], &["programming"], "DB 220"));
    assert!(!ready(&[], &["CS 201"], &[], "CS 301"));
    // A learner with no history can take exactly the courses without groups.
    let none = progress(&catalog, &[], &[], &[]);
    let open: Vec<_> = (0..catalog.len()).filter(|&c| graph.is_ready(c, &none)).collect();
    // ART 100 requires a skill no course teaches: nothing can check it, so it does not block
    // (the graph reports it in `untaught_requirements`).
    assert_eq!(ids(&catalog, &open), ["MATH 101", "MATH 102", "CS 101", "CS 102", "ART 100"]);
}

// ---- learning paths ----

#[test]
fn unlock_counts_and_readiness_at_once_equal_course_by_course() {
    // The demo catalog (explicit and skill-inferred groups, concurrent ones among them), with
    // seeded histories from nothing to most of the catalog, each with and without skills.
    let (catalog, _) = Catalog::from_json(include_bytes!("../data/demo/catalog.json"), Strictness::Strict).unwrap();
    let graph = PrereqGraph::new(&catalog, GraphOptions::default());
    let n = catalog.len();
    let seed = 11u64;
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    let mut unlocked = 0;
    for taken in [0, 1, 3, 10, 30, 80, 150] {
        let completed: Vec<CourseIx> = (0..taken).map(|_| next() % n).collect();
        let concurrent: Vec<CourseIx> = (0..2).map(|_| next() % n).collect();
        for skills in [vec![], vec!["programming".to_string(), "statistics".to_string()]] {
            let p = Progress::new(n, &completed, &concurrent, skills);
            let each: Vec<usize> = (0..n).map(|c| graph.unlock_count(c, &p)).collect();
            let at_once = graph.unlock_counts(&p);
            let readiness = graph.readiness(&p);
            assert_eq!(readiness.unlocks, at_once);
            for c in 0..n {
                assert_eq!(readiness.ready[c], graph.is_ready(c, &p), "seed {seed}, {taken} taken, course {c}");
            }
            unlocked += each.iter().sum::<usize>();
            for c in (0..n).filter(|&c| !p.is_completed(c)) {
                assert_eq!(at_once[c], each[c], "seed {seed}, {taken} taken, course {}", catalog.course(c).id);
            }
        }
    }
    assert!(unlocked > 100, "the histories unlock too little to test ({unlocked})");
}

fn path_ids(catalog: &Catalog, graph: &PrereqGraph, request: &PathRequest) -> Vec<String> {
    let path = plan(catalog, graph, request).unwrap();
    assert_prerequisite_order(catalog, graph, request, &path.steps.iter().map(|s| s.course).collect::<Vec<_>>());
    path.steps.iter().map(|s| catalog.course(s.course).id.clone()).collect()
}

/// Every course on the path is ready once the courses before it are completed.
fn assert_prerequisite_order(catalog: &Catalog, graph: &PrereqGraph, request: &PathRequest, order: &[CourseIx]) {
    let mut p = Progress::new(catalog.len(), &request.completed, &[], request.known_skills.iter().cloned());
    for &c in order {
        assert!(graph.is_ready(c, &p), "{} is not ready after {:?}", catalog.course(c).id, ids(catalog, order));
        p.mark_completed(c);
        for s in &catalog.course(c).teaches {
            p.add_skill(s);
        }
    }
}

#[test]
fn path_adds_prerequisites_in_order() {
    let (catalog, graph) = small();
    let request = PathRequest { targets: vec!["Algorithms".into()], ..Default::default() };
    assert_eq!(path_ids(&catalog, &graph, &request), ["MATH 101", "CS 101", "CS 201", "CS 202", "CS 301"]);
}

#[test]
fn path_reuses_a_course_that_meets_two_needs() {
    let (catalog, graph) = small();
    // MATH 102 meets Statistics' OR group and Machine Learning's linear algebra requirement.
    let request = PathRequest { targets: vec!["machine learning".into()], ..Default::default() };
    let path = path_ids(&catalog, &graph, &request);
    assert_eq!(path.len(), 4, "{path:?}");
    assert!(path.contains(&"MATH 102".to_string()) && !path.contains(&"MATH 101".to_string()), "{path:?}");
    // Minimising credits picks the 2-credit Python course over the 3-credit one.
    let request = PathRequest { minimize: Minimize::Credits, ..request };
    assert!(path_ids(&catalog, &graph, &request).contains(&"CS 102".to_string()));
}

#[test]
fn path_reports_untaught_met_and_unreachable_targets() {
    let (catalog, graph) = small();
    let request = PathRequest {
        targets: vec!["statistics".into(), "calculus".into(), "quantum".into(), "loop skill".into()],
        completed: vec![ix(&catalog, "MATH 101")],
        ..Default::default()
    };
    let path = plan(&catalog, &graph, &request).unwrap();
    assert_eq!(ids(&catalog, &path.steps.iter().map(|s| s.course).collect::<Vec<_>>()), ["STAT 200"]);
    assert_eq!(path.already_met, ["calculus"]);
    assert_eq!(path.untaught, ["quantum"]);
    assert_eq!(path.unreachable, ["loop skill"]);
}

#[test]
fn path_splits_into_terms_under_a_credit_limit() {
    let (catalog, graph) = small();
    let request = PathRequest {
        targets: vec!["algorithms".into(), "sql tuning".into()],
        max_credits_per_term: Some(7.0),
        ..Default::default()
    };
    let path = plan(&catalog, &graph, &request).unwrap();
    for term in &path.terms {
        let credits: f32 = term.iter().map(|&c| catalog.course(c).credits()).sum();
        assert!(credits <= 7.0, "{:?} has {credits} credits", ids(&catalog, term));
    }
    let term_of = |id: &str| path.steps.iter().find(|s| s.course == ix(&catalog, id)).unwrap().term.unwrap();
    assert!(term_of("CS 201") > term_of("CS 101"));
    assert!(term_of("CS 301") > term_of("CS 202").max(term_of("CS 201")));
    assert!(term_of("DB 220") >= term_of("DB 210"), "a concurrent group allows the same term");
    assert_eq!(path.steps.iter().map(|s| catalog.course(s.course).credits()).sum::<f32>(), path.total_credits);

    let too_small = PathRequest { max_credits_per_term: Some(3.0), ..request.clone() };
    assert!(matches!(plan(&catalog, &graph, &too_small), Err(Error::CourseExceedsTermLimit { .. })));
    let nonsense = PathRequest { max_credits_per_term: Some(f32::NAN), ..request };
    assert!(matches!(
        plan(&catalog, &graph, &nonsense),
        Err(Error::InvalidParameter { name: "max_credits_per_term", .. })
    ));
}

/// A ladder of `levels` rungs where each rung needs both courses of the rung below, under a
/// course teaching "summit" that needs the top rung: the cost of a course counted with its
/// prerequisites doubles at every rung.
fn ladder(levels: usize) -> (Catalog, PrereqGraph) {
    let mut courses = vec![course("A0", &[]), course("B0", &[])];
    for i in 1..=levels {
        for side in ["A", "B"] {
            let (a, b) = (format!("A{}", i - 1), format!("B{}", i - 1));
            courses.push(course(&format!("{side}{i}"), &[&[a.as_str()], &[b.as_str()]]));
        }
    }
    let top = format!("A{levels}");
    courses.push(Course { teaches: vec!["summit".into()], ..course("TOP", &[&[top.as_str()]]) });
    let catalog = Catalog::new(courses, Strictness::Strict).unwrap().0;
    let graph = PrereqGraph::new(&catalog, GraphOptions::default());
    (catalog, graph)
}

#[test]
fn path_costs_are_exact_past_f32_precision() {
    // 25 rungs put the top course's cost past 2^26, where in f32 one more course changed
    // nothing and planning aborted (a prerequisite no longer cost less than its course).
    let (catalog, graph) = ladder(25);
    let request = PathRequest { targets: vec!["summit".into()], ..Default::default() };
    let path = path_ids(&catalog, &graph, &request);
    assert_eq!(path.len(), 26 + 25 + 1, "every A, the B below each A rung, and the top: {path:?}");
    assert_eq!(path.last().map(String::as_str), Some("TOP"));
}

#[test]
fn a_path_whose_cost_overflows_is_a_typed_error() {
    let (catalog, graph) = ladder(70);
    let request = PathRequest { targets: vec!["summit".into()], ..Default::default() };
    let err = plan(&catalog, &graph, &request).unwrap_err();
    assert!(
        matches!(&err, Error::PathCostOverflow { course } if course.starts_with('A') || course.starts_with('B')),
        "{err}"
    );
    // With the lower rungs completed the rest fits, and the path is planned.
    let completed = (0..=40).flat_map(|i| [format!("A{i}"), format!("B{i}")]).map(|id| ix(&catalog, &id)).collect();
    let request = PathRequest { completed, ..request };
    assert_eq!(path_ids(&catalog, &graph, &request).len(), 30 + 29 + 1);
}

// ---- gap analysis ----

#[test]
fn gaps_weight_foundations_up() {
    let taxonomy = Taxonomy::from_json(br#"{"areas": {"data": ["Python", "statistics", "machine learning"]}, "builds_on": {"machine learning": ["linear algebra"]}}"#).unwrap();
    let skills = BTreeMap::from([("python".to_string(), 0.9), ("statistics".to_string(), 0.2)]);
    let goal = BTreeMap::from([
        ("python".to_string(), 0.6),
        ("statistics".to_string(), 0.6),
        ("machine learning".to_string(), 0.6),
        ("linear algebra".to_string(), 0.5),
    ]);
    let a = analyze(&skills, &goal, Some(&taxonomy), &GapParams::default()).unwrap();
    let order: Vec<_> = a.gaps.iter().map(|g| (g.skill.as_str(), g.foundational)).collect();
    // linear algebra: gap 0.5, foundational (machine learning builds on it) -> 0.75;
    // machine learning 0.6; statistics: gap 0.4, foundational -> 0.6 (ties by name).
    assert_eq!(order, [("linear algebra", true), ("machine learning", false), ("statistics", true)]);
    assert!((a.gaps[0].priority - 0.75).abs() < 1e-6);
    assert_eq!(a.strengths[0].skill, "python");
    assert!((a.readiness - (1.0 - 1.5 / 2.3)).abs() < 1e-5);
    assert_eq!(a.estimated_courses, 5);
    let bad = BTreeMap::from([("sql".to_string(), 1.5)]);
    assert!(matches!(
        analyze(&bad, &goal, None, &GapParams::default()),
        Err(Error::InvalidParameter { name: "skills", .. })
    ));
}

// ---- hybrid ranking ----

/// Embeddings that put courses sharing a tag close together: one axis per tag plus a small
/// per-course axis, normalised.
fn tag_embeddings(catalog: &Catalog) -> Embeddings {
    let tags = ["math", "cs", "stats", "data", "art"];
    let dim = tags.len() + catalog.len();
    let mut data = vec![0.0f32; catalog.len() * dim];
    for (i, c) in catalog.courses().iter().enumerate() {
        let row = &mut data[i * dim..(i + 1) * dim];
        for t in &c.tags {
            row[tags.iter().position(|x| x == t).unwrap()] = 1.0;
        }
        row[tags.len() + i] = 0.5;
        let norm = row.iter().map(|x| x * x).sum::<f32>().sqrt();
        row.iter_mut().for_each(|x| *x /= norm);
    }
    Embeddings::from_vec(catalog.len(), dim, data).unwrap()
}

#[test]
fn only_ready_untaken_courses_are_recommended_and_each_is_explained() {
    let (catalog, graph) = small();
    let emb = tag_embeddings(&catalog);
    let engine = Recommender::new(catalog.clone(), graph.clone(), None, Some(emb), None).unwrap();
    let learner = Learner {
        completed: vec![ix(&catalog, "CS 101"), ix(&catalog, "MATH 101")],
        in_progress: vec![ix(&catalog, "DB 210")],
        goal_skills: BTreeMap::from([("sql tuning".to_string(), 0.8), ("algorithms".to_string(), 0.5)]),
        ..Default::default()
    };
    let ranking = engine.recommend(&learner, &RankOptions::default(), &mut Scratch::default()).unwrap();
    let progress = engine.progress(&learner);
    let got: Vec<_> = ranking.recommendations.iter().map(|r| catalog.course(r.course).id.as_str()).collect();
    for r in &ranking.recommendations {
        assert!(graph.is_ready(r.course, &progress), "{} is not ready", catalog.course(r.course).id);
        assert!(!learner.completed.contains(&r.course) && !learner.in_progress.contains(&r.course));
        assert!(!r.explanation.is_empty());
    }
    assert!(!got.contains(&"CS 301"), "CS 301 needs CS 201 first: {got:?}");
    let lab = ranking
        .recommendations
        .iter()
        .find(|r| catalog.course(r.course).id == "DB 220")
        .expect("the lab is ready alongside DB 210");
    assert_eq!(lab.explanation[0].text, "teaches sql tuning, a gap for your goal");
    // With goal skills weighted alone, the only ready course teaching the top gap comes first.
    let goal_only = RankOptions {
        weights: Weights { collaborative: 0.0, content: 0.0, goal_text: 0.0, goal_skills: 1.0, unlocks: 0.0 },
        ..Default::default()
    };
    let top = engine.recommend(&learner, &goal_only, &mut Scratch::default()).unwrap().recommendations[0].course;
    assert_eq!(catalog.course(top).id, "DB 220");
    let ds = ranking.recommendations.iter().find(|r| catalog.course(r.course).id == "CS 201").unwrap();
    assert!(
        ds.explanation
            .iter()
            .any(|r| r.kind == ReasonKind::Similar && r.text == "similar to CS 101, which you completed"),
        "{:?}",
        ds.explanation
    );
    // CS 301 needs CS 202 as well, so taking CS 201 does not make it ready: no "unlocks".
    assert!(!ds.explanation.iter().any(|r| r.kind == ReasonKind::Unlocks), "{:?}", ds.explanation);
    // Every sentence has its data form, with the same facts.
    assert!(
        ds.explanation.iter().any(|r| r.data == ReasonData::SimilarTo { course: "CS 101".into() }),
        "{:?}",
        ds.explanation
    );
    assert!(
        matches!(&lab.explanation[0].data, ReasonData::GapSkill { skills } if skills == &["sql tuning"]),
        "{:?}",
        lab.explanation
    );
}

#[test]
fn a_learner_with_no_history_gets_entry_courses() {
    let (catalog, graph) = small();
    let engine = Recommender::new(catalog.clone(), graph, None, None, None).unwrap();
    let ranking = engine.recommend(&Learner::default(), &RankOptions::default(), &mut Scratch::default()).unwrap();
    let mut got: Vec<_> = ranking.recommendations.iter().map(|r| catalog.course(r.course).id.clone()).collect();
    got.sort();
    assert_eq!(got, ["ART 100", "CS 101", "CS 102", "MATH 101", "MATH 102"]);
    assert!(ranking.recommendations.iter().all(|r| !r.explanation.is_empty()));
}

#[test]
fn goal_and_search_texts_have_a_size_cap() {
    use wayfinder::engine::{Engine, MAX_QUERY_TEXT_BYTES};
    let (catalog, graph) = small();
    let engine =
        Engine::new(Recommender::new(catalog, graph, None, None, None).unwrap(), RankDefaults::fallback()).unwrap();
    let long = "python ".repeat(MAX_QUERY_TEXT_BYTES / 7 + 1);
    // Refused by size before anything else (here, before the missing embedder is noticed).
    let err = wayfinder::api::search(&engine, &long, 5).unwrap_err();
    assert!(matches!(&err, Error::InvalidParameter { name: "search", .. }), "{err}");
    assert!(err.to_string().contains(&long.len().to_string()), "{err}");
    let err = engine.embed("goalText", &long).unwrap_err();
    assert!(matches!(&err, Error::InvalidParameter { name: "goalText", .. }), "{err}");
    // At the cap, the text goes on to the embedder (none here).
    let err = engine.embed("goalText", &long[..MAX_QUERY_TEXT_BYTES]).unwrap_err();
    assert!(matches!(err, Error::NoEmbedder { field: "goalText" }), "{err}");
}

#[test]
fn mmr_trades_relevance_for_variety() {
    let (catalog, graph) = small();
    let engine = Recommender::new(catalog.clone(), graph, None, Some(tag_embeddings(&catalog)), None).unwrap();
    let learner = Learner {
        completed: vec![ix(&catalog, "CS 101"), ix(&catalog, "MATH 101"), ix(&catalog, "MATH 102")],
        ..Default::default()
    };
    let mut scratch = Scratch::default();
    let mut tags_of_top3 = |lambda: f32| {
        let options = RankOptions {
            k: 3,
            lambda,
            weights: Weights { content: 1.0, ..Weights::default() },
            ..RankOptions::default()
        };
        let r = engine.recommend(&learner, &options, &mut scratch).unwrap();
        r.recommendations
            .iter()
            .map(|r| catalog.course(r.course).tags[0].clone())
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    };
    assert!(tags_of_top3(0.3) >= tags_of_top3(1.0));
    assert!(tags_of_top3(0.3) >= 2);
}

#[test]
fn bad_rank_options_are_named() {
    let (catalog, graph) = small();
    let engine = Recommender::new(catalog, graph, None, None, None).unwrap();
    let mut scratch = Scratch::default();
    let mut err = |options: RankOptions| engine.recommend(&Learner::default(), &options, &mut scratch).unwrap_err();
    assert!(matches!(err(RankOptions { k: 0, ..Default::default() }), Error::InvalidParameter { name: "k", .. }));
    assert!(matches!(
        err(RankOptions { lambda: 1.5, ..Default::default() }),
        Error::InvalidParameter { name: "lambda", .. }
    ));
    let nan = Weights { content: f32::NAN, ..Weights::default() };
    assert!(matches!(
        err(RankOptions { weights: nan, ..Default::default() }),
        Error::InvalidParameter { name: "weights.content", .. }
    ));
    let zero = Weights { collaborative: 0.0, content: 0.0, goal_text: 0.0, goal_skills: 0.0, unlocks: 0.0 };
    assert!(matches!(
        err(RankOptions { weights: zero, ..Default::default() }),
        Error::InvalidParameter { name: "weights", .. }
    ));
}

/// Found by the fuzz slice (`tests/fuzz.rs`): a genre index past the item file's columns
/// indexed out of bounds. The indices must number the columns, each once.
#[test]
fn movielens_genre_indices_that_do_not_number_the_columns_are_an_error_naming_the_line() {
    let items = b"1|Toy Story (1995)|01-Jan-1995||http://x|0|1\n";
    for (genres, line) in [(&b"unknown|0\nAction|65541\n"[..], 2), (b"unknown|0\nAction|0\n", 1), (b"Action|1\n", 1)] {
        let err = wayfinder::import::movielens(items, genres, b"").expect_err("an error");
        assert!(
            matches!(&err, Error::CatalogCsv { file: "u.genre", line: l, reason } if *l == line && reason.contains("indices must be")),
            "{err}"
        );
    }
    let ok = wayfinder::import::movielens(items, b"unknown|0\nAction|1\n", b"1\t1\t5\t0\n").unwrap();
    assert_eq!(ok.catalog.courses()[0].teaches, vec!["action".to_string()]);
}
