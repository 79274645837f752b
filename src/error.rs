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
    #[error("the bundle was written by Wayfinder {needs}, which this build ({have}) cannot read: load the module that came with the bundle, or rebuild the bundle")]
    BundleModule { needs: String, have: String },
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
    /// A field of a catalog CSV (`import::csv`): `row` is the line in the file, the header
    /// being line 1.
    #[error("catalog CSV row {row}, column {column:?}: {reason}")]
    CsvField { row: u64, column: String, reason: String },
    #[error("interactions line {line}: {reason}")]
    InteractionLine { line: usize, reason: String },
    /// A file of item factors trained elsewhere (the `wayfinder-item-factors` exchange
    /// format that `pipeline/spark/` writes).
    #[error("item factors {file}: {reason}")]
    ItemFactors { file: String, reason: String },
    #[error("{field} needs the embedding model, and none was loaded")]
    NoEmbedder { field: &'static str },
    /// An encoder outside this module failed (the browser's embedder module, called through
    /// JavaScript); its code is one of [`ERROR_CODES`] (see [`Error::encoder`]).
    #[error("{message}")]
    Encoder { code: &'static str, message: String },
    /// A learning path's cost (courses or credits, counted with every prerequisite each
    /// alternative needs) does not fit in 64 bits: a prerequisite structure that branches on
    /// every level for dozens of levels.
    #[error("course {course:?} needs more prerequisites than a learning path can count (their cost overflows)")]
    PathCostOverflow { course: String },
}

/// The stable codes [`Error::code`] gives, in the order the TypeScript `ErrorCode` type
/// lists them (a test checks that the two lists agree). The browser module adds
/// `NOT_LOADED`, `NETWORK`, `OUT_OF_MEMORY` and `UNSUPPORTED_BROWSER`, which only its edge
/// can meet.
pub const ERROR_CODES: [&str; 11] = [
    "CATALOG_INVALID",
    "UNKNOWN_COURSE",
    "INVALID_PARAMETER",
    "DATA_INVALID",
    "NO_DATA",
    "MODEL_INVALID",
    "MODEL_MISMATCH",
    "BUNDLE_CORRUPT",
    "BUNDLE_VERSION",
    "INTERNAL",
    "MODEL_REQUIRED",
];

impl Error {
    /// A stable code for this kind of error, for callers that branch on it (the site shows a
    /// different hint for a damaged bundle than for a bad query); the message says which
    /// course, file or field. Codes never change meaning; new ones may be added.
    pub fn code(&self) -> &'static str {
        use Error::*;
        match self {
            CatalogJson(_)
            | EmptyCourseId { .. }
            | DuplicateCourse { .. }
            | UnknownPrerequisite { .. }
            | EmptyPrerequisiteGroup { .. }
            | UnknownEquivalent { .. }
            | SelfPrerequisite { .. }
            | BadCourseNumber { .. }
            | Cycle(_)
            | PathCostOverflow { .. }
            | CatalogCsv { .. }
            | CsvField { .. } => "CATALOG_INVALID",
            UnknownCourse(_) => "UNKNOWN_COURSE",
            NoEmbedder { .. } => "MODEL_REQUIRED",
            InvalidParameter { .. } | NonFinite { .. } | CourseExceedsTermLimit { .. } => "INVALID_PARAMETER",
            RatingLine { .. } | InteractionLine { .. } | ItemFactors { .. } => "DATA_INVALID",
            NoData(_) => "NO_DATA",
            EmbedModel(_) | Tokenizer(_) => "MODEL_INVALID",
            EmbedderMismatch { .. } => "MODEL_MISMATCH",
            BundleManifest(_)
            | BundleMissingFile(_)
            | BundleSize { .. }
            | BundleChecksum { .. }
            | BundleFile { .. }
            | BundleTensor { .. }
            | BundleRows { .. } => "BUNDLE_CORRUPT",
            BundleVersion { .. } | BundleModule { .. } => "BUNDLE_VERSION",
            Dimension { .. } | NotPositiveDefinite(_) => "INTERNAL",
            Encoder { code, .. } => code,
        }
    }

    /// An [`Error::Encoder`] keeping the code the other module gave when it is one of
    /// [`ERROR_CODES`], `INTERNAL` otherwise.
    pub fn encoder(code: &str, message: impl Into<String>) -> Self {
        let code = ERROR_CODES.iter().find(|c| **c == code).copied().unwrap_or("INTERNAL");
        Error::Encoder { code, message: message.into() }
    }

    /// Shorthand for [`Error::InvalidParameter`].
    pub fn param(name: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidParameter { name, reason: reason.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The browser module's own codes, which no core error has.
    const EDGE_CODES: [&str; 4] = ["NOT_LOADED", "NETWORK", "OUT_OF_MEMORY", "UNSUPPORTED_BROWSER"];

    fn quoted_codes(text: &str) -> Vec<String> {
        text.split('\'')
            .skip(1)
            .step_by(2)
            .filter(|s| s.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn the_typescript_error_codes_are_the_cores_and_the_edges() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/wasm/js");
        let types = std::fs::read_to_string(root.join("wayfinder.d.ts")).unwrap();
        let start = types.find("export type ErrorCode =").expect("wayfinder.d.ts declares ErrorCode");
        let union = &types[start..start + types[start..].find(';').unwrap()];
        let expected: Vec<&str> = ERROR_CODES.iter().chain(&EDGE_CODES).copied().collect();
        assert_eq!(quoted_codes(union), expected);
        // Every code the worker and the client attach is one of them.
        for file in ["worker.js", "wayfinder.js"] {
            let js = std::fs::read_to_string(root.join(file)).unwrap();
            for code in js.split("failure('").skip(1).chain(js.split("WayfinderError('").skip(1)) {
                let code = &code[..code.find('\'').unwrap()];
                assert!(expected.contains(&code), "{file} uses code {code}, which ErrorCode does not list");
            }
        }
    }

    #[test]
    fn each_kind_of_error_has_its_code() {
        let cases = [
            (Error::DuplicateCourse { id: "A".into(), first: 0, second: 1 }, "CATALOG_INVALID"),
            (Error::Cycle(vec!["A".into(), "B".into()]), "CATALOG_INVALID"),
            (Error::UnknownCourse("NOPE 1".into()), "UNKNOWN_COURSE"),
            (Error::param("k", "0 is not between 1 and 1000"), "INVALID_PARAMETER"),
            (Error::InteractionLine { line: 3, reason: "no course".into() }, "DATA_INVALID"),
            (Error::NoData("nothing".into()), "NO_DATA"),
            (Error::Tokenizer("bad".into()), "MODEL_INVALID"),
            (Error::EmbedderMismatch { what: "model", expected: "a".into(), actual: "b".into() }, "MODEL_MISMATCH"),
            (Error::NoEmbedder { field: "goalText" }, "MODEL_REQUIRED"),
            (
                Error::BundleChecksum { file: "catalog.json".into(), expected: "a".into(), actual: "b".into() },
                "BUNDLE_CORRUPT",
            ),
            (Error::BundleVersion { found: 99, supported: 1 }, "BUNDLE_VERSION"),
            (Error::BundleModule { needs: "9.0.0".into(), have: "0.1.0".into() }, "BUNDLE_VERSION"),
            (Error::NotPositiveDefinite("ALS"), "INTERNAL"),
            (Error::encoder("MODEL_INVALID", "tokenizer: bad"), "MODEL_INVALID"),
            (Error::encoder("NETWORK", "an edge's own code"), "INTERNAL"),
        ];
        for (error, code) in cases {
            assert_eq!(error.code(), code, "{error}");
            assert!(ERROR_CODES.contains(&code));
        }
    }
}
