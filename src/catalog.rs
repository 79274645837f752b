//! Courses, their ids, and validation. A [`Catalog`] is validated once when it is built;
//! code past that point trusts its indices.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Dense index of a course in its catalog (the row of its factors and embedding).
pub type CourseIx = usize;

/// Credits assumed for a course whose catalog entry gives none.
pub const DEFAULT_CREDITS: f32 = 3.0;

/// A course's subject: its id up to the first space (`"CS"` for `"CS 101"`), or the whole id.
pub fn subject(id: &str) -> &str {
    id.split_whitespace().next().unwrap_or(id)
}

/// One course as it appears in the catalog file. Every field but `id` is optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Course {
    pub id: String,
    pub title: String,
    pub description: String,
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credits: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<u32>,
    /// Skills the course teaches (lower-cased and trimmed on load).
    pub teaches: Vec<String>,
    /// Skills a student needs before taking the course.
    pub requires: Vec<String>,
    /// AND of OR groups: one course from every group.
    pub prerequisites: Vec<GroupSpec>,
    /// Cross-listed courses: the same course under another id.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub same_as: Vec<String>,
    /// Courses the school gives no credit for together with this one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub no_credit_with: Vec<String>,
    /// Skills in `teaches` / `requires` that a pipeline inferred from the course text rather
    /// than read from the catalog, with the inference's score (cosine similarity).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub inferred_skills: BTreeMap<String, f32>,
    /// Prerequisites a pipeline inferred from the course texts for a course whose catalog
    /// lists none (`skills::infer_prerequisites`): "one of these", each with its probability.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub inferred_prerequisites: Vec<InferredGroupSpec>,
}

/// An inferred prerequisite group as written in JSON: alternatives and their probabilities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct InferredGroupSpec {
    pub any_of: Vec<String>,
    pub scores: Vec<f32>,
}

impl Course {
    /// The credits used for planning: the catalog's value or [`DEFAULT_CREDITS`].
    pub fn credits(&self) -> f32 {
        self.credits.unwrap_or(DEFAULT_CREDITS)
    }

    /// How sure the catalog is that this course teaches or requires `skill`: 1 for a listed
    /// skill, the inference score for an inferred one.
    pub fn skill_confidence(&self, skill: &str) -> f32 {
        self.inferred_skills.get(skill).copied().unwrap_or(1.0)
    }
}

/// A prerequisite group as written in JSON: either a plain list of alternatives, or an
/// object that also says whether a member may be taken in the same term.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum GroupSpec {
    AnyOf(Vec<String>),
    Detailed {
        any_of: Vec<String>,
        #[serde(default)]
        concurrent: bool,
        /// Alternatives the school lists that this catalog does not hold (a retired or renamed
        /// course). They are kept so the group keeps its meaning: they never satisfy it, and a
        /// group with no other member cannot be met.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        not_in_catalog: Vec<String>,
    },
}

impl GroupSpec {
    pub fn members(&self) -> &[String] {
        match self {
            GroupSpec::AnyOf(m) | GroupSpec::Detailed { any_of: m, .. } => m,
        }
    }
    pub fn concurrent(&self) -> bool {
        matches!(self, GroupSpec::Detailed { concurrent: true, .. })
    }
    pub fn not_in_catalog(&self) -> &[String] {
        match self {
            GroupSpec::AnyOf(_) => &[],
            GroupSpec::Detailed { not_in_catalog, .. } => not_in_catalog,
        }
    }
}

/// A prerequisite group resolved to course indices.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The alternatives: completing any one satisfies the group. Sorted, no duplicates.
    pub members: Vec<CourseIx>,
    /// A member taken in the same term also satisfies the group.
    pub concurrent: bool,
    /// `Some(skill)` when the group was inferred from a required skill rather than listed.
    pub inferred_from: Option<String>,
    /// Confidence per member, in `members` order: 1 for listed groups; for inferred ones, the
    /// weaker of "the course requires the skill" and "the member teaches it".
    pub scores: Vec<f32>,
    /// Alternatives named by the school that the catalog does not hold: they never satisfy the
    /// group, so a group whose `members` is empty cannot be met.
    pub not_in_catalog: Vec<String>,
    /// Inferred (from skills or from the course texts) rather than listed by the school.
    pub inferred: bool,
}

/// How validation treats prerequisites that name courses missing from the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strictness {
    /// An unknown prerequisite is an error.
    #[default]
    Strict,
    /// An unknown prerequisite is kept as an alternative the catalog does not hold (it never
    /// satisfies its group, and a group with no other member cannot be met), and reported;
    /// self-references are dropped and reported.
    Lenient,
}

/// What lenient validation dropped.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ValidationReport {
    /// `(course, prerequisite)` pairs naming a course missing from the catalog.
    pub unknown_prerequisites: Vec<(String, String)>,
    /// Courses that listed themselves as a prerequisite.
    pub self_prerequisites: Vec<String>,
    /// Groups with no member in the catalog: kept, and never met.
    pub unsatisfiable_groups: Vec<String>,
    /// `(course, other)` pairs of `same_as` / `no_credit_with` naming a course missing from
    /// the catalog (lenient mode drops them).
    pub unknown_equivalents: Vec<(String, String)>,
}

impl ValidationReport {
    pub fn dropped(&self) -> usize {
        self.unknown_prerequisites.len() + self.self_prerequisites.len() + self.unknown_equivalents.len()
    }
}

#[derive(Deserialize)]
struct CatalogFile {
    courses: Vec<Course>,
}

/// A validated catalog: courses in file order, an id index, and resolved explicit groups.
#[derive(Debug, Clone)]
pub struct Catalog {
    courses: Vec<Course>,
    index: HashMap<String, CourseIx>,
    groups: Vec<Vec<Group>>,
    /// Resolved `inferred_prerequisites`.
    inferred: Vec<Vec<Group>>,
    /// `same_as` and `no_credit_with`, both directions, sorted.
    equivalents: Vec<Vec<CourseIx>>,
}

impl Catalog {
    /// Parses `{"courses": [...]}` and validates it.
    ///
    /// # Errors
    /// [`Error::CatalogJson`] for malformed JSON, and every error of [`Catalog::new`].
    ///
    /// # Example
    /// ```
    /// use wayfinder::catalog::{Catalog, Strictness};
    /// let json = br#"{"courses": [{"id": "CS 101"}, {"id": "CS 201", "prerequisites": [["CS 101"]]}]}"#;
    /// let (catalog, report) = Catalog::from_json(json, Strictness::Strict).unwrap();
    /// assert_eq!(catalog.len(), 2);
    /// assert_eq!(report.dropped(), 0);
    /// ```
    pub fn from_json(bytes: &[u8], strictness: Strictness) -> Result<(Catalog, ValidationReport)> {
        let file: CatalogFile = serde_json::from_slice(bytes).map_err(|e| Error::CatalogJson(e.to_string()))?;
        Catalog::new(file.courses, strictness)
    }

    /// Validates courses: non-empty unique ids, finite credits, known prerequisites.
    /// Skill names are normalised (trimmed, lower-cased) so that `SQL` and `sql ` match.
    ///
    /// # Errors
    /// [`Error::EmptyCourseId`], [`Error::DuplicateCourse`], [`Error::BadCourseNumber`],
    /// [`Error::EmptyPrerequisiteGroup`], and in strict mode [`Error::UnknownPrerequisite`]
    /// and [`Error::SelfPrerequisite`].
    pub fn new(mut courses: Vec<Course>, strictness: Strictness) -> Result<(Catalog, ValidationReport)> {
        let mut index = HashMap::with_capacity(courses.len());
        for (i, course) in courses.iter_mut().enumerate() {
            course.id = course.id.trim().to_string();
            if course.id.is_empty() {
                return Err(Error::EmptyCourseId { index: i });
            }
            if let Some(first) = index.insert(course.id.clone(), i) {
                return Err(Error::DuplicateCourse { id: course.id.clone(), first, second: i });
            }
            if let Some(c) = course.credits {
                if !c.is_finite() || c < 0.0 {
                    return Err(Error::BadCourseNumber {
                        course: course.id.clone(),
                        field: "credits",
                        value: c as f64,
                    });
                }
            }
            normalise_skills(&mut course.teaches);
            normalise_skills(&mut course.requires);
            course.inferred_skills = std::mem::take(&mut course.inferred_skills)
                .into_iter()
                .map(|(skill, score)| (normalise_skill(&skill), score))
                .collect();
        }
        let mut report = ValidationReport::default();
        let mut groups = Vec::with_capacity(courses.len());
        for (i, course) in courses.iter().enumerate() {
            let mut resolved = Vec::with_capacity(course.prerequisites.len());
            for (g, spec) in course.prerequisites.iter().enumerate() {
                if spec.members().is_empty() && spec.not_in_catalog().is_empty() {
                    return Err(Error::EmptyPrerequisiteGroup { course: course.id.clone(), group: g });
                }
                let mut members = Vec::with_capacity(spec.members().len());
                let mut not_in_catalog = Vec::new();
                // A name marked as missing that the catalog does hold is an ordinary member.
                for name in spec.not_in_catalog() {
                    match index.get(name.trim()) {
                        Some(&j) if j != i => members.push(j),
                        Some(_) => {}
                        None => not_in_catalog.push(name.trim().to_string()),
                    }
                }
                for name in spec.members() {
                    match index.get(name.trim()) {
                        Some(&j) if j == i => match strictness {
                            Strictness::Strict => return Err(Error::SelfPrerequisite { course: course.id.clone() }),
                            Strictness::Lenient => report.self_prerequisites.push(course.id.clone()),
                        },
                        Some(&j) => members.push(j),
                        None => match strictness {
                            Strictness::Strict => {
                                return Err(Error::UnknownPrerequisite {
                                    course: course.id.clone(),
                                    prerequisite: name.clone(),
                                })
                            }
                            Strictness::Lenient => {
                                report.unknown_prerequisites.push((course.id.clone(), name.clone()));
                                not_in_catalog.push(name.trim().to_string());
                            }
                        },
                    }
                }
                members.sort_unstable();
                members.dedup();
                not_in_catalog.sort();
                not_in_catalog.dedup();
                if members.is_empty() {
                    if not_in_catalog.is_empty() {
                        continue; // only the course itself, already reported
                    }
                    report.unsatisfiable_groups.push(course.id.clone());
                }
                let scores = vec![1.0; members.len()];
                resolved.push(Group {
                    members,
                    concurrent: spec.concurrent(),
                    inferred_from: None,
                    scores,
                    not_in_catalog,
                    inferred: false,
                });
            }
            groups.push(resolved);
        }
        // What was resolved is what the catalog says from now on (and what `to_json` writes).
        let ids: Vec<String> = courses.iter().map(|c| c.id.clone()).collect();
        for (i, (course, resolved)) in courses.iter_mut().zip(&groups).enumerate() {
            let as_given = course.prerequisites.len() == resolved.len()
                && course.prerequisites.iter().all(|g| {
                    g.not_in_catalog().is_empty()
                        && g.members().iter().all(|m| index.get(m.trim()).is_some_and(|&j| j != i))
                });
            if !as_given {
                course.prerequisites = resolved
                    .iter()
                    .map(|g| GroupSpec::Detailed {
                        any_of: g.members.iter().map(|&m| ids[m].clone()).collect(),
                        concurrent: g.concurrent,
                        not_in_catalog: g.not_in_catalog.clone(),
                    })
                    .collect();
            }
        }
        let mut equivalents = vec![Vec::new(); courses.len()];
        for (i, course) in courses.iter().enumerate() {
            for name in course.same_as.iter().chain(&course.no_credit_with) {
                match index.get(name.trim()) {
                    Some(&j) if j != i => {
                        equivalents[i].push(j);
                        equivalents[j].push(i);
                    }
                    Some(_) => {}
                    None => match strictness {
                        Strictness::Strict => {
                            return Err(Error::UnknownEquivalent { course: course.id.clone(), other: name.clone() })
                        }
                        Strictness::Lenient => report.unknown_equivalents.push((course.id.clone(), name.clone())),
                    },
                }
            }
        }
        for e in &mut equivalents {
            e.sort_unstable();
            e.dedup();
        }
        let mut inferred = vec![Vec::new(); courses.len()];
        for (i, course) in courses.iter().enumerate() {
            for spec in &course.inferred_prerequisites {
                let bad = |value: f64| Error::BadCourseNumber {
                    course: course.id.clone(),
                    field: "inferred_prerequisites",
                    value,
                };
                if spec.scores.len() != spec.any_of.len() {
                    return Err(bad(spec.scores.len() as f64));
                }
                let mut members: Vec<(CourseIx, f32)> = Vec::with_capacity(spec.any_of.len());
                for (name, &score) in spec.any_of.iter().zip(&spec.scores) {
                    if !(0.0..=1.0).contains(&score) {
                        return Err(bad(f64::from(score)));
                    }
                    match index.get(name.trim()) {
                        Some(&j) if j != i => members.push((j, score)),
                        _ => {
                            return Err(Error::UnknownPrerequisite {
                                course: course.id.clone(),
                                prerequisite: name.clone(),
                            })
                        }
                    }
                }
                members.sort_by_key(|m| m.0);
                members.dedup_by_key(|m| m.0);
                if !members.is_empty() {
                    let (members, scores) = members.into_iter().unzip();
                    inferred[i].push(Group {
                        members,
                        concurrent: false,
                        inferred_from: None,
                        scores,
                        not_in_catalog: Vec::new(),
                        inferred: true,
                    });
                }
            }
        }
        Ok((Catalog { courses, index, groups, inferred, equivalents }, report))
    }

    pub fn len(&self) -> usize {
        self.courses.len()
    }
    pub fn is_empty(&self) -> bool {
        self.courses.is_empty()
    }
    pub fn courses(&self) -> &[Course] {
        &self.courses
    }
    pub fn course(&self, ix: CourseIx) -> &Course {
        &self.courses[ix]
    }
    /// The index of a course id, if the catalog has it.
    pub fn ix(&self, id: &str) -> Option<CourseIx> {
        self.index.get(id).copied()
    }
    /// The index of a course id, or [`Error::UnknownCourse`].
    pub fn require(&self, id: &str) -> Result<CourseIx> {
        self.ix(id).ok_or_else(|| Error::UnknownCourse(id.to_string()))
    }
    /// Resolves a list of ids; every unknown id is reported in the second list, none is dropped silently.
    pub fn resolve<'a, I: IntoIterator<Item = &'a str>>(&self, ids: I) -> (Vec<CourseIx>, Vec<String>) {
        let mut known = Vec::new();
        let mut unknown = Vec::new();
        for id in ids {
            match self.ix(id.trim()) {
                Some(ix) => known.push(ix),
                None => unknown.push(id.to_string()),
            }
        }
        (known, unknown)
    }
    /// Courses cross-listed with `ix` or given no credit together with it (either side may say
    /// so): taking one counts as taking the others.
    pub fn equivalents(&self, ix: CourseIx) -> &[CourseIx] {
        &self.equivalents[ix]
    }
    /// The courses a learner has credit for: those completed and their equivalents, sorted.
    pub fn credited(&self, completed: &[CourseIx]) -> Vec<CourseIx> {
        let mut out: Vec<CourseIx> =
            completed.iter().flat_map(|&c| std::iter::once(c).chain(self.equivalents[c].iter().copied())).collect();
        out.sort_unstable();
        out.dedup();
        out
    }
    /// The explicit prerequisite groups of a course, resolved to indices.
    pub fn explicit_groups(&self, ix: CourseIx) -> &[Group] {
        &self.groups[ix]
    }
    /// The resolved `inferred_prerequisites` of a course.
    pub fn inferred_groups(&self, ix: CourseIx) -> &[Group] {
        &self.inferred[ix]
    }
    /// Serialises the catalog back to the file format.
    pub fn to_json(&self) -> String {
        serde_json::json!({ "courses": self.courses }).to_string()
    }
}

/// Lower-cases, trims and de-duplicates skill names, keeping first-seen order.
fn normalise_skills(skills: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    skills.retain_mut(|s| {
        *s = normalise_skill(s);
        !s.is_empty() && seen.insert(s.clone())
    });
}

/// The canonical form of a skill name: trimmed, lower-case, inner white space collapsed.
pub fn normalise_skill(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}
