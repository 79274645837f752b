//! Seeded synthetic learners: enrolments and ratings with structure a model can find.
//!
//! Each simulated learner has hidden traits: an interest in every program (the subject part
//! of a course id, `CS` in `CS 101`), with one or two favourites; a taste for each course tag;
//! an ability; and one to three advanced goal courses they can reach in their terms, which
//! they plan for by choosing a prerequisite for every group the goals need. Term by term the
//! learner picks courses that are ready given what they have completed (a concurrent group
//! may be met by a pick from the same term), favouring planned courses, courses that match
//! their interests, and levels that suit how far along they are. They rate each course from
//! 1 to 5: higher when it matches their interests and ability, lower when it is advanced,
//! plus noise. The same parameters and seed always give the same enrolments.
//!
//! Tooling, not product: it writes the demo's `data/demo/enrollments.csv` and feeds tests, so
//! it lives outside the core and is never compiled into the browser module.

use std::collections::HashMap;
use std::fmt::Write;

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;

use wayfinder::catalog::{Catalog, CourseIx};
use wayfinder::graph::{PrereqGraph, Progress};
use wayfinder::{Error, Result};

/// How many learners to simulate and how they study. Checked by [`SimParams::validate`].
#[derive(Debug, Clone, PartialEq)]
pub struct SimParams {
    pub learners: usize,
    pub seed: u64,
    /// Fewest and most terms a learner studies, inclusive.
    pub terms: (usize, usize),
    /// Fewest and most courses a learner takes in one term, inclusive.
    pub per_term: (usize, usize),
    /// Standard deviation of the noise added to each rating, in stars.
    pub noise: f32,
}

impl Default for SimParams {
    fn default() -> Self {
        SimParams { learners: 500, seed: 42, terms: (4, 8), per_term: (3, 5), noise: 0.6 }
    }
}

impl SimParams {
    /// # Errors
    /// [`Error::InvalidParameter`] naming the field that is out of range.
    pub fn validate(&self) -> Result<()> {
        if self.learners == 0 {
            return Err(Error::param("learners", "must be at least 1"));
        }
        let range = |name: &'static str, (lo, hi): (usize, usize)| {
            if lo >= 1 && lo <= hi {
                Ok(())
            } else {
                Err(Error::param(name, format!("({lo}, {hi}) is not a range with 1 <= min <= max")))
            }
        };
        range("terms", self.terms)?;
        range("per_term", self.per_term)?;
        if !(self.noise.is_finite() && self.noise >= 0.0) {
            return Err(Error::param("noise", format!("{} is not a finite non-negative number", self.noise)));
        }
        Ok(())
    }
}

/// One simulated course taken by one learner.
#[derive(Debug, Clone, PartialEq)]
pub struct Enrolment {
    /// `L0001`, `L0002`, … in simulation order.
    pub learner: String,
    pub course: CourseIx,
    /// A whole number of stars from 1 to 5.
    pub rating: f32,
    /// The term the course was taken in, from 1; courses of one term were taken together.
    pub term: u32,
}

/// The program a course belongs to: its id up to the first space (`"CS"` for `"CS 101"`).
pub fn program(id: &str) -> &str {
    wayfinder::catalog::subject(id)
}

/// Simulates `params.learners` learners over `catalog`, in learner order, each learner's
/// courses in the order taken.
///
/// # Errors
/// [`Error::InvalidParameter`] from [`SimParams::validate`], and [`Error::Dimension`] when
/// `graph` was built from a catalog of a different size.
///
/// # Example
/// ```
/// use wayfinder::catalog::{Catalog, Strictness};
/// use wayfinder::graph::{GraphOptions, PrereqGraph};
/// use wayfinder_simulate::{simulate, to_csv, SimParams};
///
/// let json = br#"{"courses": [{"id": "ART 101"}, {"id": "ART 201", "prerequisites": [["ART 101"]]}]}"#;
/// let (catalog, _) = Catalog::from_json(json, Strictness::Strict).unwrap();
/// let graph = PrereqGraph::new(&catalog, GraphOptions::default());
/// let params = SimParams { learners: 2, ..SimParams::default() };
/// let enrolments = simulate(&catalog, &graph, &params).unwrap();
/// assert_eq!(enrolments.len(), 4); // both learners take both courses
/// assert!(to_csv(&catalog, &enrolments).starts_with("user,course,rating,timestamp\nL0001,ART 101,"));
/// ```
pub fn simulate(catalog: &Catalog, graph: &PrereqGraph, params: &SimParams) -> Result<Vec<Enrolment>> {
    params.validate()?;
    if graph.len() != catalog.len() {
        return Err(Error::Dimension { what: "prerequisite graph courses", expected: catalog.len(), got: graph.len() });
    }
    let world = World::new(catalog, graph, params.terms.1);
    // One seed per learner, drawn up front, so a learner's history does not depend on how many
    // random numbers the learners before them happened to use.
    let mut seeds = Pcg64::seed_from_u64(params.seed);
    let mut enrolments = Vec::new();
    for i in 0..params.learners {
        let mut rng = Pcg64::seed_from_u64(seeds.gen());
        let persona = Persona::sample(&world, params, &mut rng);
        let learner = format!("L{:04}", i + 1);
        for (course, rating, term) in study(&world, &persona, params, &mut rng) {
            enrolments.push(Enrolment { learner: learner.clone(), course, rating, term });
        }
    }
    Ok(enrolments)
}

/// `user,course,rating,timestamp` lines under that header, one per enrolment; the course is
/// its id and the timestamp its term. Fields holding a comma or a quote are quoted.
pub fn to_csv(catalog: &Catalog, enrolments: &[Enrolment]) -> String {
    let mut out = String::with_capacity(16 * (enrolments.len() + 1));
    out.push_str("user,course,rating,timestamp\n");
    for e in enrolments {
        let course = &catalog.course(e.course).id;
        // Writing to a String cannot fail.
        let _ = writeln!(out, "{},{},{},{}", csv_field(&e.learner), csv_field(course), e.rating, e.term);
    }
    out
}

fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

// ---------------------------------------------------------------------------------------
// The model of a learner

/// How strongly affinity steers which ready course a learner picks (a log-odds scale).
const CHOICE_SHARPNESS: f32 = 4.0;
/// Log-weight added to the courses a learner plans to take on the way to their goals.
const PLAN_BONUS: f32 = 4.0;
/// Each learner aims at between one and this many advanced goal courses.
const MAX_GOALS: usize = 3;
/// Log-weight lost per level (100) a course is above, or below, where the learner is now.
const ABOVE_LEVEL_PENALTY: f32 = 0.9;
const BELOW_LEVEL_PENALTY: f32 = 1.2;
/// Rating model: stars = BASE + MATCH * (affinity - MATCH_CENTRE) + ABILITY * ability
///                       - DIFFICULTY * (level - 1) + noise, rounded and clipped to 1..=5.
const RATING_BASE: f32 = 3.3;
const RATING_MATCH: f32 = 2.4;
const MATCH_CENTRE: f32 = 0.45;
const RATING_ABILITY: f32 = 0.5;
const RATING_DIFFICULTY: f32 = 0.3;
/// Share of a course's affinity that comes from its program; the rest from its tags.
const PROGRAM_SHARE: f32 = 0.75;

/// The catalog as the simulator sees it: each course's program, tags, level and depth.
struct World<'a> {
    graph: &'a PrereqGraph,
    programs: usize,
    tags: usize,
    courses: Vec<CourseView>,
}

struct CourseView {
    program: usize,
    tags: Vec<usize>,
    /// Level in hundreds (1 for a 100-level course), if the catalog gives one.
    level: Option<f32>,
    /// Terms of prerequisites before the course can be taken, counted up to `horizon`.
    depth: usize,
}

impl<'a> World<'a> {
    /// `horizon` is the most terms any learner studies; depths beyond it are not told apart.
    fn new(catalog: &Catalog, graph: &'a PrereqGraph, horizon: usize) -> World<'a> {
        let mut programs: HashMap<&str, usize> = HashMap::new();
        let mut tags: HashMap<&str, usize> = HashMap::new();
        let depths = depths(graph, horizon);
        let courses = catalog
            .courses()
            .iter()
            .zip(depths)
            .map(|(c, depth)| {
                let n = programs.len();
                let program_ix = *programs.entry(program(&c.id)).or_insert(n);
                let mut course_tags: Vec<usize> = c
                    .tags
                    .iter()
                    .map(|t| {
                        let n = tags.len();
                        *tags.entry(t.as_str()).or_insert(n)
                    })
                    .collect();
                course_tags.sort_unstable();
                course_tags.dedup();
                let level = c.level.map(|l| (l as f32 / 100.0).max(1.0));
                CourseView { program: program_ix, tags: course_tags, level, depth }
            })
            .collect();
        World { graph, programs: programs.len(), tags: tags.len(), courses }
    }

    /// How well each course matches a learner with these interests and tastes, from 0 to 1.
    fn affinities(&self, interest: &[f32], taste: &[f32]) -> Vec<f32> {
        self.courses
            .iter()
            .map(|c| {
                let tags = if c.tags.is_empty() {
                    0.0
                } else {
                    c.tags.iter().map(|&t| taste[t]).sum::<f32>() / c.tags.len() as f32
                };
                PROGRAM_SHARE * interest[c.program] + (1.0 - PROGRAM_SHARE) * tags
            })
            .collect()
    }

    /// The goals and, for every group of a planned course that no planned course meets yet,
    /// the member reachable soonest (the better liked on a tie).
    fn plan(&self, goals: &[CourseIx], affinity: &[f32]) -> Vec<bool> {
        let mut planned = vec![false; self.courses.len()];
        let mut stack = goals.to_vec();
        while let Some(c) = stack.pop() {
            if std::mem::replace(&mut planned[c], true) {
                continue;
            }
            for group in self.graph.groups(c) {
                if group.members.iter().any(|&m| planned[m]) {
                    continue;
                }
                let best = group.members.iter().copied().min_by(|&a, &b| {
                    self.courses[a].depth.cmp(&self.courses[b].depth).then(affinity[b].total_cmp(&affinity[a]))
                });
                stack.extend(best);
            }
        }
        planned
    }
}

/// Terms of prerequisites each course needs when every prerequisite takes a term (a member
/// of a concurrent group may share the term), found by relaxation and capped just past
/// `horizon`, so courses on a cycle or beyond any learner's reach stop there.
fn depths(graph: &PrereqGraph, horizon: usize) -> Vec<usize> {
    let cap = horizon + 1;
    let mut depth = vec![0; graph.len()];
    for _ in 0..=cap {
        let next: Vec<usize> = (0..graph.len())
            .map(|c| {
                let needed = graph
                    .groups(c)
                    .iter()
                    .map(|g| g.members.iter().map(|&m| depth[m] + usize::from(!g.concurrent)).min().unwrap_or(0));
                needed.max().unwrap_or(0).min(cap)
            })
            .collect();
        if next == depth {
            break;
        }
        depth = next;
    }
    depth
}

/// A learner's hidden traits, and the plan they follow.
struct Persona {
    /// How well each course matches the learner, from 0 to 1.
    affinity: Vec<f32>,
    /// Courses the learner means to take: their goals and the prerequisites those need.
    planned: Vec<bool>,
    /// Roughly standard normal: how well the learner does in general.
    ability: f32,
    terms: usize,
}

impl Persona {
    /// A favourite program, sometimes a second one, and a little interest in the rest (a
    /// mixture like a Dirichlet draw with a small concentration, without `rand_distr`), a
    /// taste for each tag, and one to three advanced goals the learner can reach in time.
    fn sample(world: &World, params: &SimParams, rng: &mut impl Rng) -> Persona {
        let mut interest: Vec<f32> = (0..world.programs).map(|_| 0.05 + 0.15 * rng.gen::<f32>()).collect();
        if world.programs > 0 {
            let first = rng.gen_range(0..world.programs);
            interest[first] = 1.0;
            if world.programs > 1 && rng.gen_bool(0.4) {
                let second = (first + rng.gen_range(1..world.programs)) % world.programs;
                interest[second] = 0.4 + 0.4 * rng.gen::<f32>();
            }
        }
        // Squaring skews tastes low, so each learner cares strongly about only a few tags.
        let taste: Vec<f32> = (0..world.tags).map(|_| rng.gen::<f32>().powi(2)).collect();
        let ability = 0.8 * standard_normal(rng);
        let terms = rng.gen_range(params.terms.0..=params.terms.1);
        let affinity = world.affinities(&interest, &taste);

        // Advanced: 300-level or above, or (without a level) two terms of prerequisites.
        let reachable: Vec<CourseIx> = (0..world.courses.len())
            .filter(|&c| {
                let course = &world.courses[c];
                course.depth < terms && course.level.map_or(course.depth >= 2, |l| l >= 3.0)
            })
            .collect();
        let mut weights: Vec<f32> = reachable.iter().map(|&c| (CHOICE_SHARPNESS * affinity[c]).exp()).collect();
        let mut goals = Vec::new();
        for _ in 0..rng.gen_range(1..=MAX_GOALS) {
            let Some(i) = weighted_choice(&weights, rng) else { break };
            weights[i] = 0.0;
            goals.push(reachable[i]);
        }
        let planned = world.plan(&goals, &affinity);
        Persona { affinity, planned, ability, terms }
    }
}

/// One learner's studies: `(course, rating, term)` in the order taken.
fn study(world: &World, persona: &Persona, params: &SimParams, rng: &mut impl Rng) -> Vec<(CourseIx, f32, u32)> {
    let n = world.courses.len();
    let mut progress = Progress::new(n, &[], &[], std::iter::empty());
    let mut taken = vec![false; n];
    let mut history = Vec::new();
    let mut weights = Vec::with_capacity(n);
    for term in 0..persona.terms {
        // The level a learner is ready for climbs from 100 in the first term to 400 in the last.
        let stage = 1.0 + (4 * term / persona.terms) as f32;
        let load = rng.gen_range(params.per_term.0..=params.per_term.1);
        let mut this_term = Vec::with_capacity(load);
        for _ in 0..load {
            weights.clear();
            weights.extend((0..n).map(|c| {
                if taken[c] || !world.graph.is_ready(c, &progress) {
                    return 0.0;
                }
                let distance = world.courses[c].level.map_or(0.0, |l| {
                    let d = l - stage;
                    if d > 0.0 {
                        ABOVE_LEVEL_PENALTY * d
                    } else {
                        -BELOW_LEVEL_PENALTY * d
                    }
                });
                let plan = if persona.planned[c] { PLAN_BONUS } else { 0.0 };
                (CHOICE_SHARPNESS * persona.affinity[c] + plan - distance).exp()
            }));
            let Some(c) = weighted_choice(&weights, rng) else { break };
            taken[c] = true;
            // A course picked this term satisfies its dependents' concurrent groups at once.
            progress.mark_concurrent(c);
            this_term.push(c);
        }
        for &c in &this_term {
            progress.mark_completed(c);
            let rating = rate(&world.courses[c], persona.affinity[c], persona.ability, params, rng);
            history.push((c, rating, term as u32 + 1));
        }
        if this_term.is_empty() {
            break;
        }
    }
    history
}

fn rate(course: &CourseView, affinity: f32, ability: f32, params: &SimParams, rng: &mut impl Rng) -> f32 {
    let difficulty = course.level.map_or(1.0, |l| l - 1.0);
    let stars = RATING_BASE + RATING_MATCH * (affinity - MATCH_CENTRE) + RATING_ABILITY * ability
        - RATING_DIFFICULTY * difficulty
        + params.noise * standard_normal(rng);
    stars.round().clamp(1.0, 5.0)
}

/// An index drawn with probability proportional to its weight; `None` when all are zero.
fn weighted_choice(weights: &[f32], rng: &mut impl Rng) -> Option<usize> {
    let total: f64 = weights.iter().map(|&w| w as f64).sum();
    if total <= 0.0 {
        return None;
    }
    let mut target = rng.gen::<f64>() * total;
    let mut last = None;
    for (i, &w) in weights.iter().enumerate() {
        if w > 0.0 {
            target -= w as f64;
            last = Some(i);
            if target < 0.0 {
                return last;
            }
        }
    }
    // Rounding can leave a sliver of the total unspent; it belongs to the last candidate.
    last
}

/// Box–Muller, so that `rand` needs no extra features.
fn standard_normal(rng: &mut impl Rng) -> f32 {
    let u1: f32 = 1.0 - rng.gen::<f32>(); // in (0, 1], so the log is finite
    let u2: f32 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wayfinder::catalog::Strictness;
    use wayfinder::graph::GraphOptions;

    /// Three programs of eleven courses each: two entry courses, a lab taken alongside the
    /// first, OR groups, a multi-group AND, and one cross-program requirement.
    fn catalog() -> (Catalog, PrereqGraph) {
        let mut courses = Vec::new();
        for p in ["ART", "BIO", "CHEM"] {
            let tag = p.to_lowercase();
            let mut course = |n: u32, prereqs: String| {
                let level = n / 100 * 100;
                courses.push(format!(
                    r#"{{"id": "{p} {n}", "level": {level}, "tags": ["{tag}"], "prerequisites": [{prereqs}]}}"#
                ));
            };
            course(101, String::new());
            course(102, String::new());
            course(103, format!(r#"{{"any_of": ["{p} 101"], "concurrent": true}}"#));
            course(201, format!(r#"["{p} 101", "{p} 102"]"#));
            course(202, format!(r#"["{p} 101"]"#));
            course(203, format!(r#"["{p} 102"]"#));
            course(301, format!(r#"["{p} 201"], ["{p} 202", "{p} 203"]"#));
            let cross = if p == "BIO" { r#", ["CHEM 101", "CHEM 102"]"# } else { "" };
            course(302, format!(r#"["{p} 201", "{p} 203"]{cross}"#));
            course(303, format!(r#"["{p} 202"]"#));
            course(401, format!(r#"["{p} 301"]"#));
            course(402, format!(r#"["{p} 302", "{p} 303"]"#));
        }
        let json = format!(r#"{{"courses": [{}]}}"#, courses.join(","));
        let (catalog, _) = Catalog::from_json(json.as_bytes(), Strictness::Strict).unwrap();
        let graph = PrereqGraph::new(&catalog, GraphOptions::default());
        assert!(graph.cycles().is_empty());
        (catalog, graph)
    }

    fn params(learners: usize, seed: u64) -> SimParams {
        SimParams { learners, seed, ..SimParams::default() }
    }

    #[test]
    fn same_seed_same_enrolments_and_another_seed_differs() {
        let (catalog, graph) = catalog();
        let a = simulate(&catalog, &graph, &params(30, 7)).unwrap();
        let b = simulate(&catalog, &graph, &params(30, 7)).unwrap();
        let c = simulate(&catalog, &graph, &params(30, 8)).unwrap();
        assert!(!a.is_empty());
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(to_csv(&catalog, &a), to_csv(&catalog, &b));
    }

    #[test]
    fn a_learner_does_not_depend_on_how_many_follow() {
        let (catalog, graph) = catalog();
        let few = simulate(&catalog, &graph, &params(5, 3)).unwrap();
        let many = simulate(&catalog, &graph, &params(20, 3)).unwrap();
        assert_eq!(few[..], many[..few.len()]);
    }

    #[test]
    fn every_course_was_ready_when_taken() {
        let (catalog, graph) = catalog();
        let enrolments = simulate(&catalog, &graph, &params(200, 11)).unwrap();
        let mut by_learner: HashMap<&str, Vec<&Enrolment>> = HashMap::new();
        for e in &enrolments {
            by_learner.entry(&e.learner).or_default().push(e);
        }
        let mut concurrent_uses = 0;
        for history in by_learner.values() {
            let mut ids: Vec<CourseIx> = history.iter().map(|e| e.course).collect();
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(ids.len(), history.len(), "a course taken twice");
            let last_term = history.iter().map(|e| e.term).max().unwrap();
            for term in 1..=last_term {
                let before: Vec<CourseIx> = history.iter().filter(|e| e.term < term).map(|e| e.course).collect();
                let now: Vec<CourseIx> = history.iter().filter(|e| e.term == term).map(|e| e.course).collect();
                let progress = Progress::new(catalog.len(), &before, &now, std::iter::empty());
                let strict = Progress::new(catalog.len(), &before, &[], std::iter::empty());
                for &c in &now {
                    let id = &catalog.course(c).id;
                    assert!(graph.is_ready(c, &progress), "{id} taken in term {term} before it was ready");
                    concurrent_uses += usize::from(!graph.is_ready(c, &strict));
                }
            }
        }
        assert!(concurrent_uses > 0, "no lab was ever taken alongside its course");
    }

    #[test]
    fn ratings_are_whole_stars_and_terms_fit_the_parameters() {
        let (catalog, graph) = catalog();
        let p = SimParams { terms: (2, 3), per_term: (1, 2), ..params(100, 5) };
        let enrolments = simulate(&catalog, &graph, &p).unwrap();
        for e in &enrolments {
            assert!((1.0..=5.0).contains(&e.rating) && e.rating.fract() == 0.0, "rating {}", e.rating);
            assert!((1..=3).contains(&e.term));
        }
        let mut per_term: HashMap<(&str, u32), usize> = HashMap::new();
        for e in &enrolments {
            *per_term.entry((&e.learner, e.term)).or_default() += 1;
        }
        assert!(per_term.values().all(|&n| (1..=2).contains(&n)));
        let stars: std::collections::BTreeSet<i32> = enrolments.iter().map(|e| e.rating as i32).collect();
        assert!(stars.len() >= 4, "ratings use too few values: {stars:?}");
    }

    #[test]
    fn a_devoted_learner_takes_mostly_their_program() {
        let (catalog, graph) = catalog();
        let world = World::new(&catalog, &graph, 3);
        let bio = world.courses[catalog.require("BIO 101").unwrap()].program;
        let mut interest = vec![0.02; world.programs];
        interest[bio] = 1.0;
        let affinity = world.affinities(&interest, &vec![0.0; world.tags]);
        let persona = Persona { affinity, planned: vec![false; catalog.len()], ability: 0.0, terms: 3 };
        let p = SimParams { per_term: (3, 3), ..SimParams::default() };
        let mut rng = Pcg64::seed_from_u64(1);
        let (mut in_bio, mut total) = (0, 0);
        let mut bio_stars = Vec::new();
        for _ in 0..20 {
            for (c, rating, _) in study(&world, &persona, &p, &mut rng) {
                total += 1;
                if world.courses[c].program == bio {
                    in_bio += 1;
                    bio_stars.push(rating);
                }
            }
        }
        assert!(in_bio as f32 >= 0.7 * total as f32, "{in_bio} of {total} courses in BIO");
        let mean = bio_stars.iter().sum::<f32>() / bio_stars.len() as f32;
        assert!(mean >= 3.5, "a devoted learner rates their program {mean:.2} on average");
    }

    #[test]
    fn depth_counts_terms_and_a_concurrent_lab_shares_one() {
        let (catalog, graph) = catalog();
        let depth = |horizon, id| World::new(&catalog, &graph, horizon).courses[catalog.require(id).unwrap()].depth;
        let expected = [("BIO 101", 0), ("BIO 103", 0), ("BIO 201", 1), ("BIO 301", 2), ("BIO 302", 2), ("BIO 401", 3)];
        for (id, d) in expected {
            assert_eq!(depth(8, id), d, "{id}");
        }
        assert_eq!(depth(1, "BIO 401"), 2, "depths stop just past the horizon");
    }

    #[test]
    fn a_planning_learner_reaches_their_goal() {
        let (catalog, graph) = catalog();
        let world = World::new(&catalog, &graph, 4);
        let goal = catalog.require("BIO 401").unwrap();
        let affinity = vec![0.3; catalog.len()];
        let planned = world.plan(&[goal], &affinity);
        let plan: Vec<&str> =
            (0..catalog.len()).filter(|&c| planned[c]).map(|c| catalog.course(c).id.as_str()).collect();
        // BIO 301 needs BIO 201 and one of BIO 202 / BIO 203; BIO 201 needs BIO 101 or BIO 102.
        assert_eq!(plan.len(), 5, "{plan:?}");
        assert!(["BIO 401", "BIO 301", "BIO 201"].iter().all(|id| plan.contains(id)), "{plan:?}");
        let persona = Persona { affinity, planned, ability: 0.0, terms: 4 };
        let mut rng = Pcg64::seed_from_u64(2);
        let reached = (0..20)
            .filter(|_| study(&world, &persona, &SimParams::default(), &mut rng).iter().any(|&(c, _, _)| c == goal))
            .count();
        assert!(reached >= 16, "the goal was reached in {reached} of 20 runs");
    }

    #[test]
    fn bad_parameters_name_the_field() {
        let (catalog, graph) = catalog();
        let cases = [
            (SimParams { learners: 0, ..SimParams::default() }, "learners"),
            (SimParams { terms: (0, 3), ..SimParams::default() }, "terms"),
            (SimParams { terms: (5, 4), ..SimParams::default() }, "terms"),
            (SimParams { per_term: (3, 2), ..SimParams::default() }, "per_term"),
            (SimParams { noise: f32::NAN, ..SimParams::default() }, "noise"),
            (SimParams { noise: -0.1, ..SimParams::default() }, "noise"),
        ];
        for (p, field) in cases {
            match simulate(&catalog, &graph, &p) {
                Err(Error::InvalidParameter { name, .. }) => assert_eq!(name, field),
                other => panic!("{p:?}: expected an error naming {field}, got {other:?}"),
            }
        }
    }

    #[test]
    fn csv_quotes_only_when_needed() {
        let json = br#"{"courses": [{"id": "A 1"}, {"id": "B, \"2\""}]}"#;
        let (catalog, _) = Catalog::from_json(json, Strictness::Strict).unwrap();
        let e = |course| Enrolment { learner: "L0001".into(), course, rating: 4.0, term: 2 };
        assert_eq!(
            to_csv(&catalog, &[e(0), e(1)]),
            "user,course,rating,timestamp\nL0001,A 1,4,2\nL0001,\"B, \"\"2\"\"\",4,2\n"
        );
    }
}
