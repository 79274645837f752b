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

/// The related-course model that infers prerequisites from course texts: a logistic
/// regression over features of a (course, candidate) pair, fit on the even-indexed half of
/// UIUC's subjects (sorted) with their listed prerequisites as the answers, and measured on
/// the other half by `wayfinder eval prerequisites`. Candidates of a course are its
/// `candidates` most similar courses of the same subject with a lower number, and its
/// `candidates` most similar courses of other subjects at a lower level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrerequisiteModel {
    /// For: cosine of the two texts, same subject, rank among the candidates of its kind,
    /// level gap 0, gap 1, gap 2 or more, course level / 100, candidate level / 100,
    /// candidate is its subject's lowest-numbered course.
    pub weights: [f32; 9],
    pub intercept: f32,
    /// Least probability kept (chosen for the best F1 on the fitting half).
    pub threshold: f32,
    /// At most this many prerequisites per course, most probable first.
    pub max_members: usize,
    pub candidates: usize,
}

impl Default for PrerequisiteModel {
    fn default() -> Self {
        PrerequisiteModel {
            weights: [2.5647, 2.1023, -0.2792, -2.3207, -0.9704, -0.1619, -1.0562, 1.0088, 0.0912],
            intercept: -3.8749,
            threshold: 0.06,
            max_members: 3,
            candidates: 5,
        }
    }
}

/// Whether a catalog leaves most of its courses above the lowest level without listed
/// prerequisites (UIUC lists them for 26% of those, the demo for all): then inferring them
/// from the texts is worth its errors; a catalog that lists them is taken at its word.
pub fn lists_few_prerequisites(courses: &[Course]) -> bool {
    let upper: Vec<&Course> = courses.iter().filter(|c| c.level.is_some_and(|l| l >= 200)).collect();
    !upper.is_empty() && upper.iter().filter(|c| !c.prerequisites.is_empty()).count() * 2 < upper.len()
}

/// The number of an id such as `CS 225`: the digits that start its second word.
pub fn course_number(id: &str) -> Option<u32> {
    id.split_whitespace()
        .nth(1)
        .and_then(|n| n.chars().take_while(char::is_ascii_digit).collect::<String>().parse().ok())
}

/// Fills `inferred_prerequisites` of every course that lists no prerequisites and has a level
/// and a course number, from `vectors[i]`, the embedding of course `i`'s text, with `model`.
/// Returns how many courses got a group.
///
/// # Errors
/// [`Error::Dimension`] when the vector count does not match the courses.
pub fn infer_prerequisites(courses: &mut [Course], vectors: &[Vec<f32>], model: &PrerequisiteModel) -> Result<usize> {
    if vectors.len() != courses.len() {
        return Err(Error::Dimension { what: "course vectors", expected: courses.len(), got: vectors.len() });
    }
    let n = courses.len();
    let unit: Vec<Vec<f32>> = vectors
        .iter()
        .map(|v| {
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
            v.iter().map(|x| x / norm).collect()
        })
        .collect();
    let subject: Vec<&str> = courses.iter().map(|c| crate::catalog::subject(&c.id)).collect();
    let number: Vec<Option<u32>> = courses.iter().map(|c| course_number(&c.id)).collect();
    let level: Vec<Option<u32>> =
        courses.iter().zip(&number).map(|(c, n)| c.level.or(n.map(|n| n / 100 * 100))).collect();
    let mut lowest: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
    for (s, n) in subject.iter().zip(&number) {
        if let Some(n) = n {
            let e = lowest.entry(s).or_insert(*n);
            *e = (*e).min(*n);
        }
    }
    let mut inferred: Vec<Option<crate::catalog::InferredGroupSpec>> = vec![None; n];
    let mut sims = vec![0.0f32; n];
    for a in 0..n {
        let (Some(na), Some(la)) = (number[a], level[a]) else { continue };
        if !courses[a].prerequisites.is_empty() {
            continue;
        }
        for (s, v) in sims.iter_mut().zip(&unit) {
            *s = dot(&unit[a], v);
        }
        let best = |same: bool| -> Vec<usize> {
            let pool: Vec<usize> = (0..n)
                .filter(|&b| {
                    b != a
                        && number[b].is_some()
                        && level[b].is_some()
                        && (subject[b] == subject[a]) == same
                        && if same { number[b] < Some(na) } else { level[b] < Some(la) }
                })
                .collect();
            let scores: Vec<f32> = pool.iter().map(|&b| sims[b]).collect();
            top_k(&scores, model.candidates, |_| true).into_iter().map(|(j, _)| pool[j]).collect()
        };
        let mut kept: Vec<(f32, usize)> = Vec::new();
        for same in [true, false] {
            for (rank, b) in best(same).into_iter().enumerate() {
                let lb = level[b].expect("filtered");
                let gap = la.saturating_sub(lb) / 100;
                let features = [
                    sims[b],
                    f32::from(u8::from(same)),
                    rank as f32,
                    f32::from(u8::from(gap == 0)),
                    f32::from(u8::from(gap == 1)),
                    f32::from(u8::from(gap >= 2)),
                    la as f32 / 100.0,
                    lb as f32 / 100.0,
                    f32::from(u8::from(number[b] == lowest.get(subject[b]).copied())),
                ];
                let z = model.intercept + model.weights.iter().zip(&features).map(|(w, f)| w * f).sum::<f32>();
                let p = 1.0 / (1.0 + (-z).exp());
                if p >= model.threshold {
                    kept.push((p, b));
                }
            }
        }
        kept.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        kept.truncate(model.max_members);
        if !kept.is_empty() {
            inferred[a] = Some(crate::catalog::InferredGroupSpec {
                any_of: kept.iter().map(|&(_, b)| courses[b].id.clone()).collect(),
                scores: kept.iter().map(|&(p, _)| p).collect(),
            });
        }
    }
    let mut changed = 0;
    for (course, group) in courses.iter_mut().zip(inferred) {
        if let Some(g) = group {
            course.inferred_prerequisites = vec![g];
            changed += 1;
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
    fn related_lower_level_courses_become_inferred_prerequisites() {
        let course = |id: &str, level: u32| Course { id: id.into(), level: Some(level), ..Course::default() };
        let mut courses = vec![
            course("STAT 100", 100),
            course("STAT 200", 200),
            course("STAT 300", 300),
            course("ART 100", 100),
            course("STAT 310", 300),
        ];
        courses[4].prerequisites = vec![crate::catalog::GroupSpec::AnyOf(vec!["STAT 100".into()])];
        assert!(lists_few_prerequisites(&courses), "one of three upper-level courses lists some");
        // STAT 300 reads like STAT 200 and a little like STAT 100; ART 100 like nothing.
        let vectors = vec![
            vec![0.6, 0.8, 0.0],
            vec![0.95, 0.31, 0.0],
            vec![1.0, 0.0, 0.0],
            vec![0.0, 0.0, 1.0],
            vec![1.0, 0.0, 0.0],
        ];
        let n = infer_prerequisites(&mut courses, &vectors, &PrerequisiteModel::default()).unwrap();
        let group = &courses[2].inferred_prerequisites;
        assert_eq!(group.len(), 1);
        assert_eq!(group[0].any_of[0], "STAT 200", "the most probable first: {group:?}");
        assert!(
            group[0].scores.windows(2).all(|w| w[0] >= w[1]) && group[0].scores.iter().all(|p| (0.0..=1.0).contains(p))
        );
        assert!(courses[4].inferred_prerequisites.is_empty(), "a listed course is taken at its word");
        assert!(
            courses[0].inferred_prerequisites.is_empty() && courses[3].inferred_prerequisites.is_empty(),
            "nothing lower to need"
        );
        assert_eq!(n, courses.iter().filter(|c| !c.inferred_prerequisites.is_empty()).count());
        // The inferred group is a group of the graph, marked inferred, and meets readiness.
        let (catalog, _) = crate::catalog::Catalog::new(courses, crate::catalog::Strictness::Strict).unwrap();
        let graph = crate::graph::PrereqGraph::new(&catalog, crate::graph::GraphOptions::default());
        assert!(graph.groups(2).iter().any(|g| g.inferred && g.inferred_from.is_none() && g.members.contains(&1)));
        let nothing = crate::graph::Progress::new(catalog.len(), &[], &[], Vec::<String>::new());
        assert!(!graph.is_ready(2, &nothing));
        assert!(infer_prerequisites(&mut [course("X 1", 100)], &[], &PrerequisiteModel::default()).is_err());
    }

    #[test]
    fn a_catalog_that_lists_prerequisites_is_taken_at_its_word() {
        let mut listed = Course { id: "A 200".into(), level: Some(200), ..Course::default() };
        listed.prerequisites = vec![crate::catalog::GroupSpec::AnyOf(vec!["A 100".into()])];
        let bare = Course { id: "A 210".into(), level: Some(200), ..Course::default() };
        assert!(!lists_few_prerequisites(&[listed.clone(), bare.clone(), listed.clone()]));
        assert!(lists_few_prerequisites(&[listed, bare.clone(), bare]));
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
