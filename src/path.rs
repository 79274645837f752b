//! Learning paths: the courses that take a learner from what they know to target skills,
//! with the prerequisites those courses need, in prerequisite order, optionally in terms.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use crate::catalog::{normalise_skill, Catalog, CourseIx};
use crate::error::{Error, Result};
use crate::graph::{PrereqGraph, Progress};

/// What "as small as possible" means when choosing among alternatives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Minimize {
    /// Fewest courses.
    #[default]
    Courses,
    /// Fewest credits.
    Credits,
}

/// A request for a learning path.
#[derive(Debug, Clone, Default)]
pub struct PathRequest {
    pub targets: Vec<String>,
    pub completed: Vec<CourseIx>,
    /// Skills the learner already has (these count as met targets and satisfy inferred groups).
    pub known_skills: Vec<String>,
    /// Split the plan into terms of at most this many credits.
    pub max_credits_per_term: Option<f32>,
    pub minimize: Minimize,
}

/// Why a course is on the path.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StepReason {
    /// It teaches these target skills.
    Teaches { skills: Vec<String> },
    /// It is a prerequisite of these courses on the path.
    PrerequisiteOf { courses: Vec<CourseIx> },
}

/// One course on the path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathStep {
    pub course: CourseIx,
    pub reasons: Vec<StepReason>,
    /// Courses on the path this one needs first (the members chosen for its groups).
    pub after: Vec<CourseIx>,
    /// Its term, counting from 0, when terms were asked for.
    pub term: Option<usize>,
}

/// A learning path in prerequisite order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LearningPath {
    pub steps: Vec<PathStep>,
    /// Term by term, when a credit limit was given.
    pub terms: Vec<Vec<CourseIx>>,
    /// Targets the learner already has (by skill or a completed course).
    pub already_met: Vec<String>,
    /// Targets no course in the catalog teaches.
    pub untaught: Vec<String>,
    /// Targets taught only by courses the learner cannot reach (prerequisites on a cycle).
    pub unreachable: Vec<String>,
    pub total_credits: f32,
    /// Courses the greedy cover first chose and then dropped as spare: every target skill
    /// they were there for is taught by another course on the path, and no course on the
    /// path needs them.
    pub dropped: Vec<CourseIx>,
}

/// Plans a path: greedy weighted set cover of the missing target skills, where a course's
/// cost includes the cheapest prerequisites it still needs, then the prerequisites of the
/// chosen courses (cheapest alternative per OR group), then a topological order.
///
/// # Errors
/// [`Error::InvalidParameter`] for a non-positive or non-finite credit limit, and
/// [`Error::CourseExceedsTermLimit`] when one course alone does not fit in a term.
pub fn plan(catalog: &Catalog, graph: &PrereqGraph, request: &PathRequest) -> Result<LearningPath> {
    if let Some(limit) = request.max_credits_per_term {
        if !limit.is_finite() || limit <= 0.0 {
            return Err(Error::param("max_credits_per_term", format!("{limit} is not a positive number")));
        }
    }
    let n = catalog.len();
    let mut progress = Progress::new(n, &request.completed, &[], request.known_skills.iter().cloned());
    for &c in &request.completed {
        for s in &catalog.course(c).teaches {
            progress.add_skill(s);
        }
    }
    let mut targets: Vec<String> = Vec::new();
    for t in &request.targets {
        let t = normalise_skill(t);
        if !t.is_empty() && !targets.contains(&t) {
            targets.push(t);
        }
    }
    let (already_met, targets): (Vec<String>, Vec<String>) = targets.into_iter().partition(|t| progress.has_skill(t));
    let (untaught, mut missing): (Vec<String>, Vec<String>) =
        targets.into_iter().partition(|t| graph.teachers(t).is_empty());

    let mut planner = Planner {
        catalog,
        graph,
        start: progress.clone(),
        progress,
        minimize: request.minimize,
        plan: Vec::new(),
        chosen: HashMap::new(),
        reasons: HashMap::new(),
    };
    let mut unreachable = Vec::new();
    while !missing.is_empty() {
        let costs = planner.costs()?;
        let best = missing
            .iter()
            .flat_map(|s| graph.teachers(s).iter().copied())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .filter(|&c| !planner.progress.is_completed(c) && costs[c] != UNREACHABLE)
            .map(|c| {
                let covered = missing.iter().filter(|s| catalog.course(c).teaches.contains(s)).count();
                (c, covered as u128)
            })
            // The most target skills per unit of cost, compared exactly (a/x > b/y as ay > bx).
            .max_by(|&(a, ca), &(b, cb)| {
                (ca * u128::from(costs[b]))
                    .cmp(&(cb * u128::from(costs[a])))
                    .then_with(|| planner.order_key(b).cmp(&planner.order_key(a)))
            });
        let Some((course, _)) = best else {
            unreachable.append(&mut missing);
            break;
        };
        let skills: Vec<String> =
            missing.iter().filter(|s| catalog.course(course).teaches.contains(s)).cloned().collect();
        planner.reasons.entry(course).or_default().push(StepReason::Teaches { skills });
        planner.add_with_prerequisites(course, &costs);
        missing.retain(|s| !planner.progress.has_skill(s));
    }
    planner.finish(already_met, untaught, unreachable, request.max_credits_per_term)
}

/// A course's cost of taking now, with every prerequisite it still needs, in the units of
/// [`Planner::weight`].
type Cost = u64;
/// The cost of a course no alternative leads to (its prerequisites are on a cycle).
const UNREACHABLE: Cost = Cost::MAX;

struct Planner<'a> {
    catalog: &'a Catalog,
    graph: &'a PrereqGraph,
    /// The learner as they are now.
    start: Progress,
    /// Completed courses plus those already planned.
    progress: Progress,
    minimize: Minimize,
    plan: Vec<CourseIx>,
    /// For each planned course, the planned courses chosen to meet its groups.
    chosen: HashMap<CourseIx, Vec<CourseIx>>,
    reasons: HashMap<CourseIx, Vec<StepReason>>,
}

impl Planner<'_> {
    /// A course's own cost: 1, or its credits in hundredths (at least 1, so a path never
    /// grows for free). Whole numbers, so sums are exact: in f32, past 2^24 adding a course
    /// changed nothing and a prerequisite no longer cost less than the course needing it.
    fn weight(&self, c: CourseIx) -> Cost {
        match self.minimize {
            Minimize::Courses => 1,
            // Credits are finite and non-negative (the catalog checks); `as` saturates.
            Minimize::Credits => ((f64::from(self.catalog.course(c).credits()) * 100.0).round() as Cost).max(1),
        }
    }

    /// Deterministic preference among equals: lower level, then catalog order.
    fn order_key(&self, c: CourseIx) -> (u32, CourseIx) {
        (self.catalog.course(c).level.unwrap_or(u32::MAX), c)
    }

    /// The cost of taking each course now: its weight plus, for each unmet group, the cheapest
    /// member's cost. Computed as a fixed point (Bellman-Ford style), so cycles get cost
    /// [`UNREACHABLE`] unless some alternative leads out of them.
    ///
    /// # Errors
    /// [`Error::PathCostOverflow`] when a cost does not fit in a `u64`.
    fn costs(&self) -> Result<Vec<Cost>> {
        let n = self.catalog.len();
        let mut cost: Vec<Cost> = (0..n).map(|c| if self.progress.is_completed(c) { 0 } else { UNREACHABLE }).collect();
        let overflow = |c: CourseIx| Error::PathCostOverflow { course: self.catalog.course(c).id.clone() };
        loop {
            let mut changed = false;
            for c in 0..n {
                if self.progress.is_completed(c) {
                    continue;
                }
                let mut total = self.weight(c);
                let mut reachable = true;
                for g in self.graph.groups(c) {
                    if self.progress.satisfies(g) {
                        continue;
                    }
                    let cheapest = g.members.iter().map(|&m| cost[m]).min().unwrap_or(UNREACHABLE);
                    if cheapest == UNREACHABLE {
                        reachable = false;
                        break;
                    }
                    total = total.checked_add(cheapest).filter(|&t| t < UNREACHABLE).ok_or_else(|| overflow(c))?;
                }
                if reachable && total < cost[c] {
                    cost[c] = total;
                    changed = true;
                }
            }
            if !changed {
                return Ok(cost);
            }
        }
    }

    /// Adds `c` and the prerequisites it still needs. Breadth first, so a course that one
    /// group needs anyway is reused for another group that lists it as an alternative; groups
    /// with fewer alternatives are met first for the same reason. Every chosen prerequisite
    /// has a strictly lower cost than the course needing it, so the choices form no cycle,
    /// and sorting the new courses by cost puts prerequisites first.
    fn add_with_prerequisites(&mut self, c: CourseIx, costs: &[Cost]) {
        if self.progress.is_completed(c) {
            return;
        }
        let mut needed = vec![c];
        let mut next = 0;
        while next < needed.len() {
            let x = needed[next];
            next += 1;
            let mut groups: Vec<_> = self.graph.groups(x).iter().filter(|g| !self.start.satisfies(g)).collect();
            groups.sort_by_key(|g| g.members.len());
            let mut chosen = Vec::new();
            for g in groups {
                let reuse = g
                    .members
                    .iter()
                    .copied()
                    .find(|&m| self.plan.contains(&m) || (needed.contains(&m) && costs[m] < costs[x]));
                let m = match reuse {
                    Some(m) => m,
                    None if self.progress.satisfies(g) => continue,
                    None => {
                        let m = g
                            .members
                            .iter()
                            .copied()
                            .filter(|&m| costs[m] < costs[x])
                            .min_by(|&a, &b| {
                                costs[a].cmp(&costs[b]).then_with(|| self.order_key(a).cmp(&self.order_key(b)))
                            })
                            .expect("a course with finite cost has a cheaper member in every unmet group");
                        needed.push(m);
                        m
                    }
                };
                chosen.push(m);
                self.note_prerequisite(m, x);
            }
            chosen.sort_unstable();
            chosen.dedup();
            self.chosen.insert(x, chosen);
        }
        needed.sort_by_key(|&a| costs[a]);
        for x in needed {
            self.progress.mark_completed(x);
            // Its equivalents (cross-listed, or not credited together) are taken with it:
            // never added to the path as well.
            for &e in self.catalog.equivalents(x) {
                self.progress.mark_completed(e);
            }
            for s in &self.catalog.course(x).teaches {
                self.progress.add_skill(s);
            }
            self.plan.push(x);
        }
    }

    fn note_prerequisite(&mut self, prerequisite: CourseIx, of: CourseIx) {
        let reasons = self.reasons.entry(prerequisite).or_default();
        add_to_reason(reasons, of, prerequisite_of, |courses| StepReason::PrerequisiteOf { courses });
    }

    /// Drops spare courses, latest choice first, until none is left: a course no other
    /// course on the path needs, whose target skills (if any) another course on the path also
    /// teaches. Its own prerequisites then lose it as a reason and may become spare too.
    /// A target skill whose course was dropped is credited to a remaining course teaching it.
    fn prune(&mut self) -> Vec<CourseIx> {
        let mut dropped = Vec::new();
        loop {
            let spare = self.plan.iter().rev().copied().find(|&c| {
                let needed = self.plan.iter().any(|&x| x != c && self.chosen.get(&x).is_some_and(|ch| ch.contains(&c)));
                let targets = self.reasons.get(&c).into_iter().flatten().flat_map(|r| match r {
                    StepReason::Teaches { skills } => skills.as_slice(),
                    StepReason::PrerequisiteOf { .. } => &[],
                });
                !needed
                    && targets
                        .into_iter()
                        .all(|s| self.plan.iter().any(|&o| o != c && self.catalog.course(o).teaches.contains(s)))
            });
            let Some(c) = spare else { break };
            self.plan.retain(|&x| x != c);
            self.chosen.remove(&c);
            let skills: Vec<String> = self
                .reasons
                .remove(&c)
                .into_iter()
                .flatten()
                .flat_map(|r| match r {
                    StepReason::Teaches { skills } => skills,
                    StepReason::PrerequisiteOf { .. } => Vec::new(),
                })
                .collect();
            for reasons in self.reasons.values_mut() {
                for r in reasons.iter_mut() {
                    if let StepReason::PrerequisiteOf { courses } = r {
                        courses.retain(|&x| x != c);
                    }
                }
                reasons.retain(|r| !matches!(r, StepReason::PrerequisiteOf { courses } if courses.is_empty()));
            }
            for skill in skills {
                let heir = self
                    .plan
                    .iter()
                    .copied()
                    .find(|&o| self.catalog.course(o).teaches.contains(&skill))
                    .expect("a spare course's skills are taught on the path");
                add_to_reason(self.reasons.entry(heir).or_default(), skill, teaches, |skills| StepReason::Teaches {
                    skills,
                });
            }
            dropped.push(c);
        }
        dropped
    }

    fn finish(
        mut self,
        already_met: Vec<String>,
        untaught: Vec<String>,
        unreachable: Vec<String>,
        limit: Option<f32>,
    ) -> Result<LearningPath> {
        let dropped = self.prune();
        // `plan` was built prerequisites-first, so it is already a topological order; sort
        // stably into levels of depth so that independent courses appear in a calm order.
        let mut depth: HashMap<CourseIx, usize> = HashMap::new();
        for &c in &self.plan {
            let d = self.chosen[&c].iter().map(|p| depth[p] + 1).max().unwrap_or(0);
            depth.insert(c, d);
        }
        let mut order = self.plan.clone();
        order.sort_by_key(|&c| (depth[&c], self.order_key(c)));

        let mut terms: Vec<Vec<CourseIx>> = Vec::new();
        let mut term_of: HashMap<CourseIx, usize> = HashMap::new();
        if let Some(limit) = limit {
            let mut load: Vec<f32> = Vec::new();
            for &c in &order {
                let credits = self.catalog.course(c).credits();
                if credits > limit {
                    return Err(Error::CourseExceedsTermLimit {
                        course: self.catalog.course(c).id.clone(),
                        credits,
                        limit,
                    });
                }
                let concurrent_ok = |p: CourseIx| {
                    self.graph.groups(c).iter().any(|g| g.concurrent && g.members.contains(&p))
                        && !self.graph.groups(c).iter().any(|g| !g.concurrent && g.members.contains(&p))
                };
                let earliest =
                    self.chosen[&c].iter().map(|&p| term_of[&p] + usize::from(!concurrent_ok(p))).max().unwrap_or(0);
                let mut t = earliest;
                while t < load.len() && load[t] + credits > limit + 1e-4 {
                    t += 1;
                }
                if t == load.len() {
                    load.push(0.0);
                    terms.push(Vec::new());
                }
                load[t] += credits;
                terms[t].push(c);
                term_of.insert(c, t);
            }
            order.sort_by_key(|&c| (term_of[&c], depth[&c], self.order_key(c)));
        }
        let total_credits = order.iter().map(|&c| self.catalog.course(c).credits()).sum();
        let mut reasons = self.reasons;
        let steps = order
            .iter()
            .map(|&c| PathStep {
                course: c,
                reasons: reasons.remove(&c).unwrap_or_default(),
                after: self.chosen[&c].clone(),
                term: term_of.get(&c).copied(),
            })
            .collect();
        Ok(LearningPath { steps, terms, already_met, untaught, unreachable, total_credits, dropped })
    }
}

fn teaches(r: &mut StepReason) -> Option<&mut Vec<String>> {
    match r {
        StepReason::Teaches { skills } => Some(skills),
        StepReason::PrerequisiteOf { .. } => None,
    }
}

fn prerequisite_of(r: &mut StepReason) -> Option<&mut Vec<CourseIx>> {
    match r {
        StepReason::PrerequisiteOf { courses } => Some(courses),
        StepReason::Teaches { .. } => None,
    }
}

/// Adds `item` to a course's reason of one kind (`list` finds its list), once; a course
/// without that reason gets `make(vec![item])`, "teaches" reasons first.
fn add_to_reason<T: PartialEq>(
    reasons: &mut Vec<StepReason>,
    item: T,
    list: fn(&mut StepReason) -> Option<&mut Vec<T>>,
    make: fn(Vec<T>) -> StepReason,
) {
    match reasons.iter_mut().find_map(list) {
        Some(items) if !items.contains(&item) => items.push(item),
        Some(_) => {}
        None => match make(vec![item]) {
            r @ StepReason::Teaches { .. } => reasons.insert(0, r),
            r @ StepReason::PrerequisiteOf { .. } => reasons.push(r),
        },
    }
}
