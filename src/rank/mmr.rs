//! Maximal marginal relevance: pick, one at a time, the course that best balances its own
//! relevance against its similarity to the courses already picked.

use std::collections::BTreeSet;

use super::score::Scored;
use super::{RankOptions, Recommender};
use crate::catalog::CourseIx;

/// Indices into `scored.courses`, in the order MMR picks them.
pub(crate) fn diversify(engine: &Recommender, scored: &Scored, options: &RankOptions) -> Vec<usize> {
    let pool = &scored.courses;
    let k = options.k.min(pool.len());
    if options.lambda >= 1.0 {
        return (0..k).collect();
    }
    // Relevance on the same [0, 1] scale as cosine similarity.
    let total = options.weights.total();
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
    picked
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
