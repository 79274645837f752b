//! Reading files for the core, with errors that name the file.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use wayfinder::bundle::{Bundle, MANIFEST};
use wayfinder::catalog::Catalog;
use wayfinder::embed::Embedder;
use wayfinder::pipeline::factors;
use wayfinder_kernels::Amx;

pub fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Loads and validates a bundle directory.
pub fn bundle(dir: &Path) -> Result<Bundle> {
    let manifest = read(&dir.join(MANIFEST))?;
    let names = Bundle::manifest(&manifest).with_context(|| format!("bundle {} has a bad manifest", dir.display()))?;
    let mut files = BTreeMap::new();
    for name in names.files.keys() {
        // A missing file is reported by the loader with its name.
        if let Ok(bytes) = std::fs::read(dir.join(name)) {
            files.insert(name.clone(), bytes);
        }
    }
    Bundle::from_files(&manifest, |name| files.get(name).map(Vec::as_slice))
        .with_context(|| format!("bundle {} is not valid", dir.display()))
}

/// Reads a directory of item factors trained elsewhere (`pipeline/spark/`) and aligns them
/// to the catalog.
pub fn item_factors(dir: &Path, catalog: &Catalog, lenient: bool) -> Result<factors::ImportedFactors> {
    with_exchange_files(dir, |files| factors::import(catalog, files, lenient))
}

/// Reads and checks a directory of item factors, rows in the trainer's order.
pub fn exchange(dir: &Path) -> Result<factors::Exchange> {
    with_exchange_files(dir, factors::Exchange::read)
}

fn with_exchange_files<T>(dir: &Path, f: impl FnOnce(factors::ExchangeFiles<'_>) -> wayfinder::Result<T>) -> Result<T> {
    let file = |name: &str| read(&dir.join(name)).context(format!("item factors {} lack {name}", dir.display()));
    let (meta, courses, tensor) = (file(factors::META)?, file(factors::COURSES)?, file(factors::FACTORS)?);
    f(factors::ExchangeFiles { meta: &meta, courses: &courses, factors: &tensor })
        .with_context(|| format!("item factors {}", dir.display()))
}

/// Loads the MiniLM embedder from a model directory (`model.onnx`, `tokenizer.json`), after
/// registering the native matrix-product kernels: AMX where the machine has it, unless
/// `WAYFINDER_AMX=0` (for comparisons), else AVX-512, else tract's own.
pub fn embedder(dir: &Path) -> Result<Embedder> {
    let amx = if std::env::var_os("WAYFINDER_AMX").is_some_and(|v| v == "0") { Amx::Off } else { Amx::Allowed };
    wayfinder_kernels::register_native(amx);
    let model = read(&dir.join("model.onnx")).context("the embedding model is missing; run `make model`")?;
    let tokenizer = read(&dir.join("tokenizer.json")).context("the tokenizer is missing; run `make model`")?;
    Embedder::from_bytes(&model, &tokenizer).with_context(|| format!("cannot load the embedder from {}", dir.display()))
}
