//! The fuzz targets' bodies and their seed corpora, shared by the libFuzzer binaries
//! (`fuzz/fuzz_targets/`, `make fuzz`) and by the bounded slice that `make test` runs
//! (`tests/fuzz.rs`, which includes this file).
//!
//! Each target takes arbitrary bytes. Whatever they are, the code under test must return a
//! value or a typed error: a panic, an abort or an unbounded allocation is a finding. Inputs
//! made of several files are the files joined by [`PART`]; the seeds are valid inputs written
//! by the library's own writers, so the fuzzer starts from deep inside each parser.

use std::collections::BTreeMap;

use ndarray::{Array1, Array2};
use wayfinder::api::{self, GapsQuery, PathQuery, RecommendQuery};
use wayfinder::bundle::{sha256_hex, Bundle, BundleParts, Counts, EmbedderInfo, ModelInfo, Storage, MANIFEST};
use wayfinder::catalog::{Catalog, Strictness};
use wayfinder::engine::Engine;
use wayfinder::gaps::Taxonomy;
use wayfinder::import::csv::{self, Columns};
use wayfinder::mf::{Confidence, FoldInParams, FoldInRule, MfKind, MfModel};
use wayfinder::neighbours::Neighbours;
use wayfinder::rank::{RankDefaults, Scratch};
use wayfinder::similarity::Embeddings;

/// What separates the files of a many-file input.
pub const PART: &[u8] = b"\n--8<--\n";

/// The input's files, at most `n` (the last keeps any further separators).
pub fn parts(data: &[u8], n: usize) -> Vec<&[u8]> {
    let mut out = Vec::with_capacity(n);
    let mut rest = data;
    while out.len() + 1 < n {
        match rest.windows(PART.len()).position(|w| w == PART) {
            Some(at) => {
                out.push(&rest[..at]);
                rest = &rest[at + PART.len()..];
            }
            None => break,
        }
    }
    out.push(rest);
    out
}

/// Joins files into one input.
pub fn join(files: &[&[u8]]) -> Vec<u8> {
    files.join(PART)
}

// ---------------------------------------------------------------------------------------------
// The bundle loader, then the engine on whatever loads.

/// The file names of a bundle input, in the order its parts hold them.
const BUNDLE_FILES: [&str; 4] = [MANIFEST, "catalog", "tensors.safetensors", "taxonomy.json"];

/// Which part of a bundle input holds the bundle file `name`.
fn part_of(name: &str) -> Option<usize> {
    match name {
        "catalog.json" | "catalog.json.gz" => Some(1),
        "tensors.safetensors" => Some(2),
        "taxonomy.json" => Some(3),
        _ => None,
    }
}

/// A bundle input's files by name, as `Bundle::from_files` asks for them.
pub fn bundle_file<'a>(files: &[&'a [u8]], name: &str) -> Option<&'a [u8]> {
    part_of(name).and_then(|ix| files.get(ix).copied())
}

/// Input: `manifest PART catalog PART tensors [PART taxonomy]`. Where the manifest is JSON
/// with a `files` object, each listed file's hash and size are set to the input's, so the
/// fuzzer gets past the checksums into the catalog, gzip, safetensors and taxonomy readers.
/// A bundle that loads becomes an engine that answers a recommendation, a learning path and
/// a gap analysis.
pub fn bundle(data: &[u8]) {
    let files = parts(data, BUNDLE_FILES.len());
    let manifest = fix_hashes(&files);
    let Ok(engine) = Engine::from_files(&manifest, |name| bundle_file(&files, name)) else { return };
    exercise(&engine);
}

fn fix_hashes(files: &[&[u8]]) -> Vec<u8> {
    let Ok(mut manifest) = serde_json::from_slice::<serde_json::Value>(files[0]) else {
        return files[0].to_vec();
    };
    if let Some(listed) = manifest.get_mut("files").and_then(|f| f.as_object_mut()) {
        for (name, entry) in listed.iter_mut() {
            let Some(ix) = part_of(name) else { continue };
            if let (Some(bytes), Some(entry)) = (files.get(ix), entry.as_object_mut()) {
                entry.insert("sha256".into(), sha256_hex(bytes).into());
                entry.insert("bytes".into(), bytes.len().into());
            }
        }
    }
    serde_json::to_vec(&manifest).unwrap_or_default()
}

/// Every query kind the browser sends, on courses the catalog holds.
fn exercise(engine: &Engine) {
    let courses = engine.recommender().catalog().courses();
    let ids: Vec<String> = courses.iter().take(3).map(|c| c.id.clone()).collect();
    let skills: Vec<String> = courses.iter().flat_map(|c| c.teaches.iter().cloned()).take(3).collect();
    let query = RecommendQuery {
        completed: ids.clone(),
        ratings: ids.iter().map(|id| (id.clone(), 4.0)).collect(),
        goal_skills: skills.iter().map(|s| (s.clone(), 0.8)).collect(),
        k: Some(5),
        ..RecommendQuery::default()
    };
    let _ = api::recommend(engine, &query, &mut Scratch::default());
    let path = PathQuery { target_skills: skills.clone(), completed: ids.clone(), ..PathQuery::default() };
    let _ = api::learning_path(engine, &path);
    let gaps = GapsQuery {
        completed: ids,
        goal_profile: skills.iter().map(|s| (s.clone(), 0.8)).collect(),
        ..GapsQuery::default()
    };
    let _ = api::gaps(engine, &gaps);
}

/// The small catalog the seeds are built on (14 courses: groups, a concurrent group, a cycle).
pub fn seed_catalog() -> Catalog {
    Catalog::from_json(SMALL_CATALOG, Strictness::Strict).expect("the seed catalog is valid").0
}

const SMALL_CATALOG: &[u8] = include_bytes!("../../tests/fixtures/small_catalog.json");
const SMALL_TAXONOMY: &[u8] = br#"{"areas": {"computing": ["programming", "python", "data structures", "algorithms"],
 "mathematics": ["calculus", "linear algebra", "discrete math", "statistics"]},
 "builds_on": {"algorithms": ["data structures"], "machine learning": ["statistics", "python"]}}"#;

/// Valid bundles of the small catalog: every embedding storage (f32, f16, int8), implicit and
/// explicit models, neighbours, a compressed catalog and a taxonomy.
pub fn bundle_seeds() -> Vec<Vec<u8>> {
    let catalog = seed_catalog();
    let taxonomy = Taxonomy::from_json(SMALL_TAXONOMY).expect("the seed taxonomy is valid");
    let n = catalog.len();
    let (k, dim) = (3, 8);
    let mut seeds = vec![];
    for (storage, kind, compress) in [
        (Storage::F32, MfKind::Implicit, false),
        (Storage::F16, MfKind::Implicit, true),
        (Storage::Int8, MfKind::Implicit, false),
        (Storage::F32, MfKind::Explicit, true),
        (Storage::F16, MfKind::Explicit, false),
        (Storage::Int8, MfKind::Explicit, true),
    ] {
        let factors = Array2::from_shape_fn((n, k), |(i, j)| ((i * 7 + j * 3) % 11) as f32 / 11.0 - 0.5);
        let explicit = kind == MfKind::Explicit;
        let fold_in = FoldInParams {
            reg: 0.1,
            bias_reg: if explicit { 0.1 } else { 0.0 },
            alpha: 10.0,
            confidence: Confidence::Linear,
            rule: FoldInRule::Wayfinder,
        };
        let bias = Array1::from_shape_fn(n, |i| if explicit { (i % 3) as f32 * 0.1 } else { 0.0 });
        let range = explicit.then_some((1.0, 5.0));
        let mean = if explicit { 3.5 } else { 0.0 };
        let model = MfModel::new(kind, factors, bias, mean, range, fold_in).expect("seed model");
        let info = ModelInfo {
            kind: if explicit { "explicit" } else { "implicit" }.into(),
            fold_in_reg: 0.1,
            fold_in_bias_reg: fold_in.bias_reg,
            alpha: 10.0,
            log_confidence_eps: None,
            rating_range: range,
            fold_in_rule: FoldInRule::Wayfinder,
            seed: 7,
            params: serde_json::json!({ "factors": k }),
        };
        let mut data: Vec<f32> = (0..n * dim).map(|x| ((x * 13) % 17) as f32 - 8.0).collect();
        for row in data.chunks_mut(dim) {
            let norm = row.iter().map(|x| x * x).sum::<f32>().sqrt();
            row.iter_mut().for_each(|x| *x /= norm);
        }
        let embeddings = Embeddings::from_vec(n, dim, data).expect("seed embeddings");
        let dense: Vec<f32> = (0..n * n).map(|x| ((x * 5) % 7) as f32 / 7.0).collect();
        let neighbours = Neighbours::from_dense(n, &dense, 3, &[]);
        let files: BTreeMap<String, Vec<u8>> = Bundle::write(BundleParts {
            created: "2026-12-06T00:00:00Z".into(),
            catalog: &catalog,
            model: Some((&model, info)),
            neighbours: Some(&neighbours),
            ranking: Some(RankDefaults::fallback()),
            embeddings: Some(&embeddings),
            storage,
            embedder: Some(EmbedderInfo {
                name: "seed".into(),
                model_sha256: "aa".repeat(32),
                tokenizer_sha256: "bb".repeat(32),
            }),
            taxonomy: (storage != Storage::F32).then_some(&taxonomy),
            counts: Counts::default(),
            evaluation: serde_json::Value::Null,
            compress_catalog: compress,
            privacy: None,
        })
        .expect("the seed bundle writes")
        .into_iter()
        .collect();
        let catalog_file = files.get("catalog.json").or_else(|| files.get("catalog.json.gz")).expect("a catalog");
        let mut input: Vec<&[u8]> = vec![&files[MANIFEST], catalog_file, &files["tensors.safetensors"]];
        if let Some(t) = files.get("taxonomy.json") {
            input.push(t);
        }
        seeds.push(join(&input));
    }
    seeds
}

// ---------------------------------------------------------------------------------------------
// The taxonomy, and the skill inference that reads it.

/// Input: a taxonomy file. One that parses is read as the engine reads it: inside a bundle
/// (the F16 seed's, whose taxonomy this replaces), then a gap analysis toward its skills.
pub fn taxonomy(data: &[u8]) {
    let Ok(taxonomy) = Taxonomy::from_json(data) else { return };
    let _ = taxonomy.foundations();
    let _ = wayfinder::skills::vocabulary(&taxonomy);
    let goal: BTreeMap<String, f32> = taxonomy.areas.values().flatten().take(6).map(|s| (s.clone(), 0.9)).collect();
    for skill in goal.keys() {
        let _ = taxonomy.builds_on(skill);
    }
    let seed = &seeds()[1];
    let mut files = parts(seed, BUNDLE_FILES.len());
    files.truncate(3);
    files.push(data);
    let manifest = fix_hashes(&files);
    let Ok(engine) = Engine::from_files(&manifest, |name| bundle_file(&files, name)) else { return };
    let _ = api::gaps(&engine, &GapsQuery { goal_profile: goal.clone(), ..GapsQuery::default() });
    let targets = goal.into_keys().collect();
    let _ = api::learning_path(&engine, &PathQuery { target_skills: targets, ..PathQuery::default() });
}

/// The bundle seeds, built once.
fn seeds() -> &'static [Vec<u8>] {
    static SEEDS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(bundle_seeds)
}

/// The demo taxonomy, the built-in vocabulary and a small one with builds-on edges.
pub fn taxonomy_seeds() -> Vec<Vec<u8>> {
    vec![
        include_bytes!("../../data/demo/taxonomy.json").to_vec(),
        include_bytes!("../../data/skills/builtin-taxonomy.json").to_vec(),
        SMALL_TAXONOMY.to_vec(),
    ]
}

// ---------------------------------------------------------------------------------------------
// The catalog importers: JSON, CSV with a column map, UIUC, MovieLens, MOOCCubeX (kgat).

/// Input: `selector byte`, then the files of one importer joined by [`PART`]. The selector
/// picks the importer, so one corpus covers them all.
pub fn catalog(data: &[u8]) {
    let Some((&which, rest)) = data.split_first() else { return };
    match which % 5 {
        0 => {
            for strictness in [Strictness::Strict, Strictness::Lenient] {
                if let Ok((catalog, _)) = Catalog::from_json(rest, strictness) {
                    let _ = catalog.to_json();
                    interactions(&catalog);
                }
            }
        }
        1 => {
            let files = parts(rest, 2);
            let spec = std::str::from_utf8(files[0]).unwrap_or("");
            let Ok(columns) = Columns::parse(spec) else { return };
            let body = files.get(1).copied().unwrap_or_default();
            for strictness in [Strictness::Strict, Strictness::Lenient] {
                let _ = csv::import(body, &columns, strictness);
            }
            let _ = csv::parse_prerequisites(std::str::from_utf8(body).unwrap_or(""));
        }
        2 => {
            let files = parts(rest, 2);
            let _ = wayfinder::import::uiuc(files[0], files.get(1).copied().unwrap_or_default());
        }
        3 => {
            let files = parts(rest, 3);
            let file = |i: usize| files.get(i).copied().unwrap_or_default();
            let _ = wayfinder::import::movielens(file(0), file(1), file(2));
        }
        _ => {
            let files = parts(rest, 3);
            let text = |i: usize| std::str::from_utf8(files.get(i).copied().unwrap_or_default()).unwrap_or("");
            let _ = wayfinder::import::kgat(text(0), text(1), text(2));
            let _ = wayfinder::import::equivalence_sentences(text(0), "CS 101");
            let _ = wayfinder::import::strip_prerequisite_sentences(text(0));
        }
    }
}

/// Enrolments against a catalog that parsed: the CSV reader in both modes.
fn interactions(catalog: &Catalog) {
    let ids: Vec<&str> = catalog.courses().iter().take(3).map(|c| c.id.as_str()).collect();
    let mut csv = String::from("user,course,rating,timestamp\n");
    for (i, id) in ids.iter().enumerate() {
        csv.push_str(&format!("u{i},{id},{},{i}\n", 1 + i % 5));
    }
    let _ = wayfinder::interactions::parse_csv_with(csv.as_bytes(), catalog, false);
    let _ = wayfinder::interactions::parse_csv_with(csv.as_bytes(), catalog, true);
}

/// One valid input per importer, in the formats of the real files (written here, small).
pub fn catalog_seeds() -> Vec<Vec<u8>> {
    let with = |which: u8, files: &[&[u8]]| {
        let mut v = vec![which];
        v.extend(join(files));
        v
    };
    vec![
        with(0, &[SMALL_CATALOG]),
        with(0, &[include_bytes!("../../data/demo/catalog.json")]),
        with(
            1,
            &[
                b"id=Course Code, title=Name, description=Description, credits=Credits, level=Level, tags=Topics, prerequisites=Prereqs",
                include_bytes!("../../tests/fixtures/school_catalog.csv"),
            ],
        ),
        with(1, &[b"", b"(CS 101 or CS 102) and MATH 120"]),
        with(
            2,
            &[
                b"Year,Term,YearTerm,Subject,Number,Name,Description,Credit Hours,Section Info,Degree Attributes,Schedule Information\n\
2019,Fall,2019-fa,CS,125,Intro to Computer Science,\"Basic concepts in computing.\",4 hours.,,,\n\
2019,Fall,2019-fa,CS,173,Discrete Structures,\"Discrete mathematical structures. Prerequisite: CS 125.\",3 hours.,,,\n",
                b"CourseName,PrereqName,ConcurrentAllowed,PrereqGroupNum\nCS 173,CS 125,0,1\nCS 173,MATH 220,1,2\n",
            ],
        ),
        with(
            3,
            &[
                b"1|Toy Story (1995)|01-Jan-1995||http://x|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n2|GoldenEye (1995)|01-Jan-1995||http://x|0|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0|1|0|0\n",
                b"unknown|0\nAction|1\nAdventure|2\nAnimation|3\nChildren's|4\nComedy|5\nCrime|6\nDocumentary|7\nDrama|8\nFantasy|9\nFilm-Noir|10\nHorror|11\nMusical|12\nMystery|13\nRomance|14\nSci-Fi|15\nThriller|16\nWar|17\nWestern|18\n",
                b"1\t1\t5\t874965758\n1\t2\t3\t876893171\n2\t1\t4\t888550871\n",
            ],
        ),
        with(4, &[b"0 0 1 2\n1 1 2\n", b"0 3\n1 0\n", b"0 2 10\n1 2 11\n2 0 12\n3 2 10\n"]),
    ]
}

// ---------------------------------------------------------------------------------------------
// The queries a learner's profile becomes (what the browser sends the module).

/// Input: `selector byte`, then a JSON query, run against the first seed bundle's engine.
pub fn query(engine: &Engine, data: &[u8]) {
    let Some((&which, json)) = data.split_first() else { return };
    match which % 3 {
        0 => {
            if let Ok(q) = serde_json::from_slice::<RecommendQuery>(json) {
                let _ = api::recommend(engine, &q, &mut Scratch::default());
            }
        }
        1 => {
            if let Ok(q) = serde_json::from_slice::<PathQuery>(json) {
                let _ = api::learning_path(engine, &q);
            }
        }
        _ => {
            if let Ok(q) = serde_json::from_slice::<GapsQuery>(json) {
                let _ = api::gaps(engine, &q);
            }
        }
    }
}

/// The engine [`query`] runs against: the second bundle seed (implicit, f16), with a taxonomy.
pub fn query_engine() -> Engine {
    let files = parts(&seeds()[1], BUNDLE_FILES.len());
    Engine::from_files(files[0], |name| bundle_file(&files, name)).expect("the seed bundle loads")
}

/// Queries a planner sends: completions, ratings, skills, goal skills, weights, paths, gaps.
pub fn query_seeds() -> Vec<Vec<u8>> {
    let with = |which: u8, json: &str| {
        let mut v = vec![which];
        v.extend_from_slice(json.as_bytes());
        v
    };
    vec![
        with(
            0,
            r#"{"completed":["CS 101","MATH 101"],"ratings":{"CS 101":5},"skills":{"python":0.6},"goalSkills":{"machine learning":0.8},"k":5}"#,
        ),
        with(
            0,
            r#"{"completed":["CS 201"],"inProgress":["CS 202"],"weights":{"collaborative":0.5,"content":0.2},"diversity":0.7,"rules":{"levels":false}}"#,
        ),
        with(
            1,
            r#"{"targetSkills":["machine learning","algorithms"],"completed":["MATH 101"],"skills":{"python":0.7},"maxCreditsPerTerm":8,"minimize":"credits"}"#,
        ),
        with(
            2,
            r#"{"skills":{"python":0.4},"completed":["CS 101"],"goalProfile":{"machine learning":0.8,"statistics":0.6},"params":{"minGap":0.1}}"#,
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// The ONNX graph rewrite, on mutated models.

/// Input: an ONNX model. One that parses is rewritten as the embedder does before tract
/// sees it (both rewrites), and the rewritten graph is rewritten again.
#[cfg(feature = "embed")]
pub fn onnx_rewrite(data: &[u8]) {
    let _ = wayfinder::embed::rewrite_for_fuzzing(data);
}

/// Small models holding each pattern the rewrites look for: an int8 lookup table with a
/// per-row and a shared scale, and an int8 linear layer with per-column scales.
#[cfg(feature = "embed")]
pub fn onnx_seeds() -> Vec<Vec<u8>> {
    use prost::Message;
    use tract_onnx::pb::{
        attribute_proto::AttributeType, AttributeProto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto,
        TensorProto, ValueInfoProto,
    };
    let tensor = |name: &str, data_type: i32, dims: &[i64], raw: usize| TensorProto {
        name: name.into(),
        data_type,
        dims: dims.to_vec(),
        raw_data: vec![1; raw],
        ..Default::default()
    };
    let int = |name: &str, i: i64| AttributeProto {
        name: name.into(),
        r#type: AttributeType::Int as i32,
        i,
        ..Default::default()
    };
    let node = |op: &str, inputs: &[&str], output: &str, attribute: Vec<AttributeProto>| NodeProto {
        op_type: op.into(),
        name: format!("{op}_{output}"),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: vec![output.into()],
        attribute,
        ..Default::default()
    };
    let model = |graph: GraphProto| {
        ModelProto {
            ir_version: 8,
            opset_import: vec![OperatorSetIdProto { domain: String::new(), version: 14 }],
            graph: Some(graph),
            ..Default::default()
        }
        .encode_to_vec()
    };
    let value = |name: &str| ValueInfoProto { name: name.into(), ..Default::default() };
    let lookup = |scale_dims: &[i64]| GraphProto {
        initializer: vec![tensor("table_q", 3, &[10, 4], 40), tensor("scale", 1, scale_dims, 4 * 10)],
        node: vec![
            node("Cast", &["table_q"], "table_f", vec![int("to", 1)]),
            node("Mul", &["table_f", "scale"], "table", vec![]),
            node("Gather", &["table", "ids"], "rows", vec![int("axis", 0)]),
            node("Relu", &["rows"], "out", vec![]),
        ],
        input: vec![value("ids")],
        output: vec![value("out")],
        ..Default::default()
    };
    let linear = GraphProto {
        initializer: vec![tensor("w_q", 3, &[4, 3], 12), tensor("w_scale", 1, &[3], 12), tensor("b", 1, &[3], 12)],
        node: vec![
            node("Cast", &["w_q"], "w_f", vec![int("to", 1)]),
            node("Mul", &["w_scale", "w_f"], "w", vec![]),
            node("MatMul", &["x", "w"], "xw", vec![]),
            node("Add", &["xw", "b"], "out", vec![]),
        ],
        input: vec![value("x")],
        output: vec![value("out")],
        ..Default::default()
    };
    vec![model(lookup(&[10, 1])), model(lookup(&[])), model(lookup(&[1, 4])), model(linear)]
}

// ---------------------------------------------------------------------------------------------
// Seeded mutations, for the bounded slice in `make test` (libFuzzer mutates in `make fuzz`).

/// A small seeded generator (xorshift64*), so a failing slice names its seed and repeats.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Tokens that break parsers: extreme numbers, JSON punctuation, separators, wrong types.
const INTERESTING: &[&[u8]] = &[
    b"-1",
    b"0",
    b"1e309",
    b"-1e309",
    b"18446744073709551616",
    b"4294967296",
    b"65536",
    b"NaN",
    b"null",
    b"[]",
    b"{}",
    b"\"\"",
    b"\"",
    b",",
    b":",
    b"\n",
    b"|",
    b"\t",
    b"\\u0000",
    b"\xff\xfe",
    b"true",
    PART,
];

/// One mutation of `input`: a byte changed, inserted or removed, a run repeated or dropped,
/// a token from [`INTERESTING`], a number replaced, or a splice with another seed.
pub fn mutate(rng: &mut Rng, input: &[u8], seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = out.len();
        let at = rng.below(len + 1);
        match rng.below(8) {
            0 if len > 0 => {
                let i = rng.below(len);
                out[i] ^= 1 << rng.below(8);
            }
            1 => out.insert(at, rng.next() as u8),
            2 if at < len => {
                let end = (at + 1 + rng.below(16)).min(len);
                out.drain(at..end);
            }
            3 if at < len => {
                let end = (at + 1 + rng.below(64)).min(len);
                let run = out[at..end].to_vec();
                out.splice(at..at, run);
            }
            4 => {
                let token = INTERESTING[rng.below(INTERESTING.len())];
                out.splice(at..at, token.iter().copied());
            }
            5 => {
                // A run of digits becomes an interesting token.
                if let Some(start) = (at..len).find(|&i| out[i].is_ascii_digit()) {
                    let end = (start..len).find(|&i| !out[i].is_ascii_digit()).unwrap_or(len);
                    let token = INTERESTING[rng.below(9)];
                    out.splice(start..end, token.iter().copied());
                }
            }
            6 if !seeds.is_empty() => {
                let other = &seeds[rng.below(seeds.len())];
                let from = rng.below(other.len() + 1);
                let take = rng.below(other.len() - from + 1);
                out.truncate(at);
                out.extend_from_slice(&other[from..from + take]);
            }
            _ if at < len => out.truncate(at),
            _ => {}
        }
    }
    out
}
