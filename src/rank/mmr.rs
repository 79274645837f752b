//! Maximal marginal relevance: pick, one at a time, the course that best balances its own
//! relevance against its similarity to the courses already picked.

use std::collections::BTreeSet;

use super::score::Scored;
use super::{RankOptions, Recommender};
use crate::catalog::CourseIx;

/// Indices into `scored.courses`, in the order MMR picks them.
pub(crate) fn diversify(engine: &Recommender, scored: &Scored, options: &RankOptions) -> Vec<usize> {
    let pool = &scored.courses;
    if options.lambda >= 1.0 {
        return (0..options.k.min(pool.len())).collect();
    }
    // MMR orders at least a ten-long list, so that the guarantee below means the same for
    // every k: a best course is never below rank 10 of that list; the list is then cut to k.
    let k = options.k.max(TOP_KEPT_WITHIN).min(pool.len());
    // Relevance on the same [0, 1] scale as cosine similarity: the score over the weights of
    // the parts this bundle can provide (a part it cannot provide would otherwise shrink
    // every relevance and let similarity dominate).
    let total = scored.available_weight.max(f32::MIN_POSITIVE);
    let relevance: Vec<f32> = pool.iter().map(|s| s.score / total).collect();
    let similarity = Similarity::new(engine, pool.iter().map(|s| s.course));
    let mut max_sim = vec![f32::NEG_INFINITY; pool.len()];
    let mut taken = vec![false; pool.len()];
    let mut picked = Vec::with_capacity(k);
    for _ in 0..k {
        let best = (0..pool.len())
            .filter(|&i| !taken[i])
            .map(|i| {
                let redundancy = if picked.is_empty() { 0.0 } else { max_sim[i] };
                (i, options.lambda * relevance[i] - (1.0 - options.lambda) * redundancy)
            })
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
            .map(|(i, _)| i)
            .expect("k is at most the pool size");
        taken[best] = true;
        picked.push(best);
        for i in 0..pool.len() {
            if !taken[i] {
                max_sim[i] = max_sim[i].max(similarity.between(i, best));
            }
        }
    }
    let mut picked = keep_the_best_near_the_top(picked, k);
    picked.truncate(options.k);
    picked
}

/// The three most relevant courses are never pushed below rank [`TOP_KEPT_WITHIN`] by
/// diversification: one that MMR placed lower (or left out) moves up to that rank.
pub const TOP_KEPT_WITHIN: usize = 10;

fn keep_the_best_near_the_top(picked: Vec<usize>, k: usize) -> Vec<usize> {
    // Pool indices 0, 1, 2 are the three best scores. Walk MMR's order; when the slots left
    // before the limit are only as many as the best courses not yet placed, place those.
    let limit = TOP_KEPT_WITHIN.min(k);
    let mut waiting: Vec<usize> = (0..3.min(k)).collect();
    let mut out = Vec::with_capacity(k);
    for x in picked {
        if let Some(at) = waiting.iter().position(|&b| b == x) {
            waiting.remove(at);
            out.push(x);
            continue;
        }
        while !waiting.is_empty() && out.len() + waiting.len() >= limit {
            out.push(waiting.remove(0));
        }
        out.push(x);
    }
    out.extend(waiting);
    out.truncate(k);
    out
}

/// Course-to-course similarity: embedding cosine when the bundle has embeddings, otherwise
/// Jaccard overlap of taught skills and tags.
enum Similarity<'a> {
    Cosine { engine: &'a Recommender, courses: Vec<CourseIx> },
    Jaccard(Vec<BTreeSet<&'a str>>),
}

impl<'a> Similarity<'a> {
    fn new(engine: &'a Recommender, courses: impl Iterator<Item = CourseIx>) -> Self {
        let courses: Vec<CourseIx> = courses.collect();
        if engine.embeddings.is_some() {
            return Similarity::Cosine { engine, courses };
        }
        Similarity::Jaccard(
            courses
                .iter()
                .map(|&c| {
                    let course = engine.catalog.course(c);
                    course.teaches.iter().chain(&course.tags).map(String::as_str).collect()
                })
                .collect(),
        )
    }

    fn between(&self, a: usize, b: usize) -> f32 {
        match self {
            Similarity::Cosine { engine, courses } => {
                let e = engine.embeddings.as_ref().expect("checked in new");
                e.row(courses[a]).dot(&e.row(courses[b]))
            }
            Similarity::Jaccard(sets) => {
                let union = sets[a].union(&sets[b]).count();
                if union == 0 {
                    0.0
                } else {
                    sets[a].intersection(&sets[b]).count() as f32 / union as f32
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_best_stay_in_the_top_ten() {
        let picked: Vec<usize> = (3..23).chain([0, 1, 2]).collect();
        let kept = keep_the_best_near_the_top(picked, 20);
        assert_eq!(kept.len(), 20);
        for best in 0..3 {
            assert!(kept.iter().position(|&i| i == best).unwrap() < 10, "{kept:?}");
        }
        // Already near the top: unchanged.
        let fine: Vec<usize> = vec![5, 0, 6, 1, 7, 2, 8];
        assert_eq!(keep_the_best_near_the_top(fine.clone(), 7), fine);
    }
}
