//! Item factors trained elsewhere: the `wayfinder-item-factors` exchange format that
//! `pipeline/spark/train_als.py` writes where a school's enrolments live (Apache Spark MLlib's
//! ALS), read into the bundle's MF model without training anything here.
//!
//! Three files (documented in `pipeline/spark/README.md` and `docs/bundle.md`):
//! - `als.json`: format, version, the trainer's hyper-parameters and rule, counts, and the
//!   sha256 and size of the two other files;
//! - `courses.csv`: `row,course,learners`, one line per factor row, in row order;
//! - `item_factors.safetensors`: `item_factors`, f32 `[rows, rank]`.
//!
//! Only item factors and per-course learner counts cross; nothing names a learner. Rows are
//! matched to the catalog by course id; a catalog course the factors do not cover gets a zero
//! row, so the rest of the ranking scores it alone.

use std::collections::BTreeMap;

use ndarray::{Array1, Array2};
use safetensors::tensor::{Dtype, SafeTensors};
use serde::{Deserialize, Serialize};

use crate::bundle::{sha256_hex, FileEntry, ModelInfo, MAX_COURSES, MAX_FACTORS};
use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::mf::{Confidence, FoldInParams, FoldInRule, MfKind, MfModel};

pub const FORMAT: &str = "wayfinder-item-factors";
/// The exchange format version this build reads.
pub const VERSION: u32 = 1;
pub const META: &str = "als.json";
pub const COURSES: &str = "courses.csv";
pub const FACTORS: &str = "item_factors.safetensors";

/// `als.json`: what trained the factors, and how a learner is folded in against them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExchangeMeta {
    pub format: String,
    pub version: u32,
    /// `spark-mllib-als` for the Spark job.
    pub trainer: String,
    #[serde(default)]
    pub spark_version: Option<String>,
    /// Implicit feedback (enrolments) or explicit ratings.
    pub implicit_prefs: bool,
    pub rank: usize,
    pub reg_param: f32,
    /// Confidence scale of implicit counts (`c = 1 + alpha·r`); ignored for explicit models.
    #[serde(default)]
    pub alpha: f32,
    #[serde(default)]
    pub max_iter: Option<usize>,
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub nonnegative: bool,
    /// `count`: each learner's ridge is `reg_param` times their number of observations
    /// (Spark's ALS-WR rule); `constant`: `reg_param` once (Wayfinder's implicit ALS).
    pub reg_scaling: String,
    /// The minimum cohort the trainer already applied (courses below it have zero rows).
    #[serde(default)]
    pub min_cohort: usize,
    #[serde(default)]
    pub learners: usize,
    #[serde(default)]
    pub interactions: usize,
    #[serde(default)]
    pub fit_seconds: Option<f64>,
    /// The sha256 and size of `courses.csv` and `item_factors.safetensors`.
    pub files: BTreeMap<String, FileEntry>,
}

/// The three files' bytes.
#[derive(Debug, Clone, Copy)]
pub struct ExchangeFiles<'a> {
    pub meta: &'a [u8],
    pub courses: &'a [u8],
    pub factors: &'a [u8],
}

/// Factors aligned to a catalog, with what the manifest and the privacy rule need.
#[derive(Debug, Clone)]
pub struct ImportedFactors {
    pub model: MfModel,
    pub info: ModelInfo,
    pub meta: ExchangeMeta,
    /// Distinct learners per catalog course as the trainer counted them (0 where the factors
    /// do not cover the course).
    pub learners: Vec<usize>,
    /// Catalog courses the factors do not cover: nobody enrolled where they were trained.
    pub uncovered: Vec<String>,
    /// Factor rows naming a course the catalog does not hold, skipped (lenient only).
    pub unknown: Vec<String>,
}

fn bad(file: &str, reason: impl Into<String>) -> Error {
    Error::ItemFactors { file: file.into(), reason: reason.into() }
}

impl ExchangeMeta {
    /// Parses and checks `als.json`.
    ///
    /// # Errors
    /// [`Error::ItemFactors`] naming the field: another format or version, a rank of 0 or past
    /// [`MAX_FACTORS`], a penalty that is not positive, a negative alpha, non-negative factors
    /// (Spark solves those by NNLS, which fold-in cannot reproduce) or an unknown scaling.
    pub fn parse(bytes: &[u8]) -> Result<ExchangeMeta> {
        let meta: ExchangeMeta = serde_json::from_slice(bytes).map_err(|e| bad(META, e.to_string()))?;
        if meta.format != FORMAT {
            return Err(bad(META, format!("format is {:?}, expected {FORMAT:?}", meta.format)));
        }
        if meta.version != VERSION {
            return Err(bad(META, format!("version {} is not supported (this build reads {VERSION})", meta.version)));
        }
        if meta.rank == 0 || meta.rank > MAX_FACTORS {
            return Err(bad(META, format!("rank {} is not between 1 and {MAX_FACTORS}", meta.rank)));
        }
        if !(meta.reg_param.is_finite() && meta.reg_param > 0.0) {
            return Err(bad(META, format!("reg_param {} is not a positive number", meta.reg_param)));
        }
        if !(meta.alpha.is_finite() && meta.alpha >= 0.0) {
            return Err(bad(META, format!("alpha {} is not a non-negative number", meta.alpha)));
        }
        if meta.nonnegative {
            return Err(bad(META, "nonnegative factors are solved by NNLS, which fold-in cannot reproduce"));
        }
        meta.rule()?;
        for file in [COURSES, FACTORS] {
            if !meta.files.contains_key(file) {
                return Err(bad(META, format!("files lists no {file}")));
            }
        }
        Ok(meta)
    }

    /// The fold-in rule that reproduces the trainer's user solve.
    fn rule(&self) -> Result<FoldInRule> {
        match self.reg_scaling.as_str() {
            "count" => Ok(FoldInRule::CountScaled),
            "constant" if self.implicit_prefs => Ok(FoldInRule::Wayfinder),
            "constant" => Err(bad(META, "reg_scaling \"constant\" is for implicit models only")),
            other => Err(bad(META, format!("reg_scaling {other:?} is neither \"count\" nor \"constant\""))),
        }
    }
}

/// [`Exchange::align`]'s result: the model, each course's learners, which courses a factor
/// row covered, and the ids the catalog did not know.
pub type Aligned = (MfModel, Vec<usize>, Vec<bool>, Vec<String>);

/// The exchange files read and checked, rows in the trainer's order.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub meta: ExchangeMeta,
    /// `(course id, learners)` per row.
    pub courses: Vec<(String, usize)>,
    /// `rows × rank`.
    pub factors: Array2<f32>,
}

impl Exchange {
    /// Reads and checks the three files.
    ///
    /// # Errors
    /// [`Error::ItemFactors`] naming the file and what is wrong: a size or sha256 that
    /// differs from `als.json`, a mapping line that is malformed, out of order or repeated, a
    /// tensor that is missing, of another dtype or shape, with a width other than the rank,
    /// with rows the mapping does not name or a mapping naming rows it lacks, or a non-finite
    /// factor (naming the course).
    pub fn read(files: ExchangeFiles<'_>) -> Result<Exchange> {
        let meta = ExchangeMeta::parse(files.meta)?;
        for (name, bytes) in [(COURSES, files.courses), (FACTORS, files.factors)] {
            let entry = &meta.files[name];
            if bytes.len() as u64 != entry.bytes {
                return Err(bad(name, format!("is {} bytes, but {META} says {}", bytes.len(), entry.bytes)));
            }
            let actual = sha256_hex(bytes);
            if !actual.eq_ignore_ascii_case(&entry.sha256) {
                return Err(bad(name, format!("has sha256 {actual}, but {META} says {}", entry.sha256)));
            }
        }
        let courses = mapping(files.courses)?;
        let tensors = SafeTensors::deserialize(files.factors).map_err(|e| bad(FACTORS, e.to_string()))?;
        let view = tensors.tensor("item_factors").map_err(|_| bad(FACTORS, "has no tensor \"item_factors\""))?;
        if view.dtype() != Dtype::F32 {
            return Err(bad(FACTORS, format!("item_factors is {:?}, expected F32", view.dtype())));
        }
        let &[n_rows, k] = view.shape() else {
            return Err(bad(FACTORS, format!("item_factors has shape {:?}, expected [courses, rank]", view.shape())));
        };
        if k != meta.rank {
            return Err(bad(FACTORS, format!("item_factors has {k} columns, but {META} says rank {}", meta.rank)));
        }
        if n_rows != courses.len() {
            let (what, first) = if n_rows > courses.len() {
                ("rows the mapping does not name, from row", courses.len())
            } else {
                ("no rows for mapping lines from row", n_rows)
            };
            return Err(bad(
                FACTORS,
                format!("item_factors has {n_rows} rows and {COURSES} {}: {what} {first}", courses.len()),
            ));
        }
        let values: Vec<f32> =
            view.data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
        if let Some(at) = values.iter().position(|x| !x.is_finite()) {
            let (row, column) = (at / k, at % k);
            return Err(bad(
                FACTORS,
                format!("course {:?} (row {row}) has {} in column {column}", courses[row].0, values[at]),
            ));
        }
        let factors = Array2::from_shape_vec((n_rows, k), values).map_err(|e| bad(FACTORS, e.to_string()))?;
        Ok(Exchange { meta, courses, factors })
    }

    /// The MF model over `n` courses, row `ix(course id)` for each factor row: a course no
    /// row names gets zeros. Returns the model, each course's learners, which courses a row
    /// covered, and the ids `ix` did not know (skipped when `lenient`).
    ///
    /// # Errors
    /// [`Error::ItemFactors`] for a course `ix` does not know (unless `lenient`).
    pub fn align(&self, n: usize, ix: impl Fn(&str) -> Option<usize>, lenient: bool) -> Result<Aligned> {
        let k = self.meta.rank;
        let mut factors = Array2::<f32>::zeros((n, k));
        let mut learners = vec![0; n];
        let mut covered = vec![false; n];
        let mut unknown = Vec::new();
        for (row, (course, count)) in self.courses.iter().enumerate() {
            let Some(i) = ix(course).filter(|&i| i < n) else {
                if lenient {
                    unknown.push(course.clone());
                    continue;
                }
                return Err(bad(COURSES, format!("row {row} names course {course:?}, which is not in the catalog")));
            };
            factors.row_mut(i).assign(&self.factors.row(row));
            learners[i] = *count;
            covered[i] = true;
        }
        let meta = &self.meta;
        let fold_in = FoldInParams {
            reg: meta.reg_param,
            bias_reg: 0.0,
            alpha: if meta.implicit_prefs { meta.alpha } else { 0.0 },
            confidence: Confidence::Linear,
            rule: meta.rule()?,
        };
        let kind = if meta.implicit_prefs { MfKind::Implicit } else { MfKind::Explicit };
        let model = MfModel::new(kind, factors, Array1::zeros(n), 0.0, None, fold_in)?;
        Ok((model, learners, covered, unknown))
    }
}

/// Reads the exchange files and aligns their rows to `catalog` ([`Exchange::read`],
/// [`Exchange::align`]).
///
/// # Errors
/// Those of [`Exchange::read`], and [`Error::ItemFactors`] naming a course the catalog does
/// not hold (unless `lenient`).
pub fn import(catalog: &Catalog, files: ExchangeFiles<'_>, lenient: bool) -> Result<ImportedFactors> {
    let exchange = Exchange::read(files)?;
    let (model, learners, covered, unknown) = exchange.align(catalog.len(), |id| catalog.ix(id), lenient)?;
    let uncovered = (0..catalog.len()).filter(|&i| !covered[i]).map(|i| catalog.course(i).id.clone()).collect();
    let meta = exchange.meta;
    let params = serde_json::json!({
        "trainer": meta.trainer,
        "spark_version": meta.spark_version,
        "implicit_prefs": meta.implicit_prefs,
        "rank": meta.rank,
        "reg_param": meta.reg_param,
        "alpha": meta.alpha,
        "max_iter": meta.max_iter,
        "reg_scaling": meta.reg_scaling,
        "learners": meta.learners,
        "interactions": meta.interactions,
    });
    let info = super::model_info(&model, meta.seed, params);
    Ok(ImportedFactors { model, info, meta, learners, uncovered, unknown })
}

/// `courses.csv`: `(course, learners)` per row, in row order.
fn mapping(bytes: &[u8]) -> Result<Vec<(String, usize)>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(bytes);
    let header = reader.headers().map_err(|e| bad(COURSES, e.to_string()))?;
    if header.iter().collect::<Vec<_>>() != ["row", "course", "learners"] {
        return Err(bad(
            COURSES,
            format!("header is {:?}, expected row,course,learners", header.iter().collect::<Vec<_>>()),
        ));
    }
    let mut rows = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, record) in reader.records().enumerate() {
        // Line 1 is the header.
        let line = i + 2;
        let record = record.map_err(|e| bad(COURSES, format!("line {line}: {e}")))?;
        if rows.len() >= MAX_COURSES {
            return Err(bad(COURSES, format!("has more than the {MAX_COURSES} courses a bundle may have")));
        }
        let row: usize = record[0]
            .parse()
            .map_err(|_| bad(COURSES, format!("line {line}: row {:?} is not an integer", &record[0])))?;
        if row != rows.len() {
            return Err(bad(COURSES, format!("line {line}: row {row} is out of order (expected {})", rows.len())));
        }
        let course = record[1].to_string();
        if course.is_empty() {
            return Err(bad(COURSES, format!("line {line}: the course id is empty")));
        }
        let count: usize = record[2]
            .parse()
            .map_err(|_| bad(COURSES, format!("line {line}: learners {:?} is not a whole number", &record[2])))?;
        if let Some(first) = seen.insert(course.clone(), row) {
            return Err(bad(COURSES, format!("line {line}: course {course:?} is also row {first}")));
        }
        rows.push((course, count));
    }
    Ok(rows)
}
