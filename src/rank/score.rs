//! Scoring: every part in `[0, 1]`, computed for all candidates with a few passes over
//! contiguous arrays, then the best `pool` kept for diversification.

use super::{Learner, RankOptions, Recommender, ScoreParts, Scratch, Weights};
use crate::catalog::CourseIx;
use crate::error::Result;
use crate::gaps::GapAnalysis;
use crate::mf::MfKind;
use crate::similarity::top_k;

/// A candidate with its parts and what its explanation needs.
#[derive(Debug, Clone)]
pub(crate) struct ScoredCourse {
    pub course: CourseIx,
    pub score: f32,
    pub parts: ScoreParts,
    /// The recent completion it is most similar to.
    pub similar_to: Option<CourseIx>,
    /// Gap skills it teaches, highest priority first.
    pub gap_skills: Vec<String>,
    /// Courses it would make ready for this learner.
    pub unlocks: usize,
    /// When everything it teaches was taught by the learner's completed courses: those skills
    /// and the course that taught the first.
    pub already_have: Option<(Vec<String>, CourseIx)>,
}

/// The pool MMR chooses from, best score first.
#[derive(Debug)]
pub(crate) struct Scored {
    pub courses: Vec<ScoredCourse>,
    /// Each part's value at the top decile of the candidates (0 when fewer than 10 have it).
    pub top_decile: ScoreParts,
    /// The total weight of the parts this bundle and query can provide (MMR's relevance scale).
    pub available_weight: f32,
}

/// MMR looks at this many of the best-scored courses per result requested (at least 50).
const POOL_PER_RESULT: usize = 5;

pub(crate) fn score(
    engine: &Recommender,
    learner: &Learner,
    gap: &GapAnalysis,
    all_unlocks: &[usize],
    options: &RankOptions,
    scratch: &mut Scratch,
) -> Result<Scored> {
    let w = &options.weights;
    let n = engine.catalog.len();
    let candidates = &scratch.candidates;

    // Collaborative affinity: the learner folded into the MF model and the item neighbours
    // summed over their history, each scaled to [0, 1] over the candidates so the weight
    // means the same for every model, then blended by `mf_share`.
    let mut collaborative_available = false;
    scratch.collaborative.clear();
    scratch.collaborative.resize(n, 0.0);
    if w.collaborative > 0.0 {
        let mut seen: Vec<CourseIx> =
            learner.completed.iter().chain(learner.ratings.iter().map(|(c, _)| c)).copied().collect();
        seen.sort_unstable();
        seen.dedup();
        let mut mf_scored = false;
        if let Some(mf) = &engine.mf {
            let observations: Vec<(CourseIx, f32)> = match mf.kind() {
                MfKind::Explicit => learner.ratings.clone(),
                MfKind::Implicit => seen.iter().map(|&c| (c, 1.0)).collect(),
            };
            if !observations.is_empty() && (options.mf_share > 0.0 || engine.neighbours.is_none()) {
                let user = mf.fold_in(&observations)?;
                mf.score_into(&user, &mut scratch.collaborative)?;
                min_max_scale(&mut scratch.collaborative, candidates);
                mf_scored = true;
            }
        }
        let mut neighbours_scored = false;
        if let (Some(nb), false) = (&engine.neighbours, seen.is_empty()) {
            if options.mf_share < 1.0 || !mf_scored {
                scratch.neighbour.resize(n, 0.0);
                nb.score_into(&seen, &mut scratch.neighbour)?;
                min_max_scale(&mut scratch.neighbour, candidates);
                neighbours_scored = true;
            }
        }
        match (mf_scored, neighbours_scored) {
            (true, true) => {
                let share = options.mf_share;
                for &c in candidates {
                    scratch.collaborative[c] = share * scratch.collaborative[c] + (1.0 - share) * scratch.neighbour[c];
                }
            }
            (false, true) => {
                for &c in candidates {
                    scratch.collaborative[c] = scratch.neighbour[c];
                }
            }
            _ => {}
        }
        collaborative_available = mf_scored || neighbours_scored;
    }

    // Content and goal text: one pass over the embedding matrix for all queries at once.
    let mut recent: Vec<CourseIx> = Vec::new();
    for &c in learner.completed.iter().rev() {
        if !recent.contains(&c) {
            recent.push(c);
        }
        if recent.len() == options.recent {
            break;
        }
    }
    // Content: similarity to the centroid of the recent completions (the learner's content
    // profile); goal text: similarity to the goal's embedding. Both in one pass.
    let mut queries: Vec<Vec<f32>> = Vec::new();
    let (mut content_column, mut goal_column) = (None, None);
    if let Some(emb) = &engine.embeddings {
        if w.content > 0.0 && !recent.is_empty() {
            let mut centroid = vec![0.0f32; emb.dim()];
            for &c in &recent {
                centroid.iter_mut().zip(emb.row(c)).for_each(|(a, b)| *a += b);
            }
            if let Ok(unit) = crate::similarity::unit(&centroid, emb.dim()) {
                content_column = Some(queries.len());
                queries.push(unit);
            }
        }
        if let (Some(goal), true) = (&learner.goal_embedding, w.goal_text > 0.0) {
            goal_column = Some(queries.len());
            queries.push(crate::similarity::unit(goal, emb.dim())?);
        }
        // Only the candidates' similarities are ever read.
        let views: Vec<&[f32]> = queries.iter().map(Vec::as_slice).collect();
        scratch.similarities.resize(n * views.len(), 0.0);
        emb.similarities_rows(&views, candidates, &mut scratch.similarities)?;
    }
    let sims = &scratch.similarities;

    // Goal alignment: the priority of the gap skills each course teaches, accumulated from
    // the skills' teacher lists rather than by scanning every course's skills.
    let total_priority: f32 = gap.gaps.iter().map(|g| g.priority).sum();
    scratch.alignment.clear();
    scratch.alignment.resize(n, 0.0);
    for g in &gap.gaps {
        for &c in engine.graph.teachers(&g.skill) {
            scratch.alignment[c] += g.priority / total_priority;
        }
    }
    let unlock_counts: Vec<usize> = candidates.iter().map(|&c| all_unlocks[c]).collect();
    let max_unlocks = unlock_counts.iter().copied().max().unwrap_or(0);

    // Courses that teach only what completed courses taught are ranked down (and say so):
    // for each candidate, the completed course that taught its first skill. With no penalty
    // there is nothing to compute. The skill names are copied for the pool alone.
    let already_have: Vec<Option<CourseIx>> = if options.redundancy > 0.0 && !learner.completed.is_empty() {
        let earned = super::skills_from_completions(
            &engine.catalog,
            &learner.completed,
            &learner.ratings,
            engine.taxonomy.as_ref(),
        );
        // By skill number: the course that taught each skill the learner knows.
        let mut known: Vec<Option<CourseIx>> = vec![None; engine.skill_ids.len()];
        for (skill, (level, c)) in &earned {
            if let (true, Some(&id)) = (*level >= super::KNOWN_SKILL_LEVEL, engine.skill_ids.get(skill)) {
                known[id as usize] = Some(*c);
            }
        }
        candidates
            .iter()
            .map(|&c| {
                let teaches = &engine.teaches[c];
                let taught_by = teaches.first().and_then(|&first| known[first as usize])?;
                teaches.iter().all(|&s| known[s as usize].is_some()).then_some(taught_by)
            })
            .collect()
    } else {
        vec![None; candidates.len()]
    };

    // The weights of the parts this bundle and query can provide; a stated goal carries at
    // least `GOAL_SHARE` of them (see `goal_weights`).
    let available = Weights {
        collaborative: if collaborative_available { w.collaborative } else { 0.0 },
        content: if content_column.is_some() { w.content } else { 0.0 },
        goal_text: if goal_column.is_some() { w.goal_text } else { 0.0 },
        goal_skills: if total_priority > 0.0 { w.goal_skills } else { 0.0 },
        unlocks: if max_unlocks > 0 { w.unlocks } else { 0.0 },
    };
    let ew = goal_weights(available);
    // Every part on one scale before it is weighted: the similarity parts are cosines whose
    // range differs by query (a goal's best match can sit at 0.45 while history matches
    // reach 0.7), so each is mapped from its range over the candidates to [0, 1], as the
    // collaborative part already is. The parts themselves stay raw: reasons test them.
    let column_range = |column: Option<usize>| -> (f32, f32) {
        let Some(j) = column else { return (0.0, 1.0) };
        candidates.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &c| {
            let v = sims[j * n + c].max(0.0);
            (lo.min(v), hi.max(v))
        })
    };
    let on_scale = |v: f32, (lo, hi): (f32, f32)| if hi - lo > 1e-6 { (v - lo) / (hi - lo) } else { 0.0 };
    let (content_range, goal_range) = (column_range(content_column), column_range(goal_column));

    let mut parts: Vec<ScoreParts> = Vec::with_capacity(candidates.len());
    let mut scores: Vec<f32> = Vec::with_capacity(candidates.len());
    for (j, &c) in candidates.iter().enumerate() {
        let mut p = ScoreParts::default();
        if collaborative_available {
            p.collaborative = scratch.collaborative[c];
        }
        if let Some(j) = content_column {
            p.content = sims[j * n + c].max(0.0);
        }
        if let Some(j) = goal_column {
            p.goal_text = sims[j * n + c].max(0.0);
        }
        p.goal_skills = scratch.alignment[c];
        if max_unlocks > 0 && unlock_counts[j] > 0 {
            p.unlocks = (unlock_counts[j] as f32).ln_1p() / (max_unlocks as f32).ln_1p();
        }
        let score = ew.collaborative * p.collaborative
            + ew.content * on_scale(p.content, content_range)
            + ew.goal_text * on_scale(p.goal_text, goal_range)
            + ew.goal_skills * p.goal_skills
            + ew.unlocks * p.unlocks;
        scores.push(if already_have[j].is_some() { score * (1.0 - options.redundancy) } else { score });
        parts.push(p);
    }

    // The pool, best first, with at most one course of a set of equivalents (cross-listed, or
    // not credited together): the best-scored one.
    let pool = (options.k * POOL_PER_RESULT).max(50);
    let mut taken: Vec<CourseIx> = Vec::new();
    let courses = top_k(&scores, pool * 2, |_| true)
        .into_iter()
        .filter(|&(j, _)| {
            let c = candidates[j];
            let duplicate = engine.catalog.equivalents(c).iter().any(|e| taken.contains(e));
            if !duplicate {
                taken.push(c);
            }
            !duplicate
        })
        .take(pool)
        .map(|(j, score)| {
            let c = candidates[j];
            // The single completion it is closest to, for the explanation.
            let similar_to = match (&engine.embeddings, content_column) {
                (Some(emb), Some(_)) => recent
                    .iter()
                    .map(|&r| (r, emb.row(r).dot(&emb.row(c))))
                    .max_by(|a, b| a.1.total_cmp(&b.1))
                    .map(|(r, _)| r),
                _ => None,
            };
            let teaches = &engine.catalog.course(c).teaches;
            let gap_skills = gap.gaps.iter().filter(|g| teaches.contains(&g.skill)).map(|g| g.skill.clone()).collect();
            ScoredCourse {
                course: c,
                score,
                parts: parts[j],
                similar_to,
                gap_skills,
                unlocks: unlock_counts[j],
                already_have: already_have[j].map(|by| (teaches.clone(), by)),
            }
        })
        .collect();
    let decile = |f: fn(&ScoreParts) -> f32| -> f32 {
        let mut v: Vec<f32> = parts.iter().map(f).filter(|&x| x > 0.0).collect();
        if v.len() < 10 {
            return f32::INFINITY;
        }
        let at = v.len() / 10;
        v.select_nth_unstable_by(at, |a, b| b.total_cmp(a));
        v[at]
    };
    let top_decile = ScoreParts {
        collaborative: decile(|p| p.collaborative),
        content: decile(|p| p.content),
        goal_text: decile(|p| p.goal_text),
        goal_skills: decile(|p| p.goal_skills),
        unlocks: decile(|p| p.unlocks),
    };
    let available_weight = ew.collaborative + ew.content + ew.goal_text + ew.goal_skills + ew.unlocks;
    Ok(Scored { courses, top_decile, available_weight })
}

/// A learner who states a goal says what they want next: the goal parts (its text and the
/// skills it names) carry at least this share of the available weight, however much history
/// the other parts draw on. Without it, a humanities learner's literature history outscored
/// "data analysis and programming" for every data course.
pub const GOAL_SHARE: f32 = 0.6;

/// `available` (zero for parts this bundle and query cannot provide) with the goal parts
/// raised, in proportion, to [`GOAL_SHARE`] of the total when they hold less.
fn goal_weights(available: Weights) -> Weights {
    let goal = available.goal_text + available.goal_skills;
    let rest = available.collaborative + available.content + available.unlocks;
    if goal <= 0.0 || goal / (goal + rest) >= GOAL_SHARE {
        return available;
    }
    let raise = GOAL_SHARE / (1.0 - GOAL_SHARE) * rest / goal;
    Weights { goal_text: available.goal_text * raise, goal_skills: available.goal_skills * raise, ..available }
}

/// Scales `values[c]` for the candidate indices to `[0, 1]`; a constant vector becomes 0.
fn min_max_scale(values: &mut [f32], candidates: &[CourseIx]) {
    let (lo, hi) = candidates
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &c| (lo.min(values[c]), hi.max(values[c])));
    let span = hi - lo;
    for &c in candidates {
        values[c] = if span > 1e-12 { (values[c] - lo) / span } else { 0.0 };
    }
}
