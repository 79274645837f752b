//! The core's one error type. Every variant names what is wrong (course id, field, value),
//! so a caller can show it to a person without more context.

use thiserror::Error;

/// Result alias used throughout the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    #[error("catalog JSON is invalid: {0}")]
    CatalogJson(String),
    #[error("course #{index} has an empty id")]
    EmptyCourseId { index: usize },
    #[error("course id {id:?} appears more than once (entries #{first} and #{second})")]
    DuplicateCourse { id: String, first: usize, second: usize },
    #[error("course {course:?} lists prerequisite {prerequisite:?}, which is not in the catalog")]
    UnknownPrerequisite { course: String, prerequisite: String },
    #[error("course {course:?} has an empty prerequisite group (group {group})")]
    EmptyPrerequisiteGroup { course: String, group: usize },
    #[error("course {course:?} names {other:?} as the same course or as one not credited together with it, but {other:?} is not in the catalog")]
    UnknownEquivalent { course: String, other: String },
    #[error("course {course:?} lists itself as a prerequisite")]
    SelfPrerequisite { course: String },
    #[error("course {course:?}: {field} is {value}, which is not a finite non-negative number")]
    BadCourseNumber { course: String, field: &'static str, value: f64 },
    #[error("unknown course {0:?}")]
    UnknownCourse(String),
    #[error("prerequisites form a cycle: {}", .0.join(" -> "))]
    Cycle(Vec<String>),
    #[error("course {course:?} has {credits} credits, more than the limit of {limit} per term")]
    CourseExceedsTermLimit { course: String, credits: f32, limit: f32 },
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter { name: &'static str, reason: String },
    #[error("{what} contains a non-finite value ({value}) at {at}")]
    NonFinite { what: &'static str, at: String, value: f32 },
    #[error("dimension mismatch for {what}: expected {expected}, got {got}")]
    Dimension { what: &'static str, expected: usize, got: usize },
    #[error("rating file line {line}: {reason}")]
    RatingLine { line: usize, reason: String },
    #[error("no training data: {0}")]
    NoData(String),
    /// The embedding model could not be loaded, prepared, or run.
    #[error("embedding model: {0}")]
    EmbedModel(String),
    /// The tokenizer JSON could not be loaded or could not encode a text.
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// A least-squares system in matrix factorization broke down (overflowing values).
    #[error("{0}: the least-squares system is not positive definite; the data or factors overflowed")]
    NotPositiveDefinite(&'static str),
    #[error("bundle manifest is invalid: {0}")]
    BundleManifest(String),
    #[error("bundle format version {found} is not supported (this build reads version {supported})")]
    BundleVersion { found: u32, supported: u32 },
    #[error("bundle file {0:?} is missing")]
    BundleMissingFile(String),
    #[error("bundle file {file:?} is {got} bytes, but the manifest says {expected} (truncated or replaced)")]
    BundleSize { file: String, expected: u64, got: u64 },
    #[error("bundle file {file:?} is corrupt: sha256 {actual}, but the manifest says {expected}")]
    BundleChecksum { file: String, expected: String, actual: String },
    #[error("bundle file {file:?} cannot be read: {reason}")]
    BundleFile { file: String, reason: String },
    #[error("bundle tensor {name:?}: {reason}")]
    BundleTensor { name: String, reason: String },
    #[error("bundle {what} has {tensor} rows, but its catalog has {catalog} courses")]
    BundleRows { what: &'static str, catalog: usize, tensor: usize },
    #[error("the query embedder does not match the bundle: the catalog was embedded with {what} sha256 {expected}, this one is {actual}")]
    EmbedderMismatch { what: &'static str, expected: String, actual: String },
    #[error("{file} CSV line {line}: {reason}")]
    CatalogCsv { file: &'static str, line: u64, reason: String },
    #[error("interactions line {line}: {reason}")]
    InteractionLine { line: usize, reason: String },
}

impl Error {
    /// Shorthand for [`Error::InvalidParameter`].
    pub fn param(name: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidParameter { name, reason: reason.into() }
    }
}

