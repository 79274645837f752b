//! The prerequisite graph: explicit AND-of-OR groups from the catalog, groups inferred from
//! the skills courses teach and require, cycle reports, and readiness.

use std::collections::{BTreeMap, HashSet};

use crate::catalog::{Catalog, CourseIx, Group};

/// How the graph infers prerequisites from skills.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GraphOptions {
    /// Add a group "one of the courses that teach S" for every skill S a course requires.
    pub infer_from_skills: bool,
    /// For a requirement that was itself inferred from the course text: the fewest-members
    /// rule. The group keeps at most this many teachers, the most confident first, then those
    /// of the course's own subject, then the lowest level.
    pub max_inferred_members: usize,
    /// For a requirement inferred from the text: an edge is kept only when its score (the
    /// weaker of "the course requires S" and "the member teaches S") reaches this.
    pub min_inferred_score: f32,
}

impl Default for GraphOptions {
    fn default() -> Self {
        GraphOptions { infer_from_skills: true, max_inferred_members: 3, min_inferred_score: 0.5 }
    }
}

/// The likeliest prerequisites among a text-inferred requirement's teachers: lower level than
/// the course, edge score at least `min_inferred_score`, then at most `max_inferred_members`
/// by score, the course's own subject (the id before its first space), and lowest level.
/// Sorted by index, as groups are.
fn strongest_teachers(
    catalog: &Catalog,
    course: CourseIx,
    skill: &str,
    teachers: &[CourseIx],
    options: &GraphOptions,
) -> Vec<CourseIx> {
    let c = catalog.course(course);
    let need = c.skill_confidence(skill);
    let own = crate::catalog::subject(&c.id);
    let mut ranked: Vec<(f32, bool, u32, CourseIx)> = teachers
        .iter()
        .map(|&t| {
            let m = catalog.course(t);
            (need.min(m.skill_confidence(skill)), crate::catalog::subject(&m.id) == own, m.level.unwrap_or(u32::MAX), t)
        })
        .filter(|&(score, _, level, _)| score >= options.min_inferred_score && c.level.is_none_or(|l| level < l))
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)).then(a.3.cmp(&b.3)));
    let mut members: Vec<CourseIx> = ranked.into_iter().take(options.max_inferred_members).map(|r| r.3).collect();
    members.sort_unstable();
    members
}

/// One strongly connected set of courses whose prerequisites lead back to themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CycleReport {
    /// A concrete cycle `a -> b -> ... -> a` ("a needs b"), first course repeated last.
    pub cycle: Vec<CourseIx>,
    /// Every course in the strongly connected component, sorted.
    pub component: Vec<CourseIx>,
}

/// A learner's progress as the graph sees it.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    completed: Vec<bool>,
    concurrent: Vec<bool>,
    /// Looked up once per inferred group on every readiness check: a fast fixed hash
    /// (foldhash) rather than std's SipHash, which was a third of `readiness` over UIUC.
    skills: HashSet<String, foldhash::fast::FixedState>,
}

impl Progress {
    /// `completed` and `concurrent` (courses taken this term) are catalog indices; `skills`
    /// are skills the learner already has, which satisfy groups inferred from those skills.
    pub fn new(
        n_courses: usize,
        completed: &[CourseIx],
        concurrent: &[CourseIx],
        skills: impl IntoIterator<Item = String>,
    ) -> Self {
        let mut p = Progress {
            completed: vec![false; n_courses],
            concurrent: vec![false; n_courses],
            skills: skills.into_iter().map(|s| crate::catalog::normalise_skill(&s)).collect(),
        };
        for &c in completed {
            p.completed[c] = true;
        }
        for &c in concurrent {
            p.concurrent[c] = true;
        }
        p
    }
    pub fn is_completed(&self, c: CourseIx) -> bool {
        self.completed[c]
    }
    pub fn mark_completed(&mut self, c: CourseIx) {
        self.completed[c] = true;
    }
    pub fn mark_concurrent(&mut self, c: CourseIx) {
        self.concurrent[c] = true;
    }
    pub fn has_skill(&self, skill: &str) -> bool {
        self.skills.contains(skill)
    }
    pub fn add_skill(&mut self, skill: &str) {
        self.skills.insert(skill.to_string());
    }
    /// Whether a group is met: a completed member, a concurrent member where the group allows
    /// it, or (for an inferred group) the skill itself.
    pub fn satisfies(&self, group: &Group) -> bool {
        group.inferred_from.as_deref().is_some_and(|s| self.has_skill(s))
            || group.members.iter().any(|&m| self.completed[m] || (group.concurrent && self.concurrent[m]))
    }
}

/// Every course's readiness for one learner ([`PrereqGraph::readiness`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readiness {
    /// [`PrereqGraph::is_ready`] of each course.
    pub ready: Vec<bool>,
    /// [`PrereqGraph::unlock_count`] of each course not completed (0 for completed ones).
    pub unlocks: Vec<usize>,
}

/// Explicit and inferred prerequisite groups of every course, with reverse edges and cycles.
#[derive(Debug, Clone)]
pub struct PrereqGraph {
    groups: Vec<Vec<Group>>,
    dependents: Vec<Vec<CourseIx>>,
    teachers: BTreeMap<String, Vec<CourseIx>>,
    untaught: Vec<(CourseIx, String)>,
    cycles: Vec<CycleReport>,
}

impl PrereqGraph {
    /// Builds the graph. When course A requires a skill that courses B and C teach, A gets
    /// one inferred group "B or C", unless an explicit group of A already implies it (all its
    /// members teach the skill). A required skill nobody teaches is recorded, not dropped.
    ///
    /// A requirement the pipeline inferred from the course text (in `inferred_skills`) is
    /// weaker evidence, so its group is held to more: none for a course whose catalog lists
    /// prerequisites (inference never adds to or narrows the school's own list); members
    /// only at a lower level than the course, with an edge score of at least
    /// `min_inferred_score`, and at most `max_inferred_members` of them.
    pub fn new(catalog: &Catalog, options: GraphOptions) -> Self {
        let n = catalog.len();
        let mut teachers: BTreeMap<String, Vec<CourseIx>> = BTreeMap::new();
        for (i, course) in catalog.courses().iter().enumerate() {
            for skill in &course.teaches {
                teachers.entry(skill.clone()).or_default().push(i);
            }
        }
        let mut groups: Vec<Vec<Group>> = (0..n)
            .map(|i| catalog.explicit_groups(i).iter().chain(catalog.inferred_groups(i)).cloned().collect())
            .collect();
        let mut untaught = Vec::new();
        if options.infer_from_skills {
            for (i, course) in catalog.courses().iter().enumerate() {
                // A requirement inferred from the text adds nothing where the catalog lists
                // prerequisites or the pipeline inferred related ones from the texts.
                let listed = !catalog.explicit_groups(i).is_empty() || !catalog.inferred_groups(i).is_empty();
                for skill in &course.requires {
                    if course.teaches.contains(skill) {
                        continue;
                    }
                    let from_text = course.inferred_skills.contains_key(skill);
                    if from_text && listed {
                        continue;
                    }
                    let mut members: Vec<CourseIx> = teachers
                        .get(skill)
                        .map(|t| t.iter().copied().filter(|&t| t != i).collect())
                        .unwrap_or_default();
                    if from_text && !members.is_empty() {
                        members = strongest_teachers(catalog, i, skill, &members, &options);
                        if members.is_empty() {
                            continue; // no teacher is a likely enough prerequisite
                        }
                    }
                    if members.is_empty() {
                        untaught.push((i, skill.clone()));
                        continue;
                    }
                    let implied = catalog
                        .explicit_groups(i)
                        .iter()
                        .any(|g| g.members.iter().all(|m| members.binary_search(m).is_ok()));
                    if !implied {
                        let need = course.skill_confidence(skill);
                        let scores =
                            members.iter().map(|&m| need.min(catalog.course(m).skill_confidence(skill))).collect();
                        groups[i].push(Group {
                            members,
                            concurrent: false,
                            inferred_from: Some(skill.clone()),
                            scores,
                            not_in_catalog: Vec::new(),
                            inferred: true,
                        });
                    }
                }
            }
        }
        let mut dependents = vec![Vec::new(); n];
        for (i, gs) in groups.iter().enumerate() {
            for m in gs.iter().flat_map(|g| &g.members) {
                dependents[*m].push(i);
            }
        }
        for d in &mut dependents {
            d.sort_unstable();
            d.dedup();
        }
        let cycles = find_cycles(&groups);
        PrereqGraph { groups, dependents, teachers, untaught, cycles }
    }

    pub fn len(&self) -> usize {
        self.groups.len()
    }
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
    /// All groups of a course, explicit first, then inferred.
    pub fn groups(&self, c: CourseIx) -> &[Group] {
        &self.groups[c]
    }
    /// Courses that list `c` in one of their groups.
    pub fn dependents(&self, c: CourseIx) -> &[CourseIx] {
        &self.dependents[c]
    }
    /// Courses that teach a (normalised) skill, in catalog order.
    pub fn teachers(&self, skill: &str) -> &[CourseIx] {
        self.teachers.get(skill).map(Vec::as_slice).unwrap_or(&[])
    }
    /// `(course, skill)` pairs where a course requires a skill that no course teaches.
    pub fn untaught_requirements(&self) -> &[(CourseIx, String)] {
        &self.untaught
    }
    /// Every cycle among non-concurrent prerequisite edges (a concurrent group can be met by
    /// taking both courses together, so it cannot deadlock).
    pub fn cycles(&self) -> &[CycleReport] {
        &self.cycles
    }
    /// A course is ready when every one of its groups is met.
    pub fn is_ready(&self, c: CourseIx, progress: &Progress) -> bool {
        self.groups[c].iter().all(|g| progress.satisfies(g))
    }
    /// The number of courses that taking `c` would make ready for this learner: not
    /// completed, not ready now, and every group met once `c` is (courses the learner could
    /// already take, or still could not, are not counted).
    pub fn unlock_count(&self, c: CourseIx, progress: &Progress) -> usize {
        self.dependents[c]
            .iter()
            .filter(|&&d| {
                !progress.is_completed(d)
                    && !self.is_ready(d, progress)
                    && self.groups[d].iter().all(|g| progress.satisfies(g) || g.members.contains(&c))
            })
            .count()
    }

    /// [`PrereqGraph::unlock_count`] of every course at once, in one pass over the groups:
    /// a course not completed and not ready is made ready by taking `c` exactly when `c` is a
    /// member of every group it does not meet yet. The ranker scores every candidate, and on a
    /// catalog of 100,000 courses asking course by course re-checked the same dependents'
    /// groups once per prerequisite (a quarter of recommend()'s time).
    pub fn unlock_counts(&self, progress: &Progress) -> Vec<usize> {
        self.readiness(progress).unlocks
    }

    /// [`PrereqGraph::is_ready`] and [`PrereqGraph::unlock_counts`] of every course, from one
    /// check of each group: the ranker needs both, and checking the groups twice was a fifth
    /// of recommend()'s time over 100,000 courses.
    pub fn readiness(&self, progress: &Progress) -> Readiness {
        let mut ready = vec![false; self.len()];
        let mut unlocks = vec![0; self.len()];
        let mut unmet: Vec<&Group> = Vec::new();
        for (d, groups) in self.groups.iter().enumerate() {
            unmet.clear();
            unmet.extend(groups.iter().filter(|g| !progress.satisfies(g)));
            let Some((first, rest)) = unmet.split_first() else {
                ready[d] = true;
                continue;
            };
            if progress.is_completed(d) {
                continue;
            }
            // Members are sorted and distinct (`Group::members`).
            for &c in &first.members {
                if rest.iter().all(|g| g.members.binary_search(&c).is_ok()) {
                    unlocks[c] += 1;
                }
            }
        }
        Readiness { ready, unlocks }
    }

    /// Courses the learner has outgrown: an alternative in one of a course's explicit groups
    /// beside a member they have credit for, at or below that member's level (MATH 220 when
    /// "MATH 220 or MATH 221" lists MATH 221, which they took). Both levels must be known.
    ///
    /// Only the groups of courses that list a completed course are visited (through
    /// [`PrereqGraph::dependents`]), not every group of the catalog.
    pub fn outgrown(&self, catalog: &Catalog, progress: &Progress) -> Vec<bool> {
        let n = catalog.len();
        let mut out = vec![false; n];
        for m in (0..n).filter(|&m| progress.is_completed(m)) {
            let Some(done) = catalog.course(m).level else { continue };
            for &c in &self.dependents[m] {
                for g in catalog.explicit_groups(c).iter().filter(|g| g.members.contains(&m)) {
                    for &x in &g.members {
                        if !progress.is_completed(x) && catalog.course(x).level.is_some_and(|l| l <= done) {
                            out[x] = true;
                        }
                    }
                }
            }
        }
        out
    }
}

/// Tarjan's strongly connected components (iterative, so deep chains cannot overflow the
/// stack), then one concrete cycle per component with more than one course.
fn find_cycles(groups: &[Vec<Group>]) -> Vec<CycleReport> {
    let n = groups.len();
    let adj: Vec<Vec<CourseIx>> = groups
        .iter()
        .map(|gs| {
            let mut v: Vec<CourseIx> =
                gs.iter().filter(|g| !g.concurrent).flat_map(|g| g.members.iter().copied()).collect();
            v.sort_unstable();
            v.dedup();
            v
        })
        .collect();
    const UNSEEN: usize = usize::MAX;
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut next = 0;
    let mut components = Vec::new();
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        let mut call: Vec<(CourseIx, usize)> = vec![(root, 0)];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut edge)) = call.last_mut() {
            if let Some(&w) = adj[v].get(*edge) {
                *edge += 1;
                if index[w] == UNSEEN {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    call.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            call.pop();
            if let Some(&(parent, _)) = call.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                loop {
                    let w = stack.pop().expect("Tarjan stack holds the component");
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort_unstable();
                    components.push(component);
                }
            }
        }
    }
    components.sort();
    components.into_iter().map(|component| CycleReport { cycle: cycle_within(&adj, &component), component }).collect()
}

/// A shortest cycle through the component's first course, by BFS inside the component.
fn cycle_within(adj: &[Vec<CourseIx>], component: &[CourseIx]) -> Vec<CourseIx> {
    let start = component[0];
    let inside = |c: CourseIx| component.binary_search(&c).is_ok();
    let mut parent: std::collections::HashMap<CourseIx, CourseIx> = std::collections::HashMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &w in &adj[v] {
            if !inside(w) {
                continue;
            }
            if w == start {
                let mut path = vec![v];
                let mut cur = v;
                while cur != start {
                    cur = parent[&cur];
                    path.push(cur);
                }
                path.reverse();
                path.push(start);
                return path;
            }
            if let std::collections::hash_map::Entry::Vacant(e) = parent.entry(w) {
                e.insert(v);
                queue.push_back(w);
            }
        }
    }
    unreachable!("a strongly connected component of two or more courses has a cycle through each member")
}
