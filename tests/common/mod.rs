//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

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
