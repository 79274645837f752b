//! Bundle round trip and every corruption rejected with its own error.

use std::collections::BTreeMap;

use ndarray::{Array1, Array2};
use wayfinder::bundle::{
    sha256_hex, Bundle, BundleParts, Counts, EmbedderInfo, ModelInfo, Storage, CATALOG, CATALOG_GZ, MANIFEST, TENSORS,
};
use wayfinder::catalog::{Catalog, Strictness};
use wayfinder::error::Error;
use wayfinder::mf::{Confidence, FoldInParams, FoldInRule, MfKind, MfModel};
use wayfinder::neighbours::Neighbours;
use wayfinder::rank::RankDefaults;
use wayfinder::similarity::Embeddings;

mod common;

fn catalog() -> Catalog {
    Catalog::from_json(include_bytes!("fixtures/small_catalog.json"), Strictness::Strict).unwrap().0
}

fn parts_files(storage: Storage) -> BTreeMap<String, Vec<u8>> {
    files_with(storage, false)
}

fn files_with(storage: Storage, compress_catalog: bool) -> BTreeMap<String, Vec<u8>> {
    let catalog = catalog();
    let n = catalog.len();
    let (k, dim) = (4, 8);
    let factors = Array2::from_shape_fn((n, k), |(i, j)| ((i * 7 + j * 3) % 11) as f32 / 11.0 - 0.5);
    let fold_in = FoldInParams {
        reg: 0.1,
        bias_reg: 0.0,
        alpha: 10.0,
        confidence: Confidence::Linear,
        rule: FoldInRule::Wayfinder,
    };
    let model = MfModel::new(MfKind::Implicit, factors, Array1::zeros(n), 0.0, None, fold_in).unwrap();
    let mut data: Vec<f32> = (0..n * dim).map(|x| ((x * 13) % 17) as f32 - 8.0).collect();
    for row in data.chunks_mut(dim) {
        let norm = row.iter().map(|x| x * x).sum::<f32>().sqrt();
        row.iter_mut().for_each(|x| *x /= norm);
    }
    let embeddings = Embeddings::from_vec(n, dim, data).unwrap();
    let info = ModelInfo {
        kind: "implicit".into(),
        fold_in_reg: 0.1,
        fold_in_bias_reg: 0.0,
        alpha: 10.0,
        log_confidence_eps: None,
        rating_range: None,
        fold_in_rule: FoldInRule::Wayfinder,
        seed: 7,
        params: serde_json::json!({"factors": k}),
    };
    let dense: Vec<f32> = (0..n * n).map(|x| ((x * 5) % 7) as f32 / 7.0).collect();
    let neighbours = Neighbours::from_dense(n, &dense, 2, &[]);
    let parts = BundleParts {
        created: "2026-11-29T00:00:00Z".into(),
        catalog: &catalog,
        model: Some((&model, info)),
        neighbours: Some(&neighbours),
        ranking: Some(RankDefaults { diversity: 0.9, ..RankDefaults::fallback() }),
        embeddings: Some(&embeddings),
        storage,
        embedder: Some(EmbedderInfo {
            name: "test".into(),
            model_sha256: "aa".repeat(32),
            tokenizer_sha256: "bb".repeat(32),
        }),
        taxonomy: None,
        counts: Counts::default(),
        evaluation: serde_json::json!({"hr": 0.5}),
        compress_catalog,
        privacy: None,
    };
    Bundle::write(parts).unwrap().into_iter().collect()
}

fn load(files: &BTreeMap<String, Vec<u8>>) -> Result<Bundle, Error> {
    Bundle::from_files(&files[MANIFEST], |name| files.get(name).map(Vec::as_slice))
}

/// Rewrites the manifest's record of `name` so that only the deeper checks can catch a change.
fn rehash(files: &mut BTreeMap<String, Vec<u8>>, name: &str) {
    let mut manifest: serde_json::Value = serde_json::from_slice(&files[MANIFEST]).unwrap();
    manifest["files"][name]["sha256"] = sha256_hex(&files[name]).into();
    manifest["files"][name]["bytes"] = files[name].len().into();
    files.insert(MANIFEST.into(), serde_json::to_vec(&manifest).unwrap());
}

#[test]
fn round_trip_in_every_storage() {
    for storage in [Storage::F32, Storage::F16, Storage::Int8] {
        let files = parts_files(storage);
        let bundle = load(&files).unwrap();
        assert_eq!(bundle.catalog.courses(), catalog().courses());
        let model = bundle.model.unwrap();
        assert_eq!((model.n_items(), model.n_factors()), (catalog().len(), 4));
        let emb = bundle.embeddings.unwrap();
        let exact = load(&parts_files(Storage::F32)).unwrap().embeddings.unwrap();
        let worst = (0..emb.len()).map(|i| emb.row(i).dot(&exact.row(i))).fold(1.0f32, f32::min);
        assert!(worst > 0.999, "{storage:?}: worst cosine to f32 {worst}");
        assert_eq!(bundle.manifest.evaluation["hr"], 0.5);
        // Neighbours come back as stored: every row's targets, weights through f16.
        let nb = bundle.neighbours.unwrap();
        let n = catalog().len();
        let dense: Vec<f32> = (0..n * n).map(|x| ((x * 5) % 7) as f32 / 7.0).collect();
        let expected = Neighbours::from_dense(n, &dense, 2, &[]);
        assert_eq!(nb, expected.as_stored().unwrap());
        assert_eq!((nb.offsets(), nb.index()), (expected.offsets(), expected.index()));
        assert!(nb.weights().iter().zip(expected.weights()).all(|(a, b)| (a - b).abs() < 1e-3));
        assert_eq!(bundle.manifest.ranking.unwrap().diversity, 0.9);
        assert!(bundle.manifest.cache_key().starts_with("wayfinder-v1-"));
    }
}

#[test]
fn a_compressed_catalog_loads_the_same_and_is_checked() {
    let files = files_with(Storage::F16, true);
    assert!(files.contains_key(CATALOG_GZ) && !files.contains_key(CATALOG));
    assert!(
        files[CATALOG_GZ].len() * 2 < parts_files(Storage::F16)[CATALOG].len(),
        "gzip should at least halve the catalog"
    );
    let bundle = load(&files).unwrap();
    assert_eq!(bundle.catalog.courses(), catalog().courses());
    // Writing twice gives the same bytes: nothing time-dependent in the gzip header.
    assert_eq!(files_with(Storage::F16, true)[CATALOG_GZ], files[CATALOG_GZ]);

    // Bytes that are not gzip, with a matching checksum: the file is named.
    let mut broken = files.clone();
    broken.get_mut(CATALOG_GZ).unwrap()[12] ^= 0xff;
    rehash(&mut broken, CATALOG_GZ);
    assert!(
        matches!(load(&broken), Err(Error::BundleFile { file, .. }) if file == CATALOG_GZ),
        "{:?}",
        load(&broken).err()
    );

    // Both forms, or neither, is a malformed manifest.
    let mut both = files.clone();
    let mut manifest: serde_json::Value = serde_json::from_slice(&both[MANIFEST]).unwrap();
    manifest["files"][CATALOG] = manifest["files"][CATALOG_GZ].clone();
    both.insert(MANIFEST.into(), serde_json::to_vec(&manifest).unwrap());
    assert!(matches!(load(&both), Err(Error::BundleManifest(m)) if m.contains("both")));
}

#[test]
fn every_corruption_has_its_own_error() {
    let good = parts_files(Storage::F16);

    let mut truncated = good.clone();
    truncated.get_mut(TENSORS).unwrap().truncate(100);
    assert!(matches!(load(&truncated), Err(Error::BundleSize { file, .. }) if file == TENSORS));

    let mut flipped = good.clone();
    let t = flipped.get_mut(TENSORS).unwrap();
    let last = t.len() - 1;
    t[last] ^= 0x40;
    assert!(matches!(load(&flipped), Err(Error::BundleChecksum { file, .. }) if file == TENSORS));

    let mut version = good.clone();
    let m = String::from_utf8(version[MANIFEST].clone()).unwrap().replace("\"version\": 1", "\"version\": 99");
    version.insert(MANIFEST.into(), m.into_bytes());
    assert!(matches!(load(&version), Err(Error::BundleVersion { found: 99, supported: 1 })));

    let mut missing = good.clone();
    missing.remove(CATALOG);
    assert!(matches!(load(&missing), Err(Error::BundleMissingFile(f)) if f == CATALOG));

    let mut garbage = good.clone();
    garbage.insert(MANIFEST.into(), b"{not json".to_vec());
    assert!(matches!(load(&garbage), Err(Error::BundleManifest(_))));

    // A NaN in the factors with a consistent checksum: caught by value validation.
    let mut nan = good.clone();
    let bytes = nan.get_mut(TENSORS).unwrap();
    let header = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let json: serde_json::Value = serde_json::from_slice(&bytes[8..8 + header]).unwrap();
    let start = 8 + header + json["item_factors"]["data_offsets"][0].as_u64().unwrap() as usize;
    bytes[start..start + 4].copy_from_slice(&f32::NAN.to_le_bytes());
    rehash(&mut nan, TENSORS);
    assert!(matches!(load(&nan), Err(Error::NonFinite { what: "item factors", .. })), "{:?}", load(&nan).err());

    // A catalog with one course fewer than the tensors have rows.
    let mut rows = good.clone();
    let mut catalog: serde_json::Value = serde_json::from_slice(&rows[CATALOG]).unwrap();
    catalog["courses"].as_array_mut().unwrap().remove(0); // MATH 101: nothing lists it alone
    for course in catalog["courses"].as_array_mut().unwrap() {
        for group in course["prerequisites"].as_array_mut().into_iter().flatten() {
            if let Some(members) = group.as_array_mut() {
                members.retain(|m| m != "MATH 101");
            }
        }
        if let Some(groups) = course["prerequisites"].as_array_mut() {
            groups.retain(|g| g.as_array().is_none_or(|m| !m.is_empty()));
        }
    }
    rows.insert(CATALOG.into(), serde_json::to_vec(&catalog).unwrap());
    rehash(&mut rows, CATALOG);
    let mut manifest: serde_json::Value = serde_json::from_slice(&rows[MANIFEST]).unwrap();
    manifest["counts"]["courses"] = (catalog["courses"].as_array().unwrap().len()).into();
    rows.insert(MANIFEST.into(), serde_json::to_vec(&manifest).unwrap());
    assert!(matches!(load(&rows), Err(Error::BundleRows { what: "item factors", .. })), "{:?}", load(&rows).err());

    // The query embedder must be the one that embedded the catalog.
    let bundle = load(&good).unwrap();
    assert!(bundle.check_embedder(&"aa".repeat(32), &"bb".repeat(32)).is_ok());
    assert!(matches!(
        bundle.check_embedder(&"cc".repeat(32), &"bb".repeat(32)),
        Err(Error::EmbedderMismatch { what: "model", .. })
    ));
    assert!(matches!(
        bundle.check_embedder(&"aa".repeat(32), &"cc".repeat(32)),
        Err(Error::EmbedderMismatch { what: "tokenizer", .. })
    ));
}

/// The manifest with `counts.field` set to `value` (no file changes, so checksums still hold).
fn with_count(files: &BTreeMap<String, Vec<u8>>, field: &str, value: usize) -> BTreeMap<String, Vec<u8>> {
    let mut files = files.clone();
    let mut manifest: serde_json::Value = serde_json::from_slice(&files[MANIFEST]).unwrap();
    manifest["counts"][field] = value.into();
    files.insert(MANIFEST.into(), serde_json::to_vec(&manifest).unwrap());
    files
}

#[test]
fn counts_are_bounded_and_must_match_the_tensors_before_anything_is_allocated() {
    use wayfinder::bundle::{MAX_COURSES, MAX_EMBEDDING_DIM, MAX_FACTORS};
    for storage in [Storage::F32, Storage::F16, Storage::Int8] {
        let good = parts_files(storage);
        let manifest: serde_json::Value = serde_json::from_slice(&good[MANIFEST]).unwrap();
        assert_eq!(manifest["counts"]["factors"], 4);
        assert_eq!(manifest["counts"]["embedding_dim"], 8);
        // Past a hard bound: refused from the manifest alone, naming the count.
        for (field, max) in [("factors", MAX_FACTORS), ("embedding_dim", MAX_EMBEDDING_DIM), ("courses", MAX_COURSES)] {
            let err = load(&with_count(&good, field, max + 1)).unwrap_err();
            assert!(
                matches!(&err, Error::BundleManifest(m) if m.contains(&format!("counts.{field}"))),
                "{storage:?} {field}: {err}"
            );
        }
        // Within bounds but not what the tensors hold.
        let err = load(&with_count(&good, "factors", 5)).unwrap_err();
        assert!(
            matches!(&err, Error::BundleTensor { name, reason } if name == "item_factors" && reason.contains("counts.factors")),
            "{err}"
        );
        let err = load(&with_count(&good, "embedding_dim", 16)).unwrap_err();
        assert!(matches!(&err, Error::BundleTensor { reason, .. } if reason.contains("counts.embedding_dim")), "{err}");
    }
}

#[test]
fn the_manifest_names_the_module_version_and_a_newer_or_foreign_one_is_refused() {
    use wayfinder::bundle::MODULE_VERSION;
    let good = parts_files(Storage::F16);
    let manifest: serde_json::Value = serde_json::from_slice(&good[MANIFEST]).unwrap();
    assert_eq!(manifest["module_version"], MODULE_VERSION);
    let with_version = |v: Option<&str>| {
        let mut files = good.clone();
        let mut m = manifest.clone();
        match v {
            Some(v) => m["module_version"] = v.into(),
            None => {
                m.as_object_mut().unwrap().remove("module_version");
            }
        }
        files.insert(MANIFEST.into(), serde_json::to_vec(&m).unwrap());
        load(&files)
    };
    let (major, rest) = MODULE_VERSION.split_once('.').unwrap();
    let (minor, patch) = rest.split_once('.').unwrap();
    let (major, minor, patch): (u64, u64, u64) =
        (major.parse().unwrap(), minor.parse().unwrap(), patch.parse().unwrap());
    // Written by this release, or before versions were recorded: read.
    assert!(with_version(Some(MODULE_VERSION)).is_ok());
    assert!(with_version(None).is_ok());
    // A newer release, or another series: refused, naming both versions.
    for newer in
        [format!("{major}.{minor}.{}", patch + 1), format!("{}.0.0", major + 1), format!("{major}.{}.0", minor + 1)]
    {
        match with_version(Some(&newer)) {
            Err(e @ Error::BundleModule { .. }) => {
                assert_eq!(e.code(), "BUNDLE_VERSION");
                let text = e.to_string();
                assert!(text.contains(&newer) && text.contains(MODULE_VERSION), "{text}");
            }
            other => panic!("a bundle from {newer} was not refused: {other:?}"),
        }
    }
    assert!(matches!(with_version(Some("one")), Err(Error::BundleManifest(_))));
}

/// An explicit model with SVD++'s implicit factors: the tensor and the rule travel together,
/// fold-in gives the same vector after the round trip, and a manifest that names the rule
/// without the tensor (or a rule this reader does not know) is refused by name.
#[test]
fn an_svd_plus_plus_model_round_trips_and_needs_its_implicit_factors() {
    let catalog = catalog();
    let n = catalog.len();
    let k = 3;
    let q = Array2::from_shape_fn((n, k), |(i, j)| ((i * 5 + j * 2) % 7) as f32 / 7.0 - 0.4);
    let z = Array2::from_shape_fn((n, k), |(i, j)| ((i * 3 + j) % 5) as f32 / 10.0 - 0.2);
    let fold_in = FoldInParams {
        reg: 0.1,
        bias_reg: 0.05,
        alpha: 0.0,
        confidence: Confidence::Linear,
        rule: FoldInRule::Wayfinder,
    };
    let bias = Array1::from_shape_fn(n, |i| i as f32 * 0.01);
    let plain = MfModel::new(MfKind::Explicit, q, bias, 3.5, Some((1.0, 5.0)), fold_in).unwrap();
    let model = plain.clone().with_implicit_factors(z).unwrap();
    let write = |model: &MfModel| {
        common::collaborative_bundle(
            &catalog,
            model,
            wayfinder::pipeline::model_info(model, 7, serde_json::json!({})),
            None,
            None,
        )
    };
    let files = write(&model);
    let manifest: serde_json::Value = serde_json::from_slice(&files[MANIFEST]).unwrap();
    assert_eq!(manifest["model"]["fold_in_rule"], "svd_plus_plus");
    let loaded = load(&files).unwrap().model.unwrap();
    assert_eq!(loaded.implicit_factors(), model.implicit_factors());
    let history = [(0, 4.0), (2, 2.5)];
    assert_eq!(loaded.fold_in(&history).unwrap(), model.fold_in(&history).unwrap());
    assert_ne!(plain.fold_in(&history).unwrap(), model.fold_in(&history).unwrap());

    let with_rule = |rule: &str| {
        let mut files = write(&plain);
        let mut manifest: serde_json::Value = serde_json::from_slice(&files[MANIFEST]).unwrap();
        manifest["model"]["fold_in_rule"] = rule.into();
        files.insert(MANIFEST.into(), serde_json::to_vec(&manifest).unwrap());
        load(&files).map(|_| ())
    };
    assert!(with_rule("wayfinder").is_ok());
    let missing = with_rule("svd_plus_plus");
    assert!(
        matches!(&missing, Err(Error::BundleTensor { name, .. }) if name == "item_implicit_factors"),
        "{missing:?}"
    );
    let unknown = with_rule("timesvd");
    assert!(matches!(&unknown, Err(Error::BundleManifest(m)) if m.contains("timesvd")), "{unknown:?}");
}
