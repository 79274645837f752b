//! Skill inference for courses that list none: a course teaches the taxonomy skills whose
//! embeddings are closest to its text (above a threshold), and requires what those skills
//! build on. Inferred skills are recorded with their scores in `Course::inferred_skills`.

use crate::catalog::{normalise_skill, Course};
use crate::error::{Error, Result};
use crate::gaps::Taxonomy;
use crate::similarity::{dot, top_k};

/// How skills are inferred.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InferParams {
    /// Minimum cosine between a course and a skill name.
    pub threshold: f32,
    /// At most this many taught skills per course.
    pub max_skills: usize,
}

impl Default for InferParams {
    fn default() -> Self {
        InferParams { threshold: 0.45, max_skills: 3 }
    }
}

/// The built-in skill vocabulary (`data/skills/builtin-taxonomy.json`, written for this
/// project): 48 areas across a university's fields and what their skills build on. The
/// pipeline infers skills against it for a catalog that names none and comes with no
/// taxonomy of its own.
pub const BUILTIN_TAXONOMY_JSON: &[u8] = include_bytes!("../data/skills/builtin-taxonomy.json");

/// The built-in vocabulary as a taxonomy.
///
/// # Errors
/// None in practice: the file is checked by a test; a parse error would name `taxonomy`.
pub fn builtin_taxonomy() -> Result<Taxonomy> {
    Taxonomy::from_json(BUILTIN_TAXONOMY_JSON)
}

/// Every skill a taxonomy names (its areas' skills and what they build on), sorted.
pub fn vocabulary(taxonomy: &Taxonomy) -> Vec<String> {
    let mut skills: Vec<String> = taxonomy
        .areas
        .values()
        .flatten()
        .chain(taxonomy.builds_on.keys())
        .chain(taxonomy.builds_on.values().flatten())
        .map(|s| normalise_skill(s))
        .collect();
    skills.sort();
    skills.dedup();
    skills
}

/// Fills `teaches` and `requires` of the courses that list neither. `course_vectors[i]` and
/// `skill_vectors[j]` are unit embeddings of course `i`'s text and of `skills[j]`.
/// Returns how many courses got skills.
///
/// # Errors
/// [`Error::Dimension`] when the vector counts do not match, and [`Error::InvalidParameter`]
/// for a threshold outside `[-1, 1]` or `max_skills == 0`.
pub fn infer(
    courses: &mut [Course],
    course_vectors: &[Vec<f32>],
    skills: &[String],
    skill_vectors: &[Vec<f32>],
    taxonomy: &Taxonomy,
    params: &InferParams,
) -> Result<usize> {
    if !(-1.0..=1.0).contains(&params.threshold) {
        return Err(Error::param("threshold", format!("{} is not a cosine between -1 and 1", params.threshold)));
    }
    if params.max_skills == 0 {
        return Err(Error::param("max_skills", "must be at least 1"));
    }
    if course_vectors.len() != courses.len() {
        return Err(Error::Dimension { what: "course vectors", expected: courses.len(), got: course_vectors.len() });
    }
    if skill_vectors.len() != skills.len() {
        return Err(Error::Dimension { what: "skill vectors", expected: skills.len(), got: skill_vectors.len() });
    }
    let mut changed = 0;
    let mut scores = vec![0.0f32; skills.len()];
    for (course, vector) in courses.iter_mut().zip(course_vectors) {
        if !course.teaches.is_empty() || !course.requires.is_empty() {
            continue;
        }
        for (s, sv) in scores.iter_mut().zip(skill_vectors) {
            *s = dot(vector, sv);
        }
        let taught = top_k(&scores, params.max_skills, |j| scores[j] >= params.threshold);
        if taught.is_empty() {
            continue;
        }
        changed += 1;
        for &(j, score) in &taught {
            course.teaches.push(skills[j].clone());
            course.inferred_skills.insert(skills[j].clone(), score);
        }
        for &(j, score) in &taught {
            for base in taxonomy.builds_on(&skills[j]) {
                let base = normalise_skill(base);
                if !course.teaches.contains(&base) && !course.requires.contains(&base) {
                    course.requires.push(base.clone());
                    course.inferred_skills.insert(base, score);
                }
            }
        }
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_vocabulary_is_a_valid_acyclic_taxonomy() {
        let taxonomy = builtin_taxonomy().unwrap();
        let skills = vocabulary(&taxonomy);
        assert!((350..=600).contains(&skills.len()), "{} skills", skills.len());
        assert!(taxonomy.areas.len() >= 35);
        let in_areas: std::collections::BTreeSet<&String> = taxonomy.areas.values().flatten().collect();
        for (skill, bases) in &taxonomy.builds_on {
            assert!(in_areas.contains(skill), "{skill} builds on something but is in no area");
            for base in bases {
                assert!(in_areas.contains(base), "{skill} builds on {base}, which is in no area");
            }
        }
        // No skill builds on itself through any chain.
        fn reaches(t: &Taxonomy, from: &str, target: &str, depth: usize) -> bool {
            depth < 20 && t.builds_on(from).iter().any(|b| b == target || reaches(t, b, target, depth + 1))
        }
        for skill in taxonomy.builds_on.keys() {
            assert!(!reaches(&taxonomy, skill, skill, 0), "{skill} builds on itself");
        }
    }

    #[test]
    fn infers_taught_skills_and_what_they_build_on() {
        let taxonomy = Taxonomy::from_json(br#"{"areas": {"data": ["statistics", "machine learning"]}, "builds_on": {"machine learning": ["statistics"]}}"#).unwrap();
        let skills = vocabulary(&taxonomy);
        assert_eq!(skills, ["machine learning", "statistics"]);
        let skill_vectors = vec![vec![1.0, 0.0], vec![0.0, 1.0]];
        let mut courses = vec![
            Course { id: "ML".into(), ..Course::default() },
            Course { id: "ART".into(), ..Course::default() },
            Course { id: "LISTED".into(), teaches: vec!["drawing".into()], ..Course::default() },
        ];
        let vectors = vec![vec![0.9, 0.436], vec![-0.6, -0.8], vec![1.0, 0.0]];
        let n = infer(&mut courses, &vectors, &skills, &skill_vectors, &taxonomy, &InferParams::default()).unwrap();
        assert_eq!(n, 1);
        assert_eq!(courses[0].teaches, ["machine learning"]);
        assert_eq!(courses[0].requires, ["statistics"]);
        assert!((courses[0].inferred_skills["machine learning"] - 0.9).abs() < 1e-6);
        assert!(courses[1].teaches.is_empty(), "nothing close enough");
        assert_eq!(courses[2].teaches, ["drawing"], "listed skills are kept as they are");
    }
}
