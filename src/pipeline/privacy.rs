//! The minimum cohort: a course that fewer than `min_cohort` learners took ships no
//! collaborative data at all, since its factor row, its bias and its neighbour weights would
//! be learned from those few learners alone. Its factor row and bias become zero and every
//! neighbour weight to or from it is dropped; content, skills, goals and the prerequisite
//! graph still rank it. The manifest's `privacy` counts the courses and lists them, up to
//! [`Privacy::MAX_LISTED`] (`docs/privacy.md`).

use crate::bundle::Privacy;
use crate::catalog::{Catalog, CourseIx};
use crate::error::Result;
use crate::mf::MfModel;
use crate::neighbours::Neighbours;

/// The default minimum cohort.
pub const DEFAULT_MIN_COHORT: usize = 10;

/// What [`apply_min_cohort`] returns: the models as they ship and the manifest's record.
#[derive(Debug, Clone)]
pub struct Cohorted {
    pub model: Option<MfModel>,
    pub neighbours: Option<Neighbours>,
    pub privacy: Privacy,
}

/// Clears the collaborative data of every course with fewer than `min_cohort` learners
/// (`learners[i]`: distinct learners of course `i`).
///
/// # Errors
/// [`crate::error::Error::Dimension`] when `learners` is not one count per course, and the
/// model's own checks.
pub fn apply_min_cohort(
    catalog: &Catalog,
    model: Option<&MfModel>,
    neighbours: Option<&Neighbours>,
    learners: &[usize],
    min_cohort: usize,
) -> Result<Cohorted> {
    let n = catalog.len();
    if learners.len() != n {
        return Err(crate::error::Error::Dimension { what: "learner counts", expected: n, got: learners.len() });
    }
    let below: Vec<bool> = learners.iter().map(|&c| c < min_cohort).collect();
    let cleared: Vec<CourseIx> = (0..n).filter(|&i| below[i]).collect();
    let model = model.map(|m| m.with_rows_cleared(&cleared)).transpose()?;
    let neighbours = neighbours.map(|nb| nb.without(&below)).transpose()?;
    let listed = if cleared.len() <= Privacy::MAX_LISTED { &cleared[..] } else { &[] };
    let privacy = Privacy {
        min_cohort,
        courses_below_min_cohort: cleared.len(),
        below_min_cohort: listed.iter().map(|&i| catalog.course(i).id.clone()).collect(),
    };
    Ok(Cohorted { model, neighbours, privacy })
}
