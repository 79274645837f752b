//! Advising rules on hand-made catalogs: equivalent and outgrown courses, skills earned by
//! completing courses, redundant courses ranked down, unlocks that count only courses newly
//! made ready, and reasons that hold for the numbers behind them.

use std::collections::BTreeMap;

use wayfinder::api::{self, GapsQuery, RecommendQuery};
use wayfinder::catalog::{Catalog, Course, CourseIx, GroupSpec, Strictness};
use wayfinder::engine::Engine;
use wayfinder::error::Error;
use wayfinder::gaps::Taxonomy;
use wayfinder::graph::{GraphOptions, PrereqGraph};
use wayfinder::rank::{
    strong, Learner, RankDefaults, RankOptions, ReasonData, Recommender, Scratch, Weights, STRONG_COLLABORATIVE,
    STRONG_CONTENT, STRONG_GOAL_TEXT,
};
use wayfinder::similarity::Embeddings;

fn course(id: &str, level: u32, teaches: &[&str], prerequisites: &[&[&str]]) -> Course {
    Course {
        id: id.into(),
        title: id.into(),
        level: Some(level),
        teaches: teaches.iter().map(|s| s.to_string()).collect(),
        prerequisites: prerequisites
            .iter()
            .map(|g| GroupSpec::AnyOf(g.iter().map(|s| s.to_string()).collect()))
            .collect(),
        ..Course::default()
    }
}

/// MATH 220 and MATH 221 are not credited together; STAT 400 is cross-listed as MATH 463;
/// PHYS 211 needs MATH 220 alone; CS 173 needs "MATH 220 or MATH 221"; CS 100 teaches only
/// what CS 101 does and opens CS 200; DS 300 needs CS 101 and MATH 221.
fn catalog() -> Catalog {
    let mut courses = vec![
        course("MATH 220", 200, &["calculus"], &[]),
        course("MATH 221", 200, &["calculus"], &[]),
        course("MATH 212", 200, &["calculus"], &[]),
        course("STAT 400", 200, &["statistics"], &[]),
        course("MATH 463", 200, &["statistics"], &[]),
        course("PHYS 211", 200, &["mechanics"], &[&["MATH 220"]]),
        course("CS 173", 100, &["discrete math"], &[&["MATH 212", "MATH 221"]]),
        course("CS 101", 100, &["programming", "python"], &[]),
        course("CS 100", 100, &["programming"], &[]),
        course("DS 300", 300, &["data pipelines"], &[&["CS 101"], &["MATH 221"]]),
        course("ART 101", 100, &["drawing"], &[]),
        course("CS 200", 200, &["testing"], &[&["CS 100"]]),
    ];
    courses[0].no_credit_with = vec!["MATH 221".into()];
    courses[3].same_as = vec!["MATH 463".into()];
    Catalog::new(courses, Strictness::Strict).unwrap().0
}

fn engine(catalog: &Catalog, defaults: RankDefaults) -> Engine {
    let graph = PrereqGraph::new(catalog, GraphOptions::default());
    Engine::new(Recommender::new(catalog.clone(), graph, None, None, None).unwrap(), defaults).unwrap()
}

fn ids(answer: &api::RecommendAnswer) -> Vec<&str> {
    answer.recommendations.iter().map(|r| r.id.as_str()).collect()
}

fn recommend(engine: &Engine, completed: &[&str]) -> api::RecommendAnswer {
    let query = RecommendQuery {
        completed: completed.iter().map(|s| s.to_string()).collect(),
        k: Some(20),
        ..Default::default()
    };
    api::recommend(engine, &query, &mut Scratch::default()).unwrap()
}

#[test]
fn equivalents_count_as_taken_and_are_never_recommended() {
    let c = catalog();
    let e = engine(&c, RankDefaults::fallback());
    let got = recommend(&e, &["MATH 221", "STAT 400"]);
    let list = ids(&got);
    assert!(!list.contains(&"MATH 220"), "no credit for both: {list:?}");
    assert!(!list.contains(&"MATH 463"), "the same course as STAT 400: {list:?}");
    assert!(list.contains(&"PHYS 211"), "MATH 221 stands in for MATH 220: {list:?}");
    // Never two equivalents in one list: with neither taken, only one of MATH 220 / 221.
    let fresh = recommend(&e, &[]);
    let list = ids(&fresh);
    assert_eq!(list.iter().filter(|id| ["MATH 220", "MATH 221"].contains(id)).count(), 1, "{list:?}");
    assert_eq!(list.iter().filter(|id| ["STAT 400", "MATH 463"].contains(id)).count(), 1, "{list:?}");
}

#[test]
fn an_alternative_at_or_below_a_completed_members_level_is_outgrown() {
    let c = catalog();
    let e = engine(&c, RankDefaults::fallback());
    // CS 173 needs "MATH 212 or MATH 221": after MATH 221, MATH 212 is outgrown.
    let list = ids(&recommend(&e, &["MATH 221"])).into_iter().map(String::from).collect::<Vec<_>>();
    assert!(!list.contains(&"MATH 212".to_string()), "{list:?}");
    assert!(list.contains(&"CS 173".to_string()), "{list:?}");
    // Two levels below the highest completed course of the same subject: outgrown too.
    let courses = vec![
        course("MATH 112", 100, &["algebra"], &[]),
        course("MATH 213", 200, &["discrete"], &[]),
        course("MATH 347", 300, &["proofs"], &[]),
        course("MATH 415", 400, &["linear algebra"], &[]),
        course("ART 101", 100, &["drawing"], &[]),
    ];
    let c = Catalog::new(courses, Strictness::Strict).unwrap().0;
    let e = engine(&c, RankDefaults::fallback());
    let got = ids(&recommend(&e, &["MATH 415"])).into_iter().map(String::from).collect::<Vec<_>>();
    assert_eq!(got.iter().filter(|id| id.starts_with("MATH")).collect::<Vec<_>>(), ["MATH 347"], "{got:?}");
    assert!(got.contains(&"ART 101".to_string()), "another subject's intro course stays: {got:?}");
}

#[test]
fn unknown_equivalents_are_named() {
    let mut bad = vec![course("A 100", 100, &[], &[])];
    bad[0].same_as = vec!["B 100".into()];
    assert_eq!(
        Catalog::new(bad.clone(), Strictness::Strict).unwrap_err(),
        Error::UnknownEquivalent { course: "A 100".into(), other: "B 100".into() }
    );
    let (_, report) = Catalog::new(bad, Strictness::Lenient).unwrap();
    assert_eq!(report.unknown_equivalents, [("A 100".to_string(), "B 100".to_string())]);
}

#[test]
fn completed_courses_give_their_skills_everywhere() {
    let c = catalog();
    let e = engine(&c, RankDefaults::fallback());
    // Gap analysis: a completed Python course counts toward python.
    let goal = BTreeMap::from([("python".to_string(), 0.8)]);
    let gaps = api::gaps(
        &e,
        &GapsQuery { completed: vec!["CS 101".into()], goal_profile: goal.clone(), ..Default::default() },
    )
    .unwrap();
    assert!(gaps.gaps.is_empty(), "python is met by CS 101: {gaps:?}");
    let without = api::gaps(&e, &GapsQuery { goal_profile: goal, ..Default::default() }).unwrap();
    assert_eq!(without.gaps.len(), 1);
    // A low rating earns less: 0.8 * 0.6 = 0.48, below the goal's 0.8.
    let rec = e.recommender();
    let learner = Learner {
        completed: vec![c.ix("CS 101").unwrap()],
        ratings: vec![(c.ix("CS 101").unwrap(), 1.0)],
        ..Default::default()
    };
    assert!((rec.skills(&learner)["python"] - 0.48).abs() < 1e-6);
    // Declared levels combine by the higher.
    let declared = Learner { skills: BTreeMap::from([("python".to_string(), 0.9)]), ..learner };
    assert!((rec.skills(&declared)["python"] - 0.9).abs() < 1e-6);
}

#[test]
fn a_course_teaching_nothing_new_is_ranked_down_and_says_why() {
    let c = catalog();
    let e = engine(&c, RankDefaults::fallback());
    let got = recommend(&e, &["CS 101"]);
    let intro = got.recommendations.iter().find(|r| r.id == "CS 100").expect("still listed, ranked down");
    assert!(
        intro.reasons.contains(&ReasonData::AlreadyHave { skills: vec!["programming".into()], from: "CS 101".into() }),
        "{:?}",
        intro.reasons
    );
    assert!(
        intro.explanation.iter().any(|t| t == "you already have programming from CS 101"),
        "{:?}",
        intro.explanation
    );
    // CS 100 unlocks CS 200, so it has a score; the fallback's penalty halves it, and the
    // option at 0 leaves it whole.
    assert!(intro.score > 0.0);
    let off = engine(&c, RankDefaults { redundancy: 0.0, ..RankDefaults::fallback() });
    let got = recommend(&off, &["CS 101"]);
    let intro_off = got.recommendations.iter().find(|r| r.id == "CS 100").unwrap();
    assert!(
        (intro_off.score * (1.0 - RankDefaults::fallback().redundancy) - intro.score).abs() < 1e-6,
        "{} vs {}",
        intro_off.score,
        intro.score
    );
}

#[test]
fn unlocks_count_only_courses_newly_made_ready() {
    let c = catalog();
    let rec = Recommender::new(c.clone(), PrereqGraph::new(&c, GraphOptions::default()), None, None, None).unwrap();
    let ix = |id: &str| c.ix(id).unwrap();
    // DS 300 needs CS 101 and MATH 221: CS 101 alone does not make it ready.
    let nothing = rec.progress(&Learner::default());
    assert_eq!(rec.graph().unlock_count(ix("CS 101"), &nothing), 0);
    let with_math = rec.progress(&Learner { completed: vec![ix("MATH 221")], ..Default::default() });
    assert_eq!(rec.graph().unlock_count(ix("CS 101"), &with_math), 1);
}

/// Two clusters of courses on orthogonal axes, so content and goal parts are strong for one
/// cluster and weak for the other.
fn clustered() -> (Catalog, Embeddings) {
    let courses: Vec<Course> =
        (0..24).map(|i| course(&format!("C {i:03}"), 100, &[if i < 12 { "data" } else { "art" }], &[])).collect();
    let catalog = Catalog::new(courses, Strictness::Strict).unwrap().0;
    let dim = 26;
    let mut data = vec![0.0f32; 24 * dim];
    for i in 0..24 {
        data[i * dim + usize::from(i >= 12)] = 1.0;
        data[i * dim + 2 + i] = 0.3 + 0.05 * (i % 5) as f32;
        let norm = data[i * dim..(i + 1) * dim].iter().map(|x| x * x).sum::<f32>().sqrt();
        data[i * dim..(i + 1) * dim].iter_mut().for_each(|x| *x /= norm);
    }
    (catalog, Embeddings::from_vec(24, dim, data).unwrap())
}

#[test]
fn every_shown_reason_holds_for_the_numbers_behind_it() {
    let (catalog, emb) = clustered();
    let graph = PrereqGraph::new(&catalog, GraphOptions::default());
    let rec = Recommender::new(catalog.clone(), graph, None, Some(emb.clone()), None).unwrap();
    let goal: Vec<f32> = emb.row(3).to_vec();
    for seed in 0..6u64 {
        let completed: Vec<CourseIx> = vec![(seed as usize * 5) % 24, (seed as usize * 7 + 1) % 24];
        let learner = Learner {
            completed,
            goal_embedding: (seed % 2 == 0).then(|| goal.clone()),
            goal_skills: BTreeMap::from([("data".to_string(), 0.8)]),
            ..Default::default()
        };
        let options = RankOptions { k: 12, weights: Weights::default(), ..Default::default() };
        let ranking = rec.recommend(&learner, &options, &mut Scratch::default()).unwrap();
        let top = ranking.top_decile;
        let progress = rec.progress(&learner);
        for r in &ranking.recommendations {
            let id = &catalog.course(r.course).id;
            for reason in &r.explanation {
                let holds = match &reason.data {
                    ReasonData::SimilarTo { .. } => strong(r.parts.content, STRONG_CONTENT, top.content),
                    ReasonData::GoalText => strong(r.parts.goal_text, STRONG_GOAL_TEXT, top.goal_text),
                    ReasonData::Peers => strong(r.parts.collaborative, STRONG_COLLABORATIVE, top.collaborative),
                    ReasonData::Unlocks { courses } => {
                        *courses == rec.graph().unlock_count(r.course, &progress) && *courses > 0
                    }
                    ReasonData::GapSkill { skills } => {
                        skills.iter().all(|s| catalog.course(r.course).teaches.contains(s))
                    }
                    ReasonData::Ready { .. } => rec.graph().is_ready(r.course, &progress),
                    ReasonData::AlreadyHave { skills, from } => {
                        let from = catalog.course(catalog.ix(from).unwrap());
                        skills.iter().all(|s| from.teaches.contains(s) || from.requires.contains(s))
                    }
                };
                assert!(holds, "seed {seed}: {id}: {reason:?} with parts {:?} (top decile {top:?})", r.parts);
            }
        }
        // Weak parts are not named: an "art" course is not "close to" a data goal.
        if learner.goal_embedding.is_some() {
            for r in ranking.recommendations.iter().filter(|r| r.course >= 12) {
                assert!(!r.explanation.iter().any(|x| x.data == ReasonData::GoalText), "seed {seed}: {:?}", r);
            }
        }
    }
}

#[test]
fn level_and_standing_rules_keep_first_years_out_of_graduate_courses() {
    let courses = vec![
        course("CS 101", 100, &["programming"], &[]),
        course("CS 201", 200, &["data structures"], &[]),
        course("CS 374", 300, &["algorithms"], &[]),
        course("CS 412", 400, &["data mining"], &[]),
        course("CS 512", 500, &["advanced data mining"], &[]),
        Course { title: "Special Topics in Computing".into(), ..course("LAS 199", 100, &["misc"], &[]) },
        Course { title: "Senior Project I".into(), ..course("CS 492", 400, &["design"], &[]) },
    ];
    let c = Catalog::new(courses, Strictness::Strict).unwrap().0;
    let e = engine(&c, RankDefaults::fallback());
    let list = |completed: &[&str], rules: Option<wayfinder::rank::Rules>| -> Vec<String> {
        let q = RecommendQuery {
            completed: completed.iter().map(|s| s.to_string()).collect(),
            k: Some(20),
            rules,
            ..Default::default()
        };
        api::recommend(&e, &q, &mut Scratch::default()).unwrap().recommendations.into_iter().map(|r| r.id).collect()
    };
    // No history: levels 100 and 200 only, no topics course.
    let mut fresh = list(&[], None);
    fresh.sort();
    assert_eq!(fresh, ["CS 101", "CS 201"], "no history: levels 100 and 200, no topics course");
    // After a 100-level course: up to 200.
    let first_year = list(&["CS 101"], None);
    assert!(first_year.iter().all(|id| id == "CS 201"), "{first_year:?}");
    // After upper-level work: graduate courses, the senior project and topics open up.
    let senior = list(&["CS 101", "CS 201", "CS 374", "CS 412"], None);
    for id in ["CS 512", "CS 492", "LAS 199"] {
        assert!(senior.iter().any(|x| x == id), "{id} missing for a senior: {senior:?}");
    }
    // Each rule can be switched off.
    let off = wayfinder::rank::Rules { levels: false, standing: false, ..Default::default() };
    assert_eq!(list(&[], Some(off)).len(), 7);
}

#[test]
fn a_path_drops_courses_whose_skills_the_rest_already_teach() {
    use wayfinder::path::{plan, PathRequest, StepReason};
    // X teaches t1 alone and is the greedy first pick; Y teaches t1 and t2 but needs Z, which
    // needs W. Once Y is on the path for t2, X is spare.
    let courses = vec![
        course("X 100", 100, &["t1"], &[]),
        course("W 100", 100, &["w"], &[]),
        course("Z 200", 200, &["z"], &[&["W 100"]]),
        course("Y 300", 300, &["t1", "t2"], &[&["Z 200"]]),
    ];
    let c = Catalog::new(courses, Strictness::Strict).unwrap().0;
    let g = PrereqGraph::new(&c, GraphOptions::default());
    let path = plan(&c, &g, &PathRequest { targets: vec!["t1".into(), "t2".into()], ..Default::default() }).unwrap();
    let ids: Vec<&str> = path.steps.iter().map(|s| c.course(s.course).id.as_str()).collect();
    assert_eq!(ids, ["W 100", "Z 200", "Y 300"]);
    assert_eq!(path.dropped, [c.ix("X 100").unwrap()]);
    let y = path.steps.iter().find(|s| c.course(s.course).id == "Y 300").unwrap();
    assert!(y.reasons.iter().any(|r| matches!(r, StepReason::Teaches { skills } if skills.contains(&"t1".to_string()) && skills.contains(&"t2".to_string()))), "{:?}", y.reasons);
    assert_eq!(path.total_credits, 9.0);
}

#[test]
fn a_stated_goal_far_from_the_history_leads_the_list() {
    // The learner took two art courses (content cosines near 0.9 for the art cluster); the
    // goal sits far from every course (cosine about 0.4 with the data cluster at best).
    let (catalog, clustered) = clustered();
    // One more axis that no course uses.
    let dim = clustered.dim() + 1;
    let data: Vec<f32> = (0..catalog.len()).flat_map(|c| clustered.row(c).to_vec().into_iter().chain([0.0])).collect();
    let emb = Embeddings::from_vec(catalog.len(), dim, data).unwrap();
    let rec =
        Recommender::new(catalog.clone(), PrereqGraph::new(&catalog, GraphOptions::default()), None, Some(emb), None)
            .unwrap();
    let mut goal = vec![0.0f32; dim];
    goal[0] = 0.45; // the data axis
    goal[dim - 1] = (1.0f32 - 0.45 * 0.45).sqrt(); // an axis no course uses
    let learner = Learner { completed: vec![12, 13], goal_embedding: Some(goal), ..Default::default() };
    let ranking =
        rec.recommend(&learner, &RankOptions { k: 10, ..Default::default() }, &mut Scratch::default()).unwrap();
    let top: Vec<CourseIx> = ranking.recommendations.iter().map(|r| r.course).collect();
    assert!(top[0] < 12, "a data course leads: {top:?}");
    assert!(top[..3].iter().all(|&c| c < 12), "the goal's courses hold the top three: {top:?}");
    // Without the goal, the history decides.
    let history = Learner { goal_embedding: None, ..learner };
    let ranking =
        rec.recommend(&history, &RankOptions { k: 10, ..Default::default() }, &mut Scratch::default()).unwrap();
    assert!(ranking.recommendations[0].course >= 12);
}

#[test]
fn completed_courses_give_what_they_require_and_what_it_builds_on() {
    let mut courses = vec![
        course("MATH 112", 100, &["algebra"], &[]),
        course("MATH 220", 200, &["calculus"], &[]),
        course("STAT 100", 100, &["statistics"], &[]),
        course("DS 300", 300, &["data pipelines"], &[]),
        course("ART 101", 100, &["drawing"], &[]),
    ];
    courses[3].requires = vec!["statistics".into()];
    let catalog = Catalog::new(courses, Strictness::Strict).unwrap().0;
    let taxonomy = Taxonomy::from_json(br#"{"areas": {"math": ["algebra", "precalculus", "calculus"]}, "builds_on": {"calculus": ["precalculus"], "precalculus": ["algebra"]}}"#).unwrap();
    let graph = PrereqGraph::new(&catalog, GraphOptions::default());
    let rec = Recommender::new(catalog.clone(), graph, None, None, Some(taxonomy)).unwrap();
    let ix = |id: &str| catalog.ix(id).unwrap();
    let skills = rec.skills(&Learner { completed: vec![ix("MATH 220"), ix("DS 300")], ..Default::default() });
    // Calculus builds on precalculus, which builds on algebra: a calculus course gives both.
    assert_eq!(skills.get("algebra"), Some(&0.8), "{skills:?}");
    assert_eq!(skills.get("precalculus"), Some(&0.8));
    // DS 300 required statistics: having taken it, the learner had it.
    assert_eq!(skills.get("statistics"), Some(&0.8));
    let e = Engine::new(rec, RankDefaults::fallback()).unwrap();
    let got = recommend(&e, &["MATH 220", "DS 300"]);
    let algebra = got.recommendations.iter().find(|r| r.id == "MATH 112").expect("listed, ranked down");
    assert!(
        algebra.reasons.contains(&ReasonData::AlreadyHave { skills: vec!["algebra".into()], from: "MATH 220".into() }),
        "{:?}",
        algebra.reasons
    );
    let stats = got.recommendations.iter().find(|r| r.id == "STAT 100").unwrap();
    assert!(
        stats.reasons.contains(&ReasonData::AlreadyHave { skills: vec!["statistics".into()], from: "DS 300".into() }),
        "{:?}",
        stats.reasons
    );
}

#[test]
fn requirements_inferred_from_text_make_few_lower_level_groups_and_never_touch_listed_ones() {
    let text = |mut c: Course, requires: &[(&str, f32)], teaches: &[(&str, f32)]| {
        for &(s, score) in requires {
            c.requires.push(s.into());
            c.inferred_skills.insert(s.into(), score);
        }
        for &(s, score) in teaches {
            c.teaches.push(s.into());
            c.inferred_skills.insert(s.into(), score);
        }
        c
    };
    let courses = vec![
        text(course("STAT 100", 100, &[], &[]), &[], &[("statistics", 0.9)]),
        text(course("STAT 200", 200, &[], &[]), &[], &[("statistics", 0.8)]),
        text(course("PSYC 200", 200, &[], &[]), &[], &[("statistics", 0.8)]),
        text(course("ECON 200", 200, &[], &[]), &[], &[("statistics", 0.8)]),
        text(course("SOC 100", 100, &[], &[]), &[], &[("statistics", 0.4)]),
        text(course("STAT 500", 500, &[], &[]), &[], &[("statistics", 0.95)]),
        // A 300-level course whose text suggests it needs statistics, with no listed groups.
        text(course("STAT 300", 300, &[], &[]), &[("statistics", 0.7)], &[("regression", 0.7)]),
        // The same, but the catalog lists its prerequisites: inference adds nothing.
        text(course("STAT 310", 300, &[], &[&["STAT 100"]]), &[("statistics", 0.7)], &[("regression", 0.7)]),
    ];
    let catalog = Catalog::new(courses, Strictness::Strict).unwrap().0;
    let graph = PrereqGraph::new(&catalog, GraphOptions::default());
    let names = |c: &str| -> Vec<Vec<String>> {
        graph
            .groups(catalog.ix(c).unwrap())
            .iter()
            .map(|g| g.members.iter().map(|&m| catalog.course(m).id.clone()).collect())
            .collect()
    };
    // Lower level only (not STAT 500), score at least 0.5 (not SOC 100), at most three; all
    // score 0.7 here, so the course's own subject first (STAT 100, STAT 200), then the
    // lowest level, then catalog order (PSYC 200 before ECON 200).
    assert_eq!(names("STAT 300"), vec![vec!["STAT 100".to_string(), "STAT 200".into(), "PSYC 200".into()]]);
    assert_eq!(names("STAT 310"), vec![vec!["STAT 100".to_string()]], "the school's list stands alone");
    // A learner with the skill from any teacher meets the group.
    let rec = Recommender::new(catalog.clone(), graph.clone(), None, None, None).unwrap();
    let progress = rec.progress(&Learner { completed: vec![catalog.ix("ECON 200").unwrap()], ..Default::default() });
    assert!(graph.is_ready(catalog.ix("STAT 300").unwrap(), &progress));
}

#[test]
fn a_path_never_holds_two_equivalent_courses() {
    use wayfinder::path::{plan, PathRequest};
    // A and B teach the same and are not credited together; P needs B. Planning t1 picks A
    // (first in the catalog at the same cost), then t2 needs P, whose group B is met by A.
    let mut courses = vec![
        course("A 100", 100, &["t1"], &[]),
        course("B 100", 100, &["t1"], &[]),
        course("P 200", 200, &["t2"], &[&["B 100"]]),
    ];
    courses[0].no_credit_with = vec!["B 100".into()];
    let c = Catalog::new(courses, Strictness::Strict).unwrap().0;
    let g = PrereqGraph::new(&c, GraphOptions::default());
    let path = plan(&c, &g, &PathRequest { targets: vec!["t1".into(), "t2".into()], ..Default::default() }).unwrap();
    let ids: Vec<&str> = path.steps.iter().map(|s| c.course(s.course).id.as_str()).collect();
    assert!(!(ids.contains(&"A 100") && ids.contains(&"B 100")), "{ids:?}");
    assert!(ids.contains(&"P 200"), "{ids:?}");
}
