//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use wayfinder::bundle::{Bundle, BundleParts, Counts, ModelInfo, Privacy, Storage};
use wayfinder::catalog::Catalog;
use wayfinder::mf::MfModel;
use wayfinder::neighbours::Neighbours;

/// The real data sets: `$WAYFINDER_DATA`, else `../shared/data` beside the repository.
/// `None` (with a message) when the folder is absent, so the caller can skip.
pub fn data_dir(sub: &str) -> Option<PathBuf> {
    let root = std::env::var_os("WAYFINDER_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    let dir = root.join(sub);
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: {} is absent (set WAYFINDER_DATA to the shared data folder)", dir.display());
        None
    }
}

/// The files of a bundle of `catalog` with only the collaborative parts: `model`, and
/// optionally neighbours and the privacy record (no embeddings, embedder or taxonomy).
pub fn collaborative_bundle(
    catalog: &Catalog,
    model: &MfModel,
    info: ModelInfo,
    neighbours: Option<&Neighbours>,
    privacy: Option<Privacy>,
) -> BTreeMap<String, Vec<u8>> {
    let parts = BundleParts {
        created: "2026-12-07T00:00:00Z".into(),
        catalog,
        model: Some((model, info)),
        neighbours,
        ranking: None,
        embeddings: None,
        storage: Storage::F32,
        embedder: None,
        taxonomy: None,
        counts: Counts::default(),
        evaluation: serde_json::Value::Null,
        compress_catalog: false,
        privacy,
    };
    Bundle::write(parts).unwrap().into_iter().collect()
}
