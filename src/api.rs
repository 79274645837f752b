//! Requests and answers in course ids, shared by every edge (the CLI's `--json`, the browser
//! module), so the native and browser answers are the same code and the same shapes.
//! Unknown course ids are reported in the answer, never dropped silently and never a crash.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, CourseIx};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::gaps::{self, GapAnalysis, GapParams};
use crate::path::{plan, Minimize, PathRequest, StepReason};
use crate::rank::{Learner, PartialWeights, ReasonData, Rules, ScoreParts, Scratch, KNOWN_SKILL_LEVEL};

/// What to recommend for. Every field is optional in JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct RecommendQuery {
    /// Completed course ids, oldest first.
    pub completed: Vec<String>,
    /// Courses being taken this term.
    pub in_progress: Vec<String>,
    /// Ratings by course id (typically 1 to 5).
    pub ratings: BTreeMap<String, f32>,
    /// Skill levels from 0 to 1.
    pub skills: BTreeMap<String, f32>,
    /// The learner's goal in their own words; the edge embeds it.
    pub goal_text: Option<String>,
    /// Skill levels the goal needs, from 0 to 1.
    pub goal_skills: BTreeMap<String, f32>,
    pub k: Option<usize>,
    /// Weights for the score parts; any left out come from the bundle's defaults.
    pub weights: Option<PartialWeights>,
    /// MMR lambda from 0 (most varied) to 1 (relevance only).
    pub diversity: Option<f32>,
    /// The advising rules, each on unless switched off here.
    pub rules: Option<Rules>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecommendedCourse {
    pub id: String,
    pub title: String,
    pub credits: f32,
    pub score: f32,
    pub parts: ScoreParts,
    /// Plain-words reasons, strongest first.
    pub explanation: Vec<String>,
    /// The same reasons as data (`{kind, ...}`), for sites that word them themselves.
    pub reasons: Vec<ReasonData>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecommendAnswer {
    pub recommendations: Vec<RecommendedCourse>,
    /// Ids in the query that are not in the catalog (ignored).
    pub unknown_courses: Vec<String>,
    /// How many courses were ready to take.
    pub candidates: usize,
}

/// Resolves ids, collecting the unknown ones.
fn resolve(catalog: &Catalog, ids: &[String], unknown: &mut Vec<String>) -> Vec<CourseIx> {
    let (known, missing) = catalog.resolve(ids.iter().map(String::as_str));
    unknown.extend(missing);
    known
}

/// Ranks courses for a learner with the engine's defaults under the query's own weights and
/// diversity; goal text follows the engine's goal-text policy ([`Engine::goal_embedding`]).
///
/// # Errors
/// [`Error::InvalidParameter`] naming the bad field (`k`, `diversity`, a weight, a skill level,
/// a rating, `goalText` without an embedder), and embedding errors.
pub fn recommend(engine: &Engine, query: &RecommendQuery, scratch: &mut Scratch) -> Result<RecommendAnswer> {
    let goal_embedding = engine.goal_embedding(query.goal_text.as_deref())?;
    let defaults = engine.defaults();
    let engine = engine.recommender();
    let catalog = engine.catalog();
    let mut unknown = Vec::new();
    let completed = resolve(catalog, &query.completed, &mut unknown);
    let in_progress = resolve(catalog, &query.in_progress, &mut unknown);
    let mut ratings = Vec::new();
    for (id, &r) in &query.ratings {
        if !r.is_finite() {
            return Err(Error::param("ratings", format!("the rating of {id:?} is {r}, not a number")));
        }
        match catalog.ix(id) {
            Some(c) => ratings.push((c, r)),
            None => unknown.push(id.clone()),
        }
    }
    if let Some(d) = query.diversity {
        if !d.is_finite() || !(0.0..=1.0).contains(&d) {
            return Err(Error::param("diversity", format!("{d} is not between 0 and 1")));
        }
    }
    let options = defaults.options(query.k, query.weights.as_ref(), query.diversity, query.rules);
    let learner = Learner {
        completed,
        in_progress,
        ratings,
        skills: query.skills.clone(),
        goal_embedding,
        goal_skills: query.goal_skills.clone(),
    };
    let ranking = engine.recommend(&learner, &options, scratch)?;
    let recommendations = ranking
        .recommendations
        .into_iter()
        .map(|r| {
            let c = catalog.course(r.course);
            RecommendedCourse {
                id: c.id.clone(),
                title: c.title.clone(),
                credits: c.credits(),
                score: r.score,
                parts: r.parts,
                reasons: r.explanation.iter().map(|e| e.data.clone()).collect(),
                explanation: r.explanation.into_iter().map(|e| e.text).collect(),
            }
        })
        .collect();
    unknown.sort();
    unknown.dedup();
    Ok(RecommendAnswer { recommendations, unknown_courses: unknown, candidates: ranking.candidates })
}

/// A learning-path request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct PathQuery {
    pub target_skills: Vec<String>,
    pub completed: Vec<String>,
    /// Skill levels; a level of at least 0.5 counts as known.
    pub skills: BTreeMap<String, f32>,
    pub max_credits_per_term: Option<f32>,
    /// `courses` (default) or `credits`.
    pub minimize: Option<Minimize>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum PathReason {
    Teaches { skills: Vec<String> },
    PrerequisiteOf { courses: Vec<String> },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PathStepView {
    pub id: String,
    pub title: String,
    pub credits: f32,
    /// Term number from 0, when a credit limit was given.
    pub term: Option<usize>,
    /// Courses on the path this one comes after.
    pub after: Vec<String>,
    pub reasons: Vec<PathReason>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PathAnswer {
    pub steps: Vec<PathStepView>,
    pub terms: Vec<Vec<String>>,
    pub already_met: Vec<String>,
    pub untaught: Vec<String>,
    pub unreachable: Vec<String>,
    pub total_credits: f32,
    pub unknown_courses: Vec<String>,
    /// Courses first chosen and then dropped as spare (their skills are taught on the path).
    pub dropped: Vec<String>,
}

/// Plans a learning path.
///
/// # Errors
/// As [`plan`]: a bad credit limit, or a course larger than the limit.
pub fn learning_path(engine: &Engine, query: &PathQuery) -> Result<PathAnswer> {
    let engine = engine.recommender();
    let catalog = engine.catalog();
    let mut unknown = Vec::new();
    let completed = resolve(catalog, &query.completed, &mut unknown);
    let learner = Learner { completed: completed.clone(), skills: query.skills.clone(), ..Default::default() };
    let request = PathRequest {
        targets: query.target_skills.clone(),
        completed: catalog.credited(&completed),
        known_skills: engine
            .skills(&learner)
            .into_iter()
            .filter(|(_, l)| *l >= KNOWN_SKILL_LEVEL)
            .map(|(s, _)| s)
            .collect(),
        max_credits_per_term: query.max_credits_per_term,
        minimize: query.minimize.unwrap_or_default(),
    };
    let path = plan(catalog, engine.graph(), &request)?;
    let id = |c: &CourseIx| catalog.course(*c).id.clone();
    let steps = path
        .steps
        .iter()
        .map(|s| {
            let c = catalog.course(s.course);
            PathStepView {
                id: c.id.clone(),
                title: c.title.clone(),
                credits: c.credits(),
                term: s.term,
                after: s.after.iter().map(id).collect(),
                reasons: s
                    .reasons
                    .iter()
                    .map(|r| match r {
                        StepReason::Teaches { skills } => PathReason::Teaches { skills: skills.clone() },
                        StepReason::PrerequisiteOf { courses } => {
                            PathReason::PrerequisiteOf { courses: courses.iter().map(id).collect() }
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(PathAnswer {
        steps,
        terms: path.terms.iter().map(|t| t.iter().map(id).collect()).collect(),
        already_met: path.already_met,
        untaught: path.untaught,
        unreachable: path.unreachable,
        total_credits: path.total_credits,
        unknown_courses: unknown,
        dropped: path.dropped.iter().map(id).collect(),
    })
}

/// A gap-analysis request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct GapsQuery {
    pub skills: BTreeMap<String, f32>,
    /// Completed course ids: the skills they teach count as the learner's (see
    /// [`crate::rank::skills_from_completions`]).
    pub completed: Vec<String>,
    /// Skill levels the goal needs.
    pub goal_profile: BTreeMap<String, f32>,
    pub params: Option<GapParams>,
}

/// Gap analysis against the bundle's taxonomy.
///
/// # Errors
/// [`Error::InvalidParameter`] for a level outside `[0, 1]` or bad parameters.
pub fn gaps(engine: &Engine, query: &GapsQuery) -> Result<GapAnalysis> {
    let engine = engine.recommender();
    let (completed, _) = engine.catalog().resolve(query.completed.iter().map(String::as_str));
    let learner = Learner { completed, skills: query.skills.clone(), ..Default::default() };
    gaps::analyze(&engine.skills(&learner), &query.goal_profile, engine.taxonomy(), &query.params.unwrap_or_default())
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScoredCourse {
    pub id: String,
    pub title: String,
    pub score: f32,
}

fn scored(catalog: &Catalog, list: Vec<(CourseIx, f32)>) -> Vec<ScoredCourse> {
    list.into_iter()
        .map(|(c, score)| ScoredCourse {
            id: catalog.course(c).id.clone(),
            title: catalog.course(c).title.clone(),
            score,
        })
        .collect()
}

fn check_k(k: usize) -> Result<()> {
    if k == 0 || k > 1000 {
        return Err(Error::param("k", format!("{k} is not between 1 and 1000")));
    }
    Ok(())
}

/// The `k` courses most similar to one course (by embedding).
///
/// # Errors
/// [`Error::UnknownCourse`], [`Error::InvalidParameter`] for `k`, or when the bundle has no
/// embeddings.
pub fn similar(engine: &Engine, id: &str, k: usize) -> Result<Vec<ScoredCourse>> {
    let engine = engine.recommender();
    check_k(k)?;
    let c = engine.catalog().require(id)?;
    let emb = engine.embeddings().ok_or_else(|| Error::param("similar", "the bundle has no course embeddings"))?;
    let query: Vec<f32> = emb.row(c).to_vec();
    Ok(scored(engine.catalog(), emb.top_k(&query, k, |i| i == c)?))
}

/// Semantic search: the `k` courses closest in meaning to `text`, embedded with the engine's
/// embedder.
///
/// # Errors
/// [`Error::InvalidParameter`] for `k` or a bundle without embeddings, [`Error::NoEmbedder`]
/// (naming `search`) without an embedder; embedding errors.
pub fn search(engine: &Engine, text: &str, k: usize) -> Result<Vec<ScoredCourse>> {
    check_k(k)?;
    let query = engine.embed("search", text)?;
    let engine = engine.recommender();
    let emb = engine.embeddings().ok_or_else(|| Error::param("search", "the bundle has no course embeddings"))?;
    Ok(scored(engine.catalog(), emb.top_k(&query, k, |_| false)?))
}

/// One prerequisite group as a course page shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupView {
    pub any_of: Vec<String>,
    pub concurrent: bool,
    /// Inferred rather than listed by the school.
    pub inferred: bool,
    /// The skill it was inferred from, for groups inferred from skills.
    pub inferred_from: Option<String>,
    /// Alternatives the school lists that this catalog does not hold; they never satisfy the
    /// group.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_in_catalog: Vec<String>,
}

/// A course with its prerequisites (explicit and inferred) and what it unlocks.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CourseView {
    pub id: String,
    pub title: String,
    pub description: String,
    pub tags: Vec<String>,
    pub credits: f32,
    pub level: Option<u32>,
    pub teaches: Vec<String>,
    pub requires: Vec<String>,
    pub prerequisites: Vec<GroupView>,
    pub unlocks: Vec<String>,
}

/// A course page's data.
///
/// # Errors
/// [`Error::UnknownCourse`].
pub fn course(engine: &Engine, id: &str) -> Result<CourseView> {
    let engine = engine.recommender();
    let catalog = engine.catalog();
    let c = catalog.require(id)?;
    let course = catalog.course(c);
    let name = |i: &CourseIx| catalog.course(*i).id.clone();
    Ok(CourseView {
        id: course.id.clone(),
        title: course.title.clone(),
        description: course.description.clone(),
        tags: course.tags.clone(),
        credits: course.credits(),
        level: course.level,
        teaches: course.teaches.clone(),
        requires: course.requires.clone(),
        prerequisites: engine
            .graph()
            .groups(c)
            .iter()
            .map(|g| GroupView {
                any_of: g.members.iter().map(name).collect(),
                concurrent: g.concurrent,
                inferred: g.inferred,
                inferred_from: g.inferred_from.clone(),
                not_in_catalog: g.not_in_catalog.clone(),
            })
            .collect(),
        unlocks: engine.graph().dependents(c).iter().map(name).collect(),
    })
}

/// One prerequisite edge, for `wayfinder graph --json` and drawings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Edge {
    pub course: String,
    pub prerequisite: String,
    /// The group's position among the course's groups.
    pub group: usize,
    pub inferred: bool,
    pub skill: Option<String>,
    pub concurrent: bool,
    /// 1 for listed prerequisites; the inference's confidence for inferred ones.
    pub score: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GraphAnswer {
    pub edges: Vec<Edge>,
    pub cycles: Vec<Vec<String>>,
}

/// Every prerequisite edge and cycle.
pub fn graph(engine: &Engine) -> GraphAnswer {
    let engine = engine.recommender();
    let catalog = engine.catalog();
    let graph = engine.graph();
    let mut edges = Vec::new();
    for c in 0..catalog.len() {
        for (g, group) in graph.groups(c).iter().enumerate() {
            for (m, &score) in group.members.iter().zip(&group.scores) {
                edges.push(Edge {
                    course: catalog.course(c).id.clone(),
                    prerequisite: catalog.course(*m).id.clone(),
                    group: g,
                    inferred: group.inferred,
                    skill: group.inferred_from.clone(),
                    concurrent: group.concurrent,
                    score,
                });
            }
        }
    }
    let cycles =
        graph.cycles().iter().map(|r| r.cycle.iter().map(|&c| catalog.course(c).id.clone()).collect()).collect();
    GraphAnswer { edges, cycles }
}

/// A compact list of every course, for browsing.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CourseSummary {
    pub id: String,
    pub title: String,
    pub credits: f32,
    pub level: Option<u32>,
    pub tags: Vec<String>,
    pub has_prerequisites: bool,
}

pub fn courses(engine: &Engine) -> Vec<CourseSummary> {
    let engine = engine.recommender();
    let catalog = engine.catalog();
    (0..catalog.len())
        .map(|c| {
            let course = catalog.course(c);
            CourseSummary {
                id: course.id.clone(),
                title: course.title.clone(),
                credits: course.credits(),
                level: course.level,
                tags: course.tags.clone(),
                has_prerequisites: !engine.graph().groups(c).is_empty(),
            }
        })
        .collect()
}
