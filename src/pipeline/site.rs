//! A catalog made ready for ranking: the text each course is embedded from, the skill
//! vocabulary a catalog without skills gets, skills inferred for courses that list none, and
//! prerequisites inferred where the catalog lists few. `wayfinder build` and the evaluations
//! all prepare a catalog here; the edge supplies the embedding (and shows its progress).

use crate::catalog::{Catalog, Course, Strictness};
use crate::error::Result;
use crate::gaps::Taxonomy;
use crate::graph::{GraphOptions, PrereqGraph};
use crate::rank::Recommender;
use crate::similarity::Embeddings;
use crate::skills;

/// The text a course is embedded from: `title. description (tag, tag)`.
///
/// # Example
/// ```
/// let course: wayfinder::Course = serde_json::from_value(serde_json::json!({
///     "id": "CS 101", "title": "Programming", "description": "Loops and functions.",
///     "tags": ["python"]
/// })).unwrap();
/// assert_eq!(wayfinder::pipeline::course_text(&course), "Programming. Loops and functions. (python)");
/// ```
pub fn course_text(c: &Course) -> String {
    let mut text = c.title.clone();
    if !c.description.is_empty() {
        text.push_str(". ");
        text.push_str(&c.description);
    }
    if !c.tags.is_empty() {
        text.push_str(" (");
        text.push_str(&c.tags.join(", "));
        text.push(')');
    }
    text
}

/// What preparing a catalog may add.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SiteOptions {
    /// Minimum cosine for an inferred skill.
    pub skill_threshold: f32,
    /// A catalog that names no skills, given no taxonomy, gets the built-in vocabulary.
    pub vocabulary: bool,
    /// A catalog that lists prerequisites for few courses gets inferred ones.
    pub prerequisites: bool,
}

impl Default for SiteOptions {
    fn default() -> Self {
        SiteOptions { skill_threshold: skills::InferParams::default().threshold, vocabulary: true, prerequisites: true }
    }
}

/// A catalog ready for ranking.
#[derive(Debug, Clone)]
pub struct Site {
    pub catalog: Catalog,
    pub taxonomy: Option<Taxonomy>,
    pub embeddings: Embeddings,
    /// Whether the taxonomy is the built-in vocabulary (the catalog named no skills).
    pub builtin_vocabulary: bool,
    /// Courses given skills inferred from their text.
    pub inferred_courses: usize,
    /// Courses given inferred prerequisites.
    pub inferred_prerequisites: usize,
}

/// What [`prepare`] asks the edge to embed: the course texts, or the taxonomy's skills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Texts {
    Courses,
    Skills,
}

/// Embeds texts into unit vectors of one length, in order (the edge runs the model, and may
/// time or show the two kinds of text apart).
pub type EmbedFn<'a> = dyn FnMut(Texts, &[String]) -> Result<Vec<Vec<f32>>> + 'a;

/// Prepares `catalog`: embeds every course's [`course_text`]; with a taxonomy (or, when the
/// catalog names no skills, the built-in vocabulary) infers skills for courses that list
/// none; where the catalog lists prerequisites for few courses, infers related lower-level
/// courses as prerequisites of the rest. Inferred skills and prerequisites are validated like
/// listed ones (the catalog is rebuilt strictly).
///
/// # Errors
/// The embedding's errors, a taxonomy that is not valid, and a catalog the additions make
/// invalid.
pub fn prepare(catalog: Catalog, taxonomy: Option<Taxonomy>, opts: &SiteOptions, embed: &mut EmbedFn) -> Result<Site> {
    let names_skills = catalog.courses().iter().any(|c| !c.teaches.is_empty() || !c.requires.is_empty());
    let builtin_vocabulary = taxonomy.is_none() && opts.vocabulary && !names_skills;
    let taxonomy = match taxonomy {
        Some(t) => Some(t),
        None if builtin_vocabulary => Some(skills::builtin_taxonomy()?),
        None => None,
    };
    let texts: Vec<String> = catalog.courses().iter().map(course_text).collect();
    let vectors = embed(Texts::Courses, &texts)?;
    let mut courses: Vec<Course> = catalog.courses().to_vec();
    let mut inferred_courses = 0;
    if let Some(t) = &taxonomy {
        let vocabulary = skills::vocabulary(t);
        let skill_vectors = embed(Texts::Skills, &vocabulary)?;
        let params = skills::InferParams { threshold: opts.skill_threshold, ..Default::default() };
        inferred_courses = skills::infer(&mut courses, &vectors, &vocabulary, &skill_vectors, t, &params)?;
    }
    let mut inferred_prerequisites = 0;
    if opts.prerequisites && skills::lists_few_prerequisites(&courses) {
        inferred_prerequisites =
            skills::infer_prerequisites(&mut courses, &vectors, &skills::PrerequisiteModel::default())?;
    }
    let catalog = if inferred_courses + inferred_prerequisites > 0 {
        Catalog::new(courses, Strictness::Strict)?.0
    } else {
        catalog
    };
    let dim = vectors.first().map_or(0, Vec::len);
    let embeddings = Embeddings::from_vec(catalog.len(), dim, vectors.concat())?;
    Ok(Site { catalog, taxonomy, embeddings, builtin_vocabulary, inferred_courses, inferred_prerequisites })
}

impl Site {
    /// The recommender without collaborative models (tuning and training add them).
    ///
    /// # Errors
    /// The recommender's checks of its parts.
    pub fn recommender(&self) -> Result<Recommender> {
        let graph = PrereqGraph::new(&self.catalog, GraphOptions::default());
        Recommender::new(self.catalog.clone(), graph, None, Some(self.embeddings.clone()), self.taxonomy.clone())
    }
}
