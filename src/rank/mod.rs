//! Hybrid ranking: filter to ready courses, score (collaborative affinity, content
//! similarity, goal text, goal skills, unlocks), diversify with MMR, explain.

mod explain;
mod mmr;
mod score;

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, CourseIx};
use crate::error::{Error, Result};
use crate::gaps::{self, GapParams, Taxonomy};
use crate::graph::{PrereqGraph, Progress};
use crate::mf::MfModel;
use crate::neighbours::Neighbours;
use crate::similarity::Embeddings;

pub use explain::{strong, Reason, ReasonData, ReasonKind, STRONG_COLLABORATIVE, STRONG_CONTENT, STRONG_GOAL_TEXT};

/// A skill at or above this level counts as known: it satisfies prerequisites inferred from it.
pub const KNOWN_SKILL_LEVEL: f32 = 0.5;

/// How much each score part counts. Validated: finite, non-negative, not all zero.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct Weights {
    /// Matrix-factorization affinity of the folded-in learner ("learners like you took it").
    pub collaborative: f32,
    /// Similarity to the learner's recent completions.
    pub content: f32,
    /// Similarity to the embedding of the learner's goal text.
    pub goal_text: f32,
    /// Coverage of the learner's gap skills, weighted by priority.
    pub goal_skills: f32,
    /// How many not-yet-taken courses this one opens.
    pub unlocks: f32,
}

impl Default for Weights {
    fn default() -> Self {
        Weights { collaborative: 0.3, content: 0.2, goal_text: 0.25, goal_skills: 0.2, unlocks: 0.05 }
    }
}

impl Weights {
    /// # Errors
    /// [`Error::InvalidParameter`] naming the weight that is negative or not finite, or
    /// `weights` when all are zero.
    pub fn validate(&self) -> Result<()> {
        for (name, w) in self.named() {
            if !w.is_finite() || w < 0.0 {
                return Err(Error::param(name, format!("weight {w} is not a finite non-negative number")));
            }
        }
        if self.total() <= 0.0 {
            return Err(Error::param("weights", "at least one weight must be positive"));
        }
        Ok(())
    }
    fn named(&self) -> [(&'static str, f32); 5] {
        [
            ("weights.collaborative", self.collaborative),
            ("weights.content", self.content),
            ("weights.goal_text", self.goal_text),
            ("weights.goal_skills", self.goal_skills),
            ("weights.unlocks", self.unlocks),
        ]
    }
    fn total(&self) -> f32 {
        self.named().iter().map(|(_, w)| w).sum()
    }
}

/// The level a completed course gives each skill it lists as taught; a skill the pipeline
/// inferred from the course text gives [`INFERRED_SKILL_LEVEL`]. Both are at least
/// [`KNOWN_SKILL_LEVEL`], so a completed course's skills satisfy prerequisites inferred from
/// them.
pub const COMPLETED_SKILL_LEVEL: f32 = 0.8;
/// See [`COMPLETED_SKILL_LEVEL`].
pub const INFERRED_SKILL_LEVEL: f32 = 0.6;

/// The skills a learner earned by completing courses, with the course that gave each its
/// level. Rule: a completed course gives every skill it teaches, and every skill it requires
/// (the learner had it to take the course), [`COMPLETED_SKILL_LEVEL`] when the catalog lists
/// it or [`INFERRED_SKILL_LEVEL`] when it was inferred, scaled by the learner's rating of the
/// course where given (1 to 5 stars, as `0.6 + 0.1 * (stars - 1)`: a 5 keeps the level, a 1
/// gives 60% of it). With a taxonomy, a skill also gives, at its level, every skill it builds
/// on, transitively (calculus gives algebra). A skill reached several ways keeps the highest
/// level.
pub fn skills_from_completions(
    catalog: &Catalog,
    completed: &[CourseIx],
    ratings: &[(CourseIx, f32)],
    taxonomy: Option<&Taxonomy>,
) -> BTreeMap<String, (f32, CourseIx)> {
    let mut out: BTreeMap<String, (f32, CourseIx)> = BTreeMap::new();
    let raise = |out: &mut BTreeMap<String, (f32, CourseIx)>, skill: &str, level: f32, c: CourseIx| -> bool {
        let e = out.entry(skill.to_string()).or_insert((0.0, c));
        let raised = level > e.0;
        if raised {
            *e = (level, c);
        }
        raised
    };
    for &c in completed {
        let course = catalog.course(c);
        let grade = ratings
            .iter()
            .find(|(r, _)| *r == c)
            .map_or(1.0, |(_, stars)| (0.6 + 0.1 * (stars.clamp(1.0, 5.0) - 1.0)).clamp(0.6, 1.0));
        for skill in course.teaches.iter().chain(&course.requires) {
            let base =
                if course.inferred_skills.contains_key(skill) { INFERRED_SKILL_LEVEL } else { COMPLETED_SKILL_LEVEL };
            raise(&mut out, skill, base * grade, c);
        }
    }
    if let Some(taxonomy) = taxonomy {
        // Highest levels first, so each skill is raised once to its final level.
        let mut stack: Vec<(String, f32, CourseIx)> = out.iter().map(|(s, &(l, c))| (s.clone(), l, c)).collect();
        stack.sort_by(|a, b| a.1.total_cmp(&b.1));
        while let Some((skill, level, c)) = stack.pop() {
            for base in taxonomy.builds_on(&skill) {
                let base = crate::catalog::normalise_skill(base);
                if raise(&mut out, &base, level, c) {
                    stack.push((base, level, c));
                }
            }
        }
    }
    out
}

/// The advising rules a ranking applies, each on by default and each switchable off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct Rules {
    /// A course cross-listed with, or not credited together with, a completed course counts
    /// as taken: never recommended, and it meets prerequisites.
    pub equivalents: bool,
    /// An alternative in a prerequisite group at or below the level of a member the learner
    /// completed is not recommended (MATH 220 after MATH 221), nor a course two or more
    /// levels below the learner's highest completed course of the same subject (the id's
    /// part before its first space: MATH 112 after MATH 415).
    pub outgrown: bool,
    /// No course more than one level (100 course numbers) above the learner's highest
    /// completed level, two with no leveled history; graduate courses (500 and up) only after
    /// upper-level work (300 and up).
    pub levels: bool,
    /// Special topics, readings, independent study, theses and senior projects only after
    /// upper-level work.
    pub standing: bool,
}

impl Default for Rules {
    fn default() -> Self {
        Rules { equivalents: true, outgrown: true, levels: true, standing: true }
    }
}

/// Course numbers per level (100, 200, ...).
pub const LEVEL_STEP: u32 = 100;
/// The first upper-level and graduate course levels.
pub const UPPER_LEVEL: u32 = 300;
/// See [`UPPER_LEVEL`].
pub const GRADUATE_LEVEL: u32 = 500;

/// Whether a title marks a course that needs standing: special topics, readings, independent
/// study or research, theses, senior projects and capstones (any case).
pub fn needs_standing(title: &str) -> bool {
    let t = title.to_lowercase();
    [
        "special topics",
        "topics in",
        "independent study",
        "individual study",
        "independent research",
        "readings in",
        "directed reading",
        "thesis",
        "senior project",
        "senior design",
        "capstone",
    ]
    .iter()
    .any(|k| t.contains(k))
}

/// A query's weights: the ones it gives, the rest from the bundle's defaults (so the CLI's
/// `--weights collaborative=1` and the browser's `{weights: {collaborative: 1}}` mean the same).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct PartialWeights {
    pub collaborative: Option<f32>,
    pub content: Option<f32>,
    pub goal_text: Option<f32>,
    pub goal_skills: Option<f32>,
    pub unlocks: Option<f32>,
}

impl PartialWeights {
    /// The given weights, each missing one taken from `defaults`.
    pub fn fill(&self, defaults: &Weights) -> Weights {
        Weights {
            collaborative: self.collaborative.unwrap_or(defaults.collaborative),
            content: self.content.unwrap_or(defaults.content),
            goal_text: self.goal_text.unwrap_or(defaults.goal_text),
            goal_skills: self.goal_skills.unwrap_or(defaults.goal_skills),
            unlocks: self.unlocks.unwrap_or(defaults.unlocks),
        }
    }
}

impl From<Weights> for PartialWeights {
    fn from(w: Weights) -> Self {
        PartialWeights {
            collaborative: Some(w.collaborative),
            content: Some(w.content),
            goal_text: Some(w.goal_text),
            goal_skills: Some(w.goal_skills),
            unlocks: Some(w.unlocks),
        }
    }
}

/// The ranking defaults a bundle carries: chosen by the pipeline on a validation split of the
/// site's own interactions, or [`RankDefaults::fallback`] when it had too few to tune on.
/// A query's own weights and diversity override them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RankDefaults {
    pub weights: Weights,
    /// MMR lambda in `[0, 1]` (1: relevance only).
    pub diversity: f32,
    /// The MF model's share of the collaborative part when the bundle has item neighbours too.
    pub mf_share: f32,
    /// How much a course that teaches only what the learner's completed courses taught is
    /// ranked down (its score times `1 - redundancy`), in `[0, 1]`. Absent in older bundles.
    #[serde(default = "default_redundancy")]
    pub redundancy: f32,
}

fn default_redundancy() -> f32 {
    RankOptions::default().redundancy
}

impl RankDefaults {
    /// The defaults for a bundle that could not be tuned.
    pub fn fallback() -> Self {
        let o = RankOptions::default();
        RankDefaults { weights: o.weights, diversity: o.lambda, mf_share: o.mf_share, redundancy: o.redundancy }
    }

    /// # Errors
    /// [`Error::InvalidParameter`] naming the weight, `diversity` or `mf_share` out of range.
    pub fn validate(&self) -> Result<()> {
        RankOptions {
            weights: self.weights,
            lambda: self.diversity,
            mf_share: self.mf_share,
            redundancy: self.redundancy,
            ..RankOptions::default()
        }
        .validate()
    }

    /// Options for one request: `k`, and the query's weights, diversity and rules over these
    /// defaults.
    pub fn options(
        &self,
        k: Option<usize>,
        weights: Option<&PartialWeights>,
        diversity: Option<f32>,
        rules: Option<Rules>,
    ) -> RankOptions {
        RankOptions {
            rules: rules.unwrap_or_default(),
            k: k.unwrap_or(RankOptions::default().k),
            weights: weights.map_or(self.weights, |w| w.fill(&self.weights)),
            lambda: diversity.unwrap_or(self.diversity),
            mf_share: self.mf_share,
            redundancy: self.redundancy,
            ..RankOptions::default()
        }
    }
}

impl Default for RankDefaults {
    fn default() -> Self {
        RankDefaults::fallback()
    }
}

/// What the learner brings to one request. The engine keeps none of it between calls.
#[derive(Debug, Clone, Default)]
pub struct Learner {
    /// Completed courses, oldest first (the most recent ones drive content similarity).
    pub completed: Vec<CourseIx>,
    /// Courses being taken now: they satisfy concurrent groups and are never recommended.
    pub in_progress: Vec<CourseIx>,
    /// Explicit ratings, used for fold-in when the model is an explicit-ratings model.
    pub ratings: Vec<(CourseIx, f32)>,
    /// Self-assessed skill levels in `[0, 1]`.
    pub skills: BTreeMap<String, f32>,
    /// The unit-length embedding of the learner's goal text, if they wrote one.
    pub goal_embedding: Option<Vec<f32>>,
    /// Skill levels the goal requires (`[0, 1]`); the gaps to them drive goal alignment.
    pub goal_skills: BTreeMap<String, f32>,
}

/// Per-request options.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RankOptions {
    pub k: usize,
    pub weights: Weights,
    /// MMR's lambda in `[0, 1]`: 1 ranks by relevance alone, lower values trade relevance for variety.
    pub lambda: f32,
    /// How many of the latest completions content similarity looks at.
    pub recent: usize,
    /// When the bundle has both collaborative models, the matrix factorization's share of the
    /// collaborative part (the item neighbours get the rest), in `[0, 1]`.
    pub mf_share: f32,
    /// See [`RankDefaults::redundancy`].
    pub redundancy: f32,
    pub rules: Rules,
}

impl Default for RankOptions {
    fn default() -> Self {
        RankOptions {
            k: 10,
            weights: Weights::default(),
            lambda: 0.9,
            recent: 5,
            mf_share: 0.25,
            redundancy: 0.5,
            rules: Rules::default(),
        }
    }
}

impl RankOptions {
    /// # Errors
    /// [`Error::InvalidParameter`] naming `k`, `lambda`, `recent` or the bad weight.
    pub fn validate(&self) -> Result<()> {
        self.weights.validate()?;
        if self.k == 0 || self.k > 1000 {
            return Err(Error::param("k", format!("{} is not between 1 and 1000", self.k)));
        }
        if !self.lambda.is_finite() || !(0.0..=1.0).contains(&self.lambda) {
            return Err(Error::param("lambda", format!("{} is not between 0 and 1", self.lambda)));
        }
        if !self.redundancy.is_finite() || !(0.0..=1.0).contains(&self.redundancy) {
            return Err(Error::param("redundancy", format!("{} is not between 0 and 1", self.redundancy)));
        }
        if !self.mf_share.is_finite() || !(0.0..=1.0).contains(&self.mf_share) {
            return Err(Error::param("mf_share", format!("{} is not between 0 and 1", self.mf_share)));
        }
        if self.recent == 0 || self.recent > 50 {
            return Err(Error::param("recent", format!("{} is not between 1 and 50", self.recent)));
        }
        Ok(())
    }
}

/// Each part of a course's score, before weighting, all in `[0, 1]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScoreParts {
    pub collaborative: f32,
    pub content: f32,
    pub goal_text: f32,
    pub goal_skills: f32,
    pub unlocks: f32,
}

/// One recommended course.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    pub course: CourseIx,
    /// Weighted relevance, `sum(weight * part)`; MMR chose the order.
    pub score: f32,
    pub parts: ScoreParts,
    /// Strongest reasons first; never empty.
    pub explanation: Vec<Reason>,
}

/// The answer to one request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranking {
    pub recommendations: Vec<Recommendation>,
    /// Each part's value at the top tenth of the candidates that have it (infinite with fewer
    /// than ten): a reason is named when its part reaches this or its absolute threshold.
    pub top_decile: ScoreParts,
    /// How many courses were ready to take (the candidates).
    pub candidates: usize,
}

/// Buffers reused between requests so a hot loop allocates nothing per course.
#[derive(Debug, Default)]
pub struct Scratch {
    collaborative: Vec<f32>,
    neighbour: Vec<f32>,
    similarities: Vec<f32>,
    alignment: Vec<f32>,
    candidates: Vec<CourseIx>,
}

/// The ranking engine over one catalog and its models. Immutable once built.
#[derive(Debug, Clone)]
pub struct Recommender {
    catalog: Catalog,
    graph: PrereqGraph,
    mf: Option<MfModel>,
    neighbours: Option<Neighbours>,
    embeddings: Option<Embeddings>,
    taxonomy: Option<Taxonomy>,
    /// Per course: whether its title marks it as needing standing ([`needs_standing`]),
    /// computed once rather than on every request.
    needs_standing: Vec<bool>,
    /// Per course: its subject (the id before the first space) as a number, and the skills
    /// it teaches as numbers ([`Recommender::skill_ids`]): a request compares numbers, not
    /// strings, for every candidate.
    subject: Vec<Option<u32>>,
    teaches: Vec<Vec<u32>>,
    /// Per course: its level, beside the rest so that a pass over every course reads one
    /// small array instead of each course's record.
    level: Vec<Option<u32>>,
    /// Every skill a course teaches, numbered.
    skill_ids: HashMap<String, u32>,
}

impl Recommender {
    /// # Errors
    /// [`Error::Dimension`] when the model's or the embeddings' rows do not match the catalog.
    pub fn new(
        catalog: Catalog,
        graph: PrereqGraph,
        mf: Option<MfModel>,
        embeddings: Option<Embeddings>,
        taxonomy: Option<Taxonomy>,
    ) -> Result<Self> {
        if let Some(m) = &mf {
            if m.n_items() != catalog.len() {
                return Err(Error::Dimension { what: "model item rows", expected: catalog.len(), got: m.n_items() });
            }
        }
        if let Some(e) = &embeddings {
            if e.len() != catalog.len() {
                return Err(Error::Dimension { what: "embedding rows", expected: catalog.len(), got: e.len() });
            }
        }
        let needs_standing = catalog.courses().iter().map(|c| needs_standing(&c.title)).collect();
        let level = catalog.courses().iter().map(|c| c.level).collect();
        let mut subjects: HashMap<&str, u32> = HashMap::new();
        let subject = catalog
            .courses()
            .iter()
            .map(|c| {
                let next = subjects.len() as u32;
                c.id.split_once(' ').map(|(s, _)| *subjects.entry(s).or_insert(next))
            })
            .collect();
        let mut skill_ids: HashMap<String, u32> = HashMap::new();
        let teaches = catalog
            .courses()
            .iter()
            .map(|c| {
                c.teaches
                    .iter()
                    .map(|s| {
                        let next = skill_ids.len() as u32;
                        *skill_ids.entry(s.clone()).or_insert(next)
                    })
                    .collect()
            })
            .collect();
        Ok(Recommender {
            catalog,
            graph,
            mf,
            neighbours: None,
            embeddings,
            taxonomy,
            needs_standing,
            subject,
            teaches,
            level,
            skill_ids,
        })
    }

    /// Adds the item-neighbour model, which the collaborative part blends with the MF model.
    ///
    /// # Errors
    /// [`Error::Dimension`] when its rows do not match the catalog.
    pub fn with_neighbours(mut self, neighbours: Option<Neighbours>) -> Result<Self> {
        if let Some(nb) = &neighbours {
            if nb.n_courses() != self.catalog.len() {
                return Err(Error::Dimension {
                    what: "neighbour rows",
                    expected: self.catalog.len(),
                    got: nb.n_courses(),
                });
            }
        }
        self.neighbours = neighbours;
        Ok(self)
    }

    /// The same catalog, graph, embeddings and taxonomy with other collaborative models (the
    /// pipeline's tuning and evaluation fit several on one site).
    ///
    /// # Errors
    /// [`Error::Dimension`] when a model's rows do not match the catalog.
    pub fn clone_with(&self, mf: Option<MfModel>, neighbours: Option<Neighbours>) -> Result<Self> {
        Recommender::new(self.catalog.clone(), self.graph.clone(), mf, self.embeddings.clone(), self.taxonomy.clone())?
            .with_neighbours(neighbours)
    }

    pub fn neighbours(&self) -> Option<&Neighbours> {
        self.neighbours.as_ref()
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }
    pub fn graph(&self) -> &PrereqGraph {
        &self.graph
    }
    pub fn embeddings(&self) -> Option<&Embeddings> {
        self.embeddings.as_ref()
    }
    pub fn model(&self) -> Option<&MfModel> {
        self.mf.as_ref()
    }
    pub fn taxonomy(&self) -> Option<&Taxonomy> {
        self.taxonomy.as_ref()
    }

    /// The learner's progress as the prerequisite graph sees it: completed courses with their
    /// equivalents (cross-listed or not credited together), and the skills the learner has,
    /// declared or earned ([`Recommender::skills`]).
    pub fn progress(&self, learner: &Learner) -> Progress {
        self.progress_with(learner, &self.skills(learner), &Rules::default())
    }

    /// The progress for a learner whose skills ([`Recommender::skills`]) are already known.
    fn progress_with(&self, learner: &Learner, skills: &BTreeMap<String, f32>, rules: &Rules) -> Progress {
        let known = skills.iter().filter(|(_, &l)| l >= KNOWN_SKILL_LEVEL).map(|(s, _)| s.clone());
        let completed =
            if rules.equivalents { self.catalog.credited(&learner.completed) } else { learner.completed.clone() };
        Progress::new(self.catalog.len(), &completed, &learner.in_progress, known)
    }

    /// Whether the level and standing rules let this learner see course `c`.
    fn level_allows(&self, c: CourseIx, highest: Option<u32>, rules: &Rules) -> bool {
        let upper = highest.is_some_and(|h| h >= UPPER_LEVEL);
        if rules.standing && !upper && self.needs_standing[c] {
            return false;
        }
        let Some(level) = self.level[c] else { return true };
        if !rules.levels {
            return true;
        }
        if level >= GRADUATE_LEVEL && !upper {
            return false;
        }
        let ceiling = match highest {
            Some(h) => h + LEVEL_STEP,
            None => 2 * LEVEL_STEP,
        };
        level <= ceiling
    }

    /// The learner's skill levels: the levels they declared, raised by what their completed
    /// courses teach ([`skills_from_completions`]); the higher of the two counts.
    pub fn skills(&self, learner: &Learner) -> BTreeMap<String, f32> {
        let mut skills = learner.skills.clone();
        for (skill, (level, _)) in
            skills_from_completions(&self.catalog, &learner.completed, &learner.ratings, self.taxonomy.as_ref())
        {
            let s = skills.entry(skill).or_insert(0.0);
            *s = s.max(level);
        }
        skills
    }

    /// Ranks the ready, not-yet-taken courses for a learner and explains each.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for bad options, skill levels or ratings,
    /// [`Error::Dimension`] for a goal embedding of the wrong width, and
    /// [`Error::UnknownCourse`]-style index errors never occur: callers resolve ids through
    /// the catalog first.
    pub fn recommend(&self, learner: &Learner, options: &RankOptions, scratch: &mut Scratch) -> Result<Ranking> {
        options.validate()?;
        let n = self.catalog.len();
        for &c in learner.completed.iter().chain(&learner.in_progress).chain(learner.ratings.iter().map(|(c, _)| c)) {
            if c >= n {
                return Err(Error::param("completed", format!("course index {c} is outside the catalog of {n}")));
            }
        }
        for (skill, &level) in &learner.skills {
            if !level.is_finite() || !(0.0..=1.0).contains(&level) {
                return Err(Error::param("skills", format!("the level of {skill:?} is {level}, not between 0 and 1")));
            }
        }
        let skills = self.skills(learner);
        let gap = gaps::analyze(&skills, &learner.goal_skills, self.taxonomy.as_ref(), &GapParams::default())?;
        let rules = options.rules;
        let progress = self.progress_with(learner, &skills, &rules);
        let outgrown = if rules.outgrown { self.graph.outgrown(&self.catalog, &progress) } else { vec![false; n] };
        let highest = learner.completed.iter().filter_map(|&c| self.catalog.course(c).level).max();
        // The highest level completed in each subject: (subject, level), one per subject.
        let mut by_subject: Vec<(u32, u32)> = Vec::new();
        if rules.outgrown {
            for &c in &learner.completed {
                if let (Some(subject), Some(level)) = (self.subject[c], self.catalog.course(c).level) {
                    match by_subject.iter_mut().find(|(s, _)| *s == subject) {
                        Some((_, top)) => *top = (*top).max(level),
                        None => by_subject.push((subject, level)),
                    }
                }
            }
        }
        let below_subject = |c: CourseIx| {
            let (Some(subject), Some(level)) = (self.subject[c], self.level[c]) else { return false };
            by_subject.iter().any(|&(s, top)| s == subject && level + 2 * LEVEL_STEP <= top)
        };
        let readiness = self.graph.readiness(&progress);
        scratch.candidates.clear();
        scratch.candidates.extend((0..n).filter(|&c| {
            readiness.ready[c]
                && !progress.is_completed(c)
                && !outgrown[c]
                && !learner.in_progress.contains(&c)
                && !below_subject(c)
                && self.level_allows(c, highest, &rules)
        }));
        let scored = score::score(self, learner, &gap, &readiness.unlocks, options, scratch)?;
        let picked = mmr::diversify(self, &scored, options);
        let recommendations: Vec<Recommendation> = picked
            .into_iter()
            .map(|i| {
                let s = &scored.courses[i];
                Recommendation {
                    course: s.course,
                    score: s.score,
                    parts: s.parts,
                    explanation: explain::explain(self, s, &scored.top_decile, &progress, options),
                }
            })
            .collect();
        Ok(Ranking { recommendations, top_decile: scored.top_decile, candidates: scratch.candidates.len() })
    }
}
