//! The demo data in `data/demo`: the catalog is valid, well connected and deep enough for
//! multi-term paths; the taxonomy speaks the catalog's skill vocabulary; and simulated
//! enrolments carry a signal that a recommender can learn.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use wayfinder::catalog::{Catalog, CourseIx, Strictness};
use wayfinder::eval::parse_ratings;
use wayfinder::gaps::Taxonomy;
use wayfinder::graph::{GraphOptions, PrereqGraph};
use wayfinder_simulate::{program, simulate, to_csv, SimParams};

const CATALOG: &[u8] = include_bytes!("../../../data/demo/catalog.json");
const TAXONOMY: &[u8] = include_bytes!("../../../data/demo/taxonomy.json");
const ENROLMENTS: &str = include_str!("../../../data/demo/enrollments.csv");

fn demo() -> (Catalog, PrereqGraph) {
    let (catalog, report) = Catalog::from_json(CATALOG, Strictness::Strict).unwrap();
    assert_eq!(report.dropped(), 0);
    let graph = PrereqGraph::new(&catalog, GraphOptions::default());
    (catalog, graph)
}

#[test]
fn catalog_is_large_valid_and_acyclic() {
    let (catalog, graph) = demo();
    assert!(catalog.len() >= 150, "{} courses", catalog.len());
    let programs: BTreeSet<&str> = catalog.courses().iter().map(|c| program(&c.id)).collect();
    assert!(programs.len() >= 5, "programs: {programs:?}");
    assert!(graph.cycles().is_empty(), "cycles: {:?}", graph.cycles());
    let untaught: Vec<(&str, &str)> =
        graph.untaught_requirements().iter().map(|(c, s)| (catalog.course(*c).id.as_str(), s.as_str())).collect();
    assert!(untaught.is_empty(), "required but never taught: {untaught:?}");
    for course in catalog.courses() {
        let id = &course.id;
        assert!(!course.title.is_empty() && course.description.len() > 80, "{id} needs a title and description");
        assert!(!course.teaches.is_empty() && course.level.is_some(), "{id} needs skills and a level");
    }
}

#[test]
fn catalog_has_or_groups_concurrent_groups_and_entry_points() {
    let (catalog, graph) = demo();
    let explicit = || (0..catalog.len()).flat_map(|c| catalog.explicit_groups(c));
    assert!(explicit().filter(|g| g.members.len() >= 2).count() >= 20, "too few OR groups");
    assert!(explicit().any(|g| g.concurrent), "no concurrent group");
    assert!((0..catalog.len()).any(|c| catalog.explicit_groups(c).len() >= 3), "no course needs three groups");
    let programs: BTreeSet<&str> = catalog.courses().iter().map(|c| program(&c.id)).collect();
    for p in programs {
        let entry = (0..catalog.len()).any(|c| program(&catalog.course(c).id) == p && graph.groups(c).is_empty());
        assert!(entry, "program {p} has no course without prerequisites");
    }
}

/// Terms before a course can be taken when every prerequisite takes a term of its own.
fn terms_needed(graph: &PrereqGraph, c: CourseIx, memo: &mut HashMap<CourseIx, usize>) -> usize {
    if let Some(&d) = memo.get(&c) {
        return d;
    }
    let d = graph
        .groups(c)
        .iter()
        .map(|g| {
            let step = usize::from(!g.concurrent);
            g.members.iter().map(|&m| terms_needed(graph, m, memo) + step).min().unwrap_or(0)
        })
        .max()
        .unwrap_or(0);
    memo.insert(c, d);
    d
}

#[test]
fn chains_are_deep_enough_for_multi_term_paths() {
    let (catalog, graph) = demo();
    let mut memo = HashMap::new();
    let depths: Vec<usize> = (0..catalog.len()).map(|c| terms_needed(&graph, c, &mut memo)).collect();
    assert!(depths.iter().filter(|&&d| d >= 4).count() >= 20, "depths: {depths:?}");
}

#[test]
fn taxonomy_uses_the_catalog_vocabulary() {
    let (_, graph) = demo();
    let taxonomy = Taxonomy::from_json(TAXONOMY).unwrap();
    assert!(taxonomy.areas.len() >= 5);
    let skills: BTreeSet<&String> = taxonomy
        .areas
        .values()
        .flatten()
        .chain(taxonomy.builds_on.keys())
        .chain(taxonomy.builds_on.values().flatten())
        .collect();
    let untaught: Vec<&&String> = skills.iter().filter(|s| graph.teachers(s).is_empty()).collect();
    assert!(untaught.is_empty(), "taxonomy skills no course teaches: {untaught:?}");
}

/// Learners rate courses of their own main program higher than other learners rate them,
/// and take mostly courses of that program: the structure matrix factorization should find.
#[test]
fn simulated_enrolments_carry_signal() {
    let (catalog, graph) = demo();
    let params = SimParams { learners: 400, seed: 7, ..SimParams::default() };
    let enrolments = simulate(&catalog, &graph, &params).unwrap();
    let mut taken: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    for e in &enrolments {
        *taken.entry(&e.learner).or_default().entry(program(&catalog.course(e.course).id)).or_default() += 1;
    }
    assert_eq!(taken.len(), params.learners);
    let main: BTreeMap<&str, &str> =
        taken.iter().map(|(l, counts)| (*l, counts.iter().max_by_key(|(_, &n)| n).map(|(p, _)| *p).unwrap())).collect();
    let share = taken.iter().map(|(l, counts)| counts[main[l]] as f32 / counts.values().sum::<usize>() as f32);
    let share = share.sum::<f32>() / taken.len() as f32;
    assert!(share > 0.5, "learners spend only {share:.2} of their courses in their main program");

    // Per course: mean rating from learners whose main program it belongs to, and from the rest.
    let mut sums: HashMap<(CourseIx, bool), (f32, usize)> = HashMap::new();
    for e in &enrolments {
        let own = main[e.learner.as_str()] == program(&catalog.course(e.course).id);
        let s = sums.entry((e.course, own)).or_default();
        s.0 += e.rating;
        s.1 += 1;
    }
    let mean = |c, own| sums.get(&(c, own)).filter(|s| s.1 >= 3).map(|s| s.0 / s.1 as f32);
    let gaps: Vec<f32> = (0..catalog.len()).filter_map(|c| Some(mean(c, true)? - mean(c, false)?)).collect();
    assert!(gaps.len() >= 30, "only {} courses rated by both groups", gaps.len());
    let average_gap = gaps.iter().sum::<f32>() / gaps.len() as f32;
    assert!(average_gap > 0.6, "own-program ratings are only {average_gap:.2} stars higher");
    assert!(gaps.iter().filter(|&&g| g > 0.0).count() as f32 > 0.85 * gaps.len() as f32);

    let csv = to_csv(&catalog, &enrolments);
    let parsed = parse_ratings(&csv).unwrap();
    assert_eq!(parsed.ratings.len(), enrolments.len());
}

/// The committed file is what `cargo run -p wayfinder-simulate --example simulate_demo` writes: readable by the
/// ratings parser, and every course in it is in the catalog.
#[test]
fn committed_enrolments_match_the_catalog() {
    let (catalog, _) = demo();
    assert!(ENROLMENTS.starts_with("user,course,rating,timestamp\n"));
    let parsed = parse_ratings(ENROLMENTS).unwrap();
    assert!(parsed.user_ids.len() >= 500 && parsed.ratings.len() >= 10_000);
    let (_, unknown) = catalog.resolve(parsed.item_ids.iter().map(String::as_str));
    assert!(unknown.is_empty(), "courses missing from the catalog: {unknown:?}");
}
