//! `docs/bundle.md` against the reader and the writer: its example bundle is written from the
//! page's own blocks and loaded, and its tables of manifest fields and tensors name exactly
//! what the writer produces.

use std::collections::{BTreeMap, BTreeSet};

use half::f16;
use ndarray::{Array1, Array2};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use wayfinder::api::{self, RecommendQuery};
use wayfinder::bundle::{sha256_hex, Bundle, BundleParts, Counts, EmbedderInfo, Privacy, Storage};
use wayfinder::catalog::{Catalog, Course, Strictness};
use wayfinder::engine::Engine;
use wayfinder::mf::{Confidence, FoldInParams, FoldInRule, MfKind, MfModel};
use wayfinder::neighbours::Neighbours;
use wayfinder::rank::{RankDefaults, Scratch};
use wayfinder::similarity::{Embeddings, Projection};

fn spec() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/bundle.md")).unwrap()
}

/// The page's fenced blocks tagged `example:NAME`, by name.
fn examples(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some(name) = line.strip_prefix("```json example:") {
            let body: Vec<&str> = lines.by_ref().take_while(|l| !l.starts_with("```")).collect();
            out.insert(name.trim().to_string(), body.join("\n") + "\n");
        }
    }
    out
}

/// Every backticked name in the first column of the table under `heading`.
fn table_names(text: &str, heading: &str) -> BTreeSet<String> {
    let start = text.find(heading).unwrap_or_else(|| panic!("no heading {heading:?}"));
    text[start..]
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .filter_map(|l| l.split('|').nth(1))
        .flat_map(|cell| cell.split('`').skip(1).step_by(2).map(str::to_string).collect::<Vec<_>>())
        .collect()
}

/// The safetensors file the page's tensor description stands for.
fn tensors(description: &str) -> Vec<u8> {
    let described: BTreeMap<String, serde_json::Value> = serde_json::from_str(description).unwrap();
    let mut owned: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = Vec::new();
    for (name, t) in &described {
        let shape: Vec<usize> = t["shape"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
        let values = t["data"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap());
        let (dtype, bytes): (Dtype, Vec<u8>) = match t["dtype"].as_str().unwrap() {
            "F32" => (Dtype::F32, values.flat_map(|v| (v as f32).to_le_bytes()).collect()),
            "F16" => (Dtype::F16, values.flat_map(|v| f16::from_f64(v).to_le_bytes()).collect()),
            "U32" => (Dtype::U32, values.flat_map(|v| (v as u32).to_le_bytes()).collect()),
            "U16" => (Dtype::U16, values.flat_map(|v| (v as u16).to_le_bytes()).collect()),
            "U8" => (Dtype::U8, values.map(|v| v as u8).collect()),
            other => panic!("the example uses dtype {other}"),
        };
        owned.push((name.clone(), dtype, shape, bytes));
    }
    let views = owned.iter().map(|(n, d, s, b)| (n.clone(), TensorView::new(*d, s.clone(), b).unwrap()));
    safetensors::serialize(views, None).unwrap()
}

#[test]
fn the_example_bundle_loads_and_answers() {
    let text = spec();
    let blocks = examples(&text);
    let catalog = blocks["catalog.json"].clone().into_bytes();
    let tensor_bytes = tensors(&blocks["tensors"]);
    let manifest_text = &blocks["manifest.json"];
    let manifest: serde_json::Value = serde_json::from_str(manifest_text).unwrap();
    for (name, bytes) in [("catalog.json", &catalog), ("tensors.safetensors", &tensor_bytes)] {
        let entry = &manifest["files"][name];
        let actual = serde_json::json!({"sha256": sha256_hex(bytes), "bytes": bytes.len()});
        assert_eq!(entry, &actual, "docs/bundle.md's manifest example must list {name} as {actual}");
    }
    let files: BTreeMap<&str, &[u8]> =
        [("catalog.json", &catalog[..]), ("tensors.safetensors", &tensor_bytes[..])].into_iter().collect();
    let bundle = Bundle::from_files(manifest_text.as_bytes(), |name| files.get(name).copied()).unwrap();
    assert_eq!(bundle.catalog.len(), 3);
    let model = bundle.model.as_ref().unwrap();
    assert_eq!(model.fold_in_params().rule, FoldInRule::CountScaled);
    assert_eq!(bundle.neighbours.as_ref().unwrap().row(0).collect::<Vec<_>>(), vec![(1, 0.5)]);
    assert_eq!(
        bundle.manifest.privacy,
        Some(Privacy { min_cohort: 10, courses_below_min_cohort: 0, below_min_cohort: vec![] })
    );

    // A learner who took CS 101: CS 201 is ready, and MATH 120 is the only other course.
    let engine = Engine::from_bundle(bundle).unwrap();
    let query = RecommendQuery { completed: vec!["CS 101".into()], k: Some(2), ..RecommendQuery::default() };
    let answer = api::recommend(&engine, &query, &mut Scratch::default()).unwrap();
    let ids: Vec<&str> = answer.recommendations.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, vec!["CS 201", "MATH 120"]);
}

/// A bundle with every optional part: model, neighbours, int8 embeddings in a reduced width
/// with their projection, taxonomy, ranking defaults and the privacy record.
fn everything() -> (serde_json::Value, BTreeSet<String>) {
    let (n, k, m, d) = (4, 2, 6, 3);
    let courses = (0..n).map(|i| Course { id: format!("C {i}"), ..Course::default() }).collect();
    let catalog = Catalog::new(courses, Strictness::Strict).unwrap().0;
    let params = FoldInParams {
        reg: 0.1,
        bias_reg: 0.0,
        alpha: 1.0,
        confidence: Confidence::Linear,
        rule: FoldInRule::CountScaled,
    };
    let model =
        MfModel::new(MfKind::Implicit, Array2::from_elem((n, k), 0.5), Array1::zeros(n), 0.0, None, params).unwrap();
    let info = wayfinder::pipeline::model_info(&model, 1, serde_json::Value::Null);
    let neighbours = Neighbours::new(n, vec![0, 1, 1, 1, 1], vec![2], vec![0.5]).unwrap();
    let rows: Vec<f32> = (0..n * d).map(|t| if t % d == t / d % d { 1.0 } else { 0.0 }).collect();
    let projection = Projection::new(vec![0.0; m], Array2::from_shape_fn((m, d), |(i, j)| f32::from(i == j))).unwrap();
    let embeddings = Embeddings::from_vec(n, d, rows).unwrap().with_projection(projection).unwrap();
    let taxonomy = wayfinder::gaps::Taxonomy::from_json(br#"{"areas": {"a": ["x"]}}"#).unwrap();
    let files = Bundle::write(BundleParts {
        created: "2026-12-07T00:00:00Z".into(),
        catalog: &catalog,
        model: Some((&model, info)),
        neighbours: Some(&neighbours),
        ranking: Some(RankDefaults::fallback()),
        embeddings: Some(&embeddings),
        storage: Storage::Int8,
        embedder: Some(EmbedderInfo { name: "m".into(), model_sha256: "0".into(), tokenizer_sha256: "0".into() }),
        taxonomy: Some(&taxonomy),
        counts: Counts::default(),
        evaluation: serde_json::Value::Null,
        compress_catalog: true,
        privacy: Some(Privacy { min_cohort: 10, courses_below_min_cohort: 1, below_min_cohort: vec!["C 3".into()] }),
    })
    .unwrap();
    let files: BTreeMap<String, Vec<u8>> = files.into_iter().collect();
    let loaded = Bundle::from_files(&files["manifest.json"], |name| files.get(name).map(Vec::as_slice)).unwrap();
    assert_eq!(loaded.embeddings.as_ref().unwrap().query_dim(), m, "the projection travels with the bundle");
    let manifest = serde_json::from_slice(&files["manifest.json"]).unwrap();
    let names = SafeTensors::deserialize(&files["tensors.safetensors"])
        .unwrap()
        .names()
        .into_iter()
        .map(str::to_string)
        .collect();
    (manifest, names)
}

#[test]
fn the_spec_s_tables_name_what_the_writer_writes() {
    let text = spec();
    let (manifest, mut tensors) = everything();
    let fields: BTreeSet<String> = manifest.as_object().unwrap().keys().cloned().collect();
    assert_eq!(table_names(&text, "## `manifest.json`"), fields, "manifest fields");
    let model: BTreeSet<String> = manifest["model"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(table_names(&text, "`model`:"), model, "model fields");
    // The writer stores embeddings in one dtype per bundle; the table lists every tensor name.
    tensors.insert("embeddings".into());
    // Only an explicit model with SVD++'s implicit term writes this one; tests/bundle.rs
    // writes and reads such a bundle.
    tensors.insert("item_implicit_factors".into());
    assert_eq!(table_names(&text, "## `tensors.safetensors`"), tensors, "tensors");
    let files: BTreeSet<String> = manifest["files"].as_object().unwrap().keys().cloned().collect();
    let listed = table_names(&text, "## Files");
    assert!(files.iter().all(|f| listed.contains(f)), "{files:?} vs {listed:?}");
}
