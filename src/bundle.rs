//! The bundle: the versioned, checksummed set of static files the pipeline writes and the
//! browser downloads. [`Bundle::write`] produces the files as bytes; [`Bundle::from_files`]
//! validates all of them (format version, sizes, sha256, tensor names, shapes and dtypes,
//! finite values, catalog rows against tensor rows) before anything trusts them.
//!
//! Files: `manifest.json` (format, counts, the sha256 of every other file, the embedder's
//! hashes, training parameters and seed, an evaluation summary), `catalog.json` (the catalog
//! format, inferred skills marked; `catalog.json.gz` when written compressed, which keeps a
//! large catalog's descriptions from doubling the download), `tensors.safetensors` (`item_factors` `[n, k]` f32,
//! `item_bias` `[n]` f32, `global_mean` `[1]` f32, `item_implicit_factors` `[n, k]` f32 with SVD++, `embeddings` `[n, d]` as f32, f16 or i8 with
//! per-row `embedding_scales` `[n]` f32, for a catalog stored in fewer dimensions than the
//! model's `embedding_mean` `[m]` and `embedding_projection` `[m, d]` f32 that take a query
//! there, and the item neighbours as compressed rows:
//! `neighbour_offsets`, `neighbour_targets`, `neighbour_weight`; bundles written before the
//! targets were gap-coded hold `neighbour_index`, still read), and optionally `taxonomy.json`.
//! The manifest's `ranking` holds the ranking defaults the pipeline chose.

use std::borrow::Cow;
use std::collections::BTreeMap;

use half::f16;
use ndarray::{Array1, Array2};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::catalog::{Catalog, Strictness};
use crate::error::{Error, Result};
use crate::gaps::Taxonomy;
use crate::mf::{Confidence, FoldInParams, FoldInRule, MfKind, MfModel};
use crate::neighbours::{Neighbours, StoredNeighbours};
use crate::rank::RankDefaults;
use crate::similarity::{int8_codes, Embeddings, Projection};

pub const FORMAT: &str = "wayfinder-bundle";
/// The bundle format this build reads and writes.
pub const VERSION: u32 = 1;
pub const MANIFEST: &str = "manifest.json";
/// The version of the Wayfinder that writes and reads bundles (the workspace's version): a
/// manifest names the one that wrote it, and a reader refuses a bundle from a newer release
/// or another series, so a page never runs an old module against a new bundle.
pub const MODULE_VERSION: &str = env!("CARGO_PKG_VERSION");
pub const CATALOG: &str = "catalog.json";
/// The catalog, gzip-compressed (see [`BundleParts::compress_catalog`]).
pub const CATALOG_GZ: &str = "catalog.json.gz";
/// A compressed catalog may not inflate past this many bytes (a guard against gzip bombs;
/// UIUC's 8,589 courses take 3.9 MB).
const MAX_CATALOG_BYTES: u64 = 512 << 20;
/// Hard bounds a bundle is held to before anything is allocated for it: fold-in solves a
/// `factors × factors` system per learner (50,000 factors would ask for 10 GB, which aborts
/// wasm), and every embedding is `embedding_dim` wide. Far above what Wayfinder writes
/// (32 to 128 factors, 384 dimensions) and what a browser could hold (courses).
pub const MAX_FACTORS: usize = 1024;
pub const MAX_EMBEDDING_DIM: usize = 4096;
pub const MAX_COURSES: usize = 2_000_000;
pub const TENSORS: &str = "tensors.safetensors";
pub const TAXONOMY: &str = "taxonomy.json";

/// How course embeddings are stored in the tensor file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Storage {
    #[default]
    F32,
    F16,
    /// Symmetric int8 with one f32 scale per row.
    Int8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileEntry {
    pub sha256: String,
    pub bytes: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    pub courses: usize,
    pub factors: usize,
    pub embedding_dim: usize,
    pub learners: usize,
    pub interactions: usize,
    pub explicit_groups: usize,
    pub inferred_groups: usize,
    pub cycles: usize,
}

/// The model and tokenizer that embedded the catalog; queries must use the same ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbedderInfo {
    pub name: String,
    pub model_sha256: String,
    pub tokenizer_sha256: String,
}

/// The matrix-factorization model's kind, fold-in parameters and training record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// `explicit` or `implicit`.
    pub kind: String,
    pub fold_in_reg: f32,
    pub fold_in_bias_reg: f32,
    pub alpha: f32,
    /// `None` for linear confidence, `Some(eps)` for logarithmic.
    pub log_confidence_eps: Option<f32>,
    pub rating_range: Option<(f32, f32)>,
    /// Whose user solve fold-in reproduces (`wayfinder` or `count_scaled`); absent in bundles
    /// written before it was recorded, which are Wayfinder's own.
    #[serde(default, skip_serializing_if = "is_wayfinder_rule")]
    pub fold_in_rule: FoldInRule,
    pub seed: u64,
    /// Training parameters as the trainer reported them.
    pub params: serde_json::Value,
}

/// The minimum cohort the pipeline applied (`docs/privacy.md`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Privacy {
    /// A course that fewer learners than this took has no collaborative data in the bundle:
    /// a zero factor row and bias, and no neighbour weight to or from it.
    pub min_cohort: usize,
    /// How many courses that is.
    pub courses_below_min_cohort: usize,
    /// Their ids, when there are at most [`Privacy::MAX_LISTED`] (the manifest is fetched
    /// before anything else; a large catalog's list would be most of it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub below_min_cohort: Vec<String>,
}

impl Privacy {
    /// The most course ids the manifest lists.
    pub const MAX_LISTED: usize = 1000;
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    /// RFC 3339 time the pipeline wrote the bundle (the pipeline supplies it; the core has no clock).
    pub created: String,
    pub counts: Counts,
    pub files: BTreeMap<String, FileEntry>,
    pub embedder: Option<EmbedderInfo>,
    pub embedding_storage: Storage,
    pub model: Option<ModelInfo>,
    /// Held-out evaluation of the trained model, as the pipeline measured it.
    pub evaluation: serde_json::Value,
    /// The ranking defaults the pipeline chose on validation data; absent in bundles written
    /// before they existed, which rank with [`RankDefaults::fallback`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ranking: Option<RankDefaults>,
    /// The Wayfinder version that wrote the bundle, which a reader must be compatible with
    /// ([`check_module_version`]); absent in bundles written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module_version: Option<String>,
    /// The minimum cohort applied to the collaborative models; absent when the bundle has
    /// none (no interactions) or was written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy: Option<Privacy>,
}

fn is_wayfinder_rule(rule: &FoldInRule) -> bool {
    *rule == FoldInRule::Wayfinder
}

/// Whether this build ([`MODULE_VERSION`]) may read a bundle that `written_by` wrote: the same
/// series (major version, or minor while the major is 0) and not newer than this build.
///
/// # Errors
/// [`Error::BundleModule`] naming both versions, and [`Error::BundleManifest`] for a version
/// that is not `major.minor.patch`.
///
/// # Example
/// ```
/// use wayfinder::bundle::{check_module_version, MODULE_VERSION};
/// assert!(check_module_version(MODULE_VERSION).is_ok());
/// assert!(check_module_version("999.0.0").is_err());
/// ```
pub fn check_module_version(written_by: &str) -> Result<()> {
    fn parse(v: &str) -> Option<(u64, u64, u64)> {
        let core = v.split(['-', '+']).next()?;
        let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
        let version = (parts.next()??, parts.next()??, parts.next()??);
        parts.next().is_none().then_some(version)
    }
    let bundle = parse(written_by)
        .ok_or_else(|| Error::BundleManifest(format!("module_version {written_by:?} is not major.minor.patch")))?;
    let ours = parse(MODULE_VERSION).expect("the workspace version is major.minor.patch");
    let series = |v: (u64, u64, u64)| if v.0 == 0 { (0, v.1) } else { (v.0, 0) };
    if series(bundle) != series(ours) || bundle > ours {
        return Err(Error::BundleModule { needs: written_by.into(), have: MODULE_VERSION.into() });
    }
    Ok(())
}

impl Manifest {
    /// A short stable name for caches: format version plus the first hex digits of the
    /// hashes of every file.
    pub fn cache_key(&self) -> String {
        let mut h = Sha256::new();
        for (name, f) in &self.files {
            h.update(name.as_bytes());
            h.update(f.sha256.as_bytes());
        }
        format!("wayfinder-v{}-{}", self.version, &format!("{:x}", h.finalize())[..16])
    }
}

/// A loaded, validated bundle.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub manifest: Manifest,
    pub catalog: Catalog,
    pub model: Option<MfModel>,
    pub neighbours: Option<Neighbours>,
    pub embeddings: Option<Embeddings>,
    pub taxonomy: Option<Taxonomy>,
}

/// What the pipeline hands to [`Bundle::write`].
pub struct BundleParts<'a> {
    pub created: String,
    pub catalog: &'a Catalog,
    pub model: Option<(&'a MfModel, ModelInfo)>,
    /// The item-neighbour model, stored compact ([`Neighbours::stored`]): `neighbour_offsets`
    /// `[n + 1]` u32, `neighbour_targets` (LEB128 gaps) u8 and `neighbour_weight` f16.
    pub neighbours: Option<&'a Neighbours>,
    pub ranking: Option<RankDefaults>,
    pub embeddings: Option<&'a Embeddings>,
    pub storage: Storage,
    pub embedder: Option<EmbedderInfo>,
    pub taxonomy: Option<&'a Taxonomy>,
    pub counts: Counts,
    pub evaluation: serde_json::Value,
    /// Write the catalog as `catalog.json.gz` instead of `catalog.json`: descriptions are
    /// most of a real catalog's bytes and compress about 3x.
    pub compress_catalog: bool,
    /// The minimum cohort the collaborative models were cut to, recorded in the manifest.
    pub privacy: Option<Privacy>,
}

impl Bundle {
    /// Serialises the parts into `(file name, bytes)` pairs, manifest last.
    ///
    /// # Errors
    /// [`Error::BundleRows`] when the model or embeddings do not have one row per course,
    /// [`Error::BundleManifest`] past [`MAX_COURSES`], [`MAX_FACTORS`] or [`MAX_EMBEDDING_DIM`],
    /// and [`Error::BundleTensor`] if serialisation fails.
    pub fn write(parts: BundleParts<'_>) -> Result<Vec<(String, Vec<u8>)>> {
        let n = parts.catalog.len();
        let mut tensors: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = Vec::new();
        let mut counts = parts.counts.clone();
        counts.courses = n;
        if let Some((model, _)) = &parts.model {
            if model.n_items() != n {
                return Err(Error::BundleRows { what: "item factors", catalog: n, tensor: model.n_items() });
            }
            counts.factors = model.n_factors();
            tensors.push((
                "item_factors".into(),
                Dtype::F32,
                vec![n, model.n_factors()],
                f32_bytes(model.item_factors().iter().copied()),
            ));
            tensors.push(("item_bias".into(), Dtype::F32, vec![n], f32_bytes(model.item_bias().iter().copied())));
            if let Some(z) = model.implicit_factors() {
                tensors.push((
                    "item_implicit_factors".into(),
                    Dtype::F32,
                    vec![n, model.n_factors()],
                    f32_bytes(z.iter().copied()),
                ));
            }
            tensors.push(("global_mean".into(), Dtype::F32, vec![1], f32_bytes([model.global_mean()])));
        }
        if let Some(nb) = parts.neighbours {
            if nb.n_courses() != n {
                return Err(Error::BundleRows { what: "neighbours", catalog: n, tensor: nb.n_courses() });
            }
            let stored = nb.stored();
            tensors.push((
                "neighbour_offsets".into(),
                Dtype::U32,
                vec![n + 1],
                stored.offsets.iter().flat_map(|o| o.to_le_bytes()).collect(),
            ));
            tensors.push(("neighbour_targets".into(), Dtype::U8, vec![stored.targets.len()], stored.targets));
            tensors.push((
                "neighbour_weight".into(),
                Dtype::F16,
                vec![stored.weights.len()],
                stored.weights.iter().flat_map(|w| w.to_le_bytes()).collect(),
            ));
        }
        if let Some(e) = parts.embeddings {
            if e.len() != n {
                return Err(Error::BundleRows { what: "embeddings", catalog: n, tensor: e.len() });
            }
            counts.embedding_dim = e.dim();
            let shape = vec![n, e.dim()];
            let values = e.matrix();
            match parts.storage {
                Storage::F32 => {
                    tensors.push(("embeddings".into(), Dtype::F32, shape, f32_bytes(values.iter().copied())))
                }
                Storage::F16 => tensors.push((
                    "embeddings".into(),
                    Dtype::F16,
                    shape,
                    values.iter().flat_map(|&x| f16::from_f32(x).to_le_bytes()).collect(),
                )),
                Storage::Int8 => {
                    let mut codes = Vec::with_capacity(n * e.dim());
                    let scales: Vec<f32> =
                        values.rows().into_iter().map(|row| int8_codes(row.iter(), &mut codes)).collect();
                    tensors.push(("embeddings".into(), Dtype::I8, shape, codes.into_iter().map(|c| c as u8).collect()));
                    tensors.push(("embedding_scales".into(), Dtype::F32, vec![n], f32_bytes(scales)));
                }
            }
            if let Some(p) = e.projection() {
                tensors.push((
                    "embedding_mean".into(),
                    Dtype::F32,
                    vec![p.model_dim()],
                    f32_bytes(p.mean.iter().copied()),
                ));
                tensors.push((
                    "embedding_projection".into(),
                    Dtype::F32,
                    vec![p.model_dim(), p.dim()],
                    f32_bytes(p.matrix.iter().copied()),
                ));
            }
        }
        let views = tensors
            .iter()
            .map(|(name, dtype, shape, data)| {
                TensorView::new(*dtype, shape.clone(), data)
                    .map(|v| (name.clone(), v))
                    .map_err(|e| Error::BundleTensor { name: name.clone(), reason: e.to_string() })
            })
            .collect::<Result<Vec<_>>>()?;
        let tensor_bytes = safetensors::serialize(views, None)
            .map_err(|e| Error::BundleTensor { name: TENSORS.into(), reason: e.to_string() })?;

        let catalog = parts.catalog.to_json().into_bytes();
        let catalog = if parts.compress_catalog { (CATALOG_GZ, gzip(&catalog)) } else { (CATALOG, catalog) };
        let mut files = vec![(catalog.0.to_string(), catalog.1), (TENSORS.to_string(), tensor_bytes)];
        if let Some(t) = parts.taxonomy {
            files.push((TAXONOMY.to_string(), serde_json::to_vec(t).expect("a taxonomy serialises")));
        }
        // What a reader would refuse is not written.
        check_bounds(&counts)?;
        let manifest = Manifest {
            format: FORMAT.into(),
            version: VERSION,
            created: parts.created,
            counts,
            files: files
                .iter()
                .map(|(name, bytes)| (name.clone(), FileEntry { sha256: sha256_hex(bytes), bytes: bytes.len() as u64 }))
                .collect(),
            embedder: parts.embedder,
            embedding_storage: parts.storage,
            model: parts.model.map(|(_, info)| info),
            evaluation: parts.evaluation,
            ranking: parts.ranking,
            module_version: Some(MODULE_VERSION.into()),
            privacy: parts.privacy,
        };
        files.push((MANIFEST.to_string(), serde_json::to_vec_pretty(&manifest).expect("a manifest serialises")));
        Ok(files)
    }

    /// Parses the manifest alone (the browser reads it first to know what to fetch).
    ///
    /// # Errors
    /// [`Error::BundleManifest`] for malformed JSON or a wrong format name,
    /// [`Error::BundleVersion`] for a format version this build does not read, and
    /// [`Error::BundleModule`] for a bundle written by a newer or incompatible Wayfinder.
    pub fn manifest(bytes: &[u8]) -> Result<Manifest> {
        // Check the format and version before the full schema, so an old or future bundle
        // gets the version error rather than a schema complaint.
        #[derive(Deserialize)]
        struct Head {
            format: String,
            version: u32,
        }
        let head: Head = serde_json::from_slice(bytes).map_err(|e| Error::BundleManifest(e.to_string()))?;
        if head.format != FORMAT {
            return Err(Error::BundleManifest(format!("format is {:?}, expected {FORMAT:?}", head.format)));
        }
        if head.version != VERSION {
            return Err(Error::BundleVersion { found: head.version, supported: VERSION });
        }
        let manifest: Manifest = serde_json::from_slice(bytes).map_err(|e| Error::BundleManifest(e.to_string()))?;
        if let Some(v) = &manifest.module_version {
            check_module_version(v)?;
        }
        Ok(manifest)
    }

    /// Loads and validates a bundle from its manifest and a way to get each file's bytes.
    ///
    /// # Errors
    /// One typed error per failure: [`Error::BundleManifest`], [`Error::BundleVersion`],
    /// [`Error::BundleMissingFile`], [`Error::BundleSize`], [`Error::BundleChecksum`],
    /// [`Error::BundleTensor`], [`Error::BundleRows`], [`Error::NonFinite`], and catalog errors.
    pub fn from_files<'a>(manifest: &[u8], file: impl Fn(&str) -> Option<&'a [u8]>) -> Result<Bundle> {
        let manifest = Bundle::manifest(manifest)?;
        check_bounds(&manifest.counts)?;
        if !manifest.files.contains_key(TENSORS) {
            return Err(Error::BundleManifest(format!("it lists no {TENSORS}")));
        }
        let catalog_file = match (manifest.files.contains_key(CATALOG), manifest.files.contains_key(CATALOG_GZ)) {
            (true, false) => CATALOG,
            (false, true) => CATALOG_GZ,
            (false, false) => return Err(Error::BundleManifest(format!("it lists no {CATALOG} or {CATALOG_GZ}"))),
            (true, true) => return Err(Error::BundleManifest(format!("it lists both {CATALOG} and {CATALOG_GZ}"))),
        };
        let mut bytes: BTreeMap<&str, &[u8]> = BTreeMap::new();
        for (name, entry) in &manifest.files {
            let data = file(name).ok_or_else(|| Error::BundleMissingFile(name.clone()))?;
            verify(name, entry, data)?;
            bytes.insert(name, data);
        }
        let catalog_json: Cow<[u8]> = match catalog_file {
            CATALOG_GZ => Cow::Owned(gunzip(CATALOG_GZ, bytes[CATALOG_GZ], MAX_CATALOG_BYTES)?),
            _ => Cow::Borrowed(bytes[CATALOG]),
        };
        let (catalog, _) = Catalog::from_json(&catalog_json, Strictness::Strict)?;
        let n = catalog.len();
        if manifest.counts.courses != n {
            return Err(Error::BundleRows {
                what: "manifest course count",
                catalog: n,
                tensor: manifest.counts.courses,
            });
        }
        let tensors = SafeTensors::deserialize(bytes[TENSORS])
            .map_err(|e| Error::BundleTensor { name: TENSORS.into(), reason: e.to_string() })?;
        let model = match &manifest.model {
            Some(info) => Some(load_model(&tensors, info, n, manifest.counts.factors)?),
            None => None,
        };
        let neighbours =
            if tensors.names().contains(&"neighbour_offsets") { Some(load_neighbours(&tensors, n)?) } else { None };
        let embeddings = if tensors.names().contains(&"embeddings") {
            Some(load_embeddings(&tensors, manifest.embedding_storage, n, manifest.counts.embedding_dim)?)
        } else {
            None
        };
        let taxonomy = bytes.get(TAXONOMY).map(|b| Taxonomy::from_json(b)).transpose()?;
        Ok(Bundle { manifest, catalog, model, neighbours, embeddings, taxonomy })
    }

    /// Checks that a query embedder is the one that embedded the catalog.
    ///
    /// # Errors
    /// [`Error::EmbedderMismatch`] naming the model or tokenizer whose hash differs, and
    /// [`Error::BundleManifest`] when the bundle records no embedder.
    pub fn check_embedder(&self, model_sha256: &str, tokenizer_sha256: &str) -> Result<()> {
        self.manifest.embedder_info()?.check(model_sha256, tokenizer_sha256)
    }
}

impl Manifest {
    /// The embedder that embedded the catalog.
    ///
    /// # Errors
    /// [`Error::BundleManifest`] when the bundle records none.
    pub fn embedder_info(&self) -> Result<&EmbedderInfo> {
        self.embedder.as_ref().ok_or_else(|| Error::BundleManifest("it records no embedder".into()))
    }
}

impl EmbedderInfo {
    /// Checks that files with these hashes are the model and tokenizer this records.
    ///
    /// # Errors
    /// [`Error::EmbedderMismatch`] naming the model or tokenizer whose hash differs.
    pub fn check(&self, model_sha256: &str, tokenizer_sha256: &str) -> Result<()> {
        for (what, expected, actual) in
            [("model", &self.model_sha256, model_sha256), ("tokenizer", &self.tokenizer_sha256, tokenizer_sha256)]
        {
            if !expected.eq_ignore_ascii_case(actual) {
                return Err(Error::EmbedderMismatch { what, expected: expected.clone(), actual: actual.to_string() });
            }
        }
        Ok(())
    }
}

/// Gzip at the best ratio; the header carries no time or name, so the bytes (and their hash)
/// depend on the content alone.
fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 3), flate2::Compression::best());
    encoder.write_all(bytes).expect("writing to memory cannot fail");
    encoder.finish().expect("writing to memory cannot fail")
}

/// Inflates a gzip file of the bundle, refusing output past `limit` bytes.
fn gunzip(file: &str, bytes: &[u8], limit: u64) -> Result<Vec<u8>> {
    use std::io::Read;
    let fail = |reason: String| Error::BundleFile { file: file.into(), reason };
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|e| fail(format!("not valid gzip ({e})")))?;
    if out.len() as u64 > limit {
        return Err(fail(format!("inflates past {limit} bytes")));
    }
    Ok(out)
}

/// Lower-case hex SHA-256 of some bytes: the form manifests, `model/SHA256SUMS` and the
/// embedder's model hash use.
///
/// Fed 64 KiB at a time, which gives the same digest: in the browser, one call over a 23 MB
/// model ran entirely in the engine's baseline code (a wasm function is optimised between
/// calls, not inside a long one) and took 0.9 s of the embedder's first creation, against
/// 0.09 s once optimised.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let mut hasher = Sha256::new();
    for chunk in bytes.chunks(64 * 1024) {
        hasher.update(chunk);
    }
    format!("{:x}", hasher.finalize())
}

fn verify(name: &str, entry: &FileEntry, data: &[u8]) -> Result<()> {
    if data.len() as u64 != entry.bytes {
        return Err(Error::BundleSize { file: name.into(), expected: entry.bytes, got: data.len() as u64 });
    }
    let actual = sha256_hex(data);
    if !actual.eq_ignore_ascii_case(&entry.sha256) {
        return Err(Error::BundleChecksum { file: name.into(), expected: entry.sha256.clone(), actual });
    }
    Ok(())
}

fn f32_bytes(values: impl IntoIterator<Item = f32>) -> Vec<u8> {
    values.into_iter().flat_map(f32::to_le_bytes).collect()
}

fn tensor<'a>(t: &'a SafeTensors<'a>, name: &str, dtype: Dtype, rank: usize) -> Result<TensorView<'a>> {
    let view = t.tensor(name).map_err(|_| Error::BundleTensor { name: name.into(), reason: "missing".into() })?;
    if view.dtype() != dtype {
        return Err(Error::BundleTensor {
            name: name.into(),
            reason: format!("dtype is {:?}, expected {dtype:?}", view.dtype()),
        });
    }
    if view.shape().len() != rank {
        return Err(Error::BundleTensor {
            name: name.into(),
            reason: format!("shape {:?} has rank {}, expected {rank}", view.shape(), view.shape().len()),
        });
    }
    Ok(view)
}

fn f32s(view: &TensorView<'_>) -> Vec<f32> {
    view.data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
}

fn rows(what: &'static str, view: &TensorView<'_>, n: usize) -> Result<()> {
    if view.shape()[0] != n {
        return Err(Error::BundleRows { what, catalog: n, tensor: view.shape()[0] });
    }
    Ok(())
}

/// The manifest's counts within [`MAX_COURSES`], [`MAX_FACTORS`] and [`MAX_EMBEDDING_DIM`].
fn check_bounds(counts: &Counts) -> Result<()> {
    for (what, got, max) in [
        ("courses", counts.courses, MAX_COURSES),
        ("factors", counts.factors, MAX_FACTORS),
        ("embedding_dim", counts.embedding_dim, MAX_EMBEDDING_DIM),
    ] {
        if got > max {
            return Err(Error::BundleManifest(format!(
                "counts.{what} is {got}, more than the {max} a bundle may have"
            )));
        }
    }
    Ok(())
}

/// A 2-d tensor's width, checked against the manifest's count (itself within bounds).
fn width(name: &str, view: &TensorView<'_>, count: &'static str, expected: usize) -> Result<usize> {
    let got = view.shape()[1];
    if got != expected {
        return Err(Error::BundleTensor {
            name: name.into(),
            reason: format!("{got} columns, but the manifest's counts.{count} is {expected}"),
        });
    }
    Ok(got)
}

fn load_model(t: &SafeTensors<'_>, info: &ModelInfo, n: usize, factors_count: usize) -> Result<MfModel> {
    let factors = tensor(t, "item_factors", Dtype::F32, 2)?;
    rows("item factors", &factors, n)?;
    let k = width("item_factors", &factors, "factors", factors_count)?;
    let bias = tensor(t, "item_bias", Dtype::F32, 1)?;
    rows("item biases", &bias, n)?;
    let mean = tensor(t, "global_mean", Dtype::F32, 1)?;
    let kind = match info.kind.as_str() {
        "explicit" => MfKind::Explicit,
        "implicit" => MfKind::Implicit,
        other => return Err(Error::BundleManifest(format!("model kind {other:?} is neither explicit nor implicit"))),
    };
    let fold_in = FoldInParams {
        reg: info.fold_in_reg,
        bias_reg: info.fold_in_bias_reg,
        alpha: info.alpha,
        confidence: info.log_confidence_eps.map_or(Confidence::Linear, |eps| Confidence::Log { eps }),
        rule: info.fold_in_rule,
    };
    let global_mean = *f32s(&mean)
        .first()
        .ok_or_else(|| Error::BundleTensor { name: "global_mean".into(), reason: "empty".into() })?;
    let model = MfModel::new(
        kind,
        Array2::from_shape_vec((n, k), f32s(&factors))
            .map_err(|e| Error::BundleTensor { name: "item_factors".into(), reason: e.to_string() })?,
        Array1::from(f32s(&bias)),
        global_mean,
        info.rating_range,
        FoldInParams { rule: fold_in.rule.without_implicit(), ..fold_in },
    )?;
    if fold_in.rule != FoldInRule::SvdPlusPlus {
        return Ok(model);
    }
    let implicit = tensor(t, "item_implicit_factors", Dtype::F32, 2)?;
    rows("implicit factors", &implicit, n)?;
    width("item_implicit_factors", &implicit, "factors", factors_count)?;
    model.with_implicit_factors(
        Array2::from_shape_vec((n, k), f32s(&implicit))
            .map_err(|e| Error::BundleTensor { name: "item_implicit_factors".into(), reason: e.to_string() })?,
    )
}

/// The item neighbours: targets as LEB128 gaps ([`Neighbours::stored`]), or as the u16 or
/// u32 `neighbour_index` of bundles written before that form.
fn load_neighbours(t: &SafeTensors<'_>, n: usize) -> Result<Neighbours> {
    let offsets = tensor(t, "neighbour_offsets", Dtype::U32, 1)?;
    let offsets: Vec<u32> =
        offsets.data().chunks_exact(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    let weights: Vec<f16> = tensor(t, "neighbour_weight", Dtype::F16, 1)?
        .data()
        .chunks_exact(2)
        .map(|b| f16::from_le_bytes([b[0], b[1]]))
        .collect();
    if t.names().contains(&"neighbour_index") {
        let dtype = t.tensor("neighbour_index").map(|v| v.dtype()).unwrap_or(Dtype::U32);
        let index = tensor(t, "neighbour_index", if dtype == Dtype::U16 { Dtype::U16 } else { Dtype::U32 }, 1)?;
        let index: Vec<u32> = match index.dtype() {
            Dtype::U16 => index.data().chunks_exact(2).map(|b| u16::from_le_bytes([b[0], b[1]]) as u32).collect(),
            _ => index.data().chunks_exact(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect(),
        };
        return Neighbours::new(n, offsets, index, weights.iter().map(|w| w.to_f32()).collect())
            .map_err(|e| Error::BundleTensor { name: "neighbour_index".into(), reason: e.to_string() });
    }
    let targets = tensor(t, "neighbour_targets", Dtype::U8, 1)?.data().to_vec();
    Neighbours::from_stored(n, StoredNeighbours { offsets, targets, weights })
        .map_err(|e| Error::BundleTensor { name: "neighbour_targets".into(), reason: e.to_string() })
}

fn load_embeddings(t: &SafeTensors<'_>, storage: Storage, n: usize, dim_count: usize) -> Result<Embeddings> {
    let (dtype, name) = match storage {
        Storage::F32 => (Dtype::F32, "embeddings"),
        Storage::F16 => (Dtype::F16, "embeddings"),
        Storage::Int8 => (Dtype::I8, "embeddings"),
    };
    let view = tensor(t, name, dtype, 2)?;
    rows("embeddings", &view, n)?;
    let dim = width(name, &view, "embedding_dim", dim_count)?;
    let values: Vec<f32> = match storage {
        Storage::F32 => f32s(&view),
        Storage::F16 => view.data().chunks_exact(2).map(|b| f16::from_le_bytes([b[0], b[1]]).to_f32()).collect(),
        Storage::Int8 => {
            let scales = tensor(t, "embedding_scales", Dtype::F32, 1)?;
            rows("embedding scales", &scales, n)?;
            let scales = f32s(&scales);
            view.data()
                .chunks_exact(dim.max(1))
                .zip(&scales)
                .flat_map(|(row, &s)| row.iter().map(move |&q| q as i8 as f32 * s))
                .collect()
        }
    };
    let embeddings = Embeddings::from_vec(n, dim, values)?;
    if !t.names().contains(&"embedding_projection") {
        return Ok(embeddings);
    }
    let matrix = tensor(t, "embedding_projection", Dtype::F32, 2)?;
    let model_dim = matrix.shape()[0];
    if model_dim == 0 || model_dim > MAX_EMBEDDING_DIM {
        return Err(Error::BundleTensor {
            name: "embedding_projection".into(),
            reason: format!("{model_dim} rows, not between 1 and {MAX_EMBEDDING_DIM}"),
        });
    }
    width("embedding_projection", &matrix, "embedding_dim", dim)?;
    let mean = tensor(t, "embedding_mean", Dtype::F32, 1)?;
    if mean.shape()[0] != model_dim {
        return Err(Error::BundleTensor {
            name: "embedding_mean".into(),
            reason: format!("{} values for a projection of {model_dim} rows", mean.shape()[0]),
        });
    }
    let matrix = Array2::from_shape_vec((model_dim, dim), f32s(&matrix))
        .map_err(|e| Error::BundleTensor { name: "embedding_projection".into(), reason: e.to_string() })?;
    embeddings.with_projection(Projection::new(f32s(&mean), matrix)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_is_lowercase_hex() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    /// Tensors as a safetensors file read back.
    fn safetensors_of(tensors: &[(&str, Dtype, Vec<usize>, Vec<u8>)]) -> Vec<u8> {
        let views = tensors.iter().map(|(n, d, s, b)| (n.to_string(), TensorView::new(*d, s.clone(), b).unwrap()));
        safetensors::serialize(views, None).unwrap()
    }

    #[test]
    fn neighbours_of_the_earlier_f16_form_still_load() {
        let offsets: Vec<u8> = [0u32, 1, 2, 2].iter().flat_map(|o| o.to_le_bytes()).collect();
        let bytes = safetensors_of(&[
            ("neighbour_offsets", Dtype::U32, vec![4], offsets.clone()),
            ("neighbour_index", Dtype::U16, vec![2], [1u16, 0].iter().flat_map(|j| j.to_le_bytes()).collect()),
            (
                "neighbour_weight",
                Dtype::F16,
                vec![2],
                [0.5f32, 0.25].iter().flat_map(|&w| f16::from_f32(w).to_le_bytes()).collect(),
            ),
        ]);
        let nb = load_neighbours(&SafeTensors::deserialize(&bytes).unwrap(), 3).unwrap();
        assert_eq!(nb, Neighbours::new(3, vec![0, 1, 2, 2], vec![1, 0], vec![0.5, 0.25]).unwrap());
        // The compact form with a target outside the catalog is named.
        let bytes = safetensors_of(&[
            ("neighbour_offsets", Dtype::U32, vec![4], offsets),
            ("neighbour_targets", Dtype::U8, vec![2], vec![1, 3]),
            (
                "neighbour_weight",
                Dtype::F16,
                vec![2],
                [0.5f32, 0.25].iter().flat_map(|&w| f16::from_f32(w).to_le_bytes()).collect(),
            ),
        ]);
        let err = load_neighbours(&SafeTensors::deserialize(&bytes).unwrap(), 3).unwrap_err().to_string();
        assert!(err.contains("neighbour_targets") && err.contains("course row 1 points to course 3"), "{err}");
    }
}
