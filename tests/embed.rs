//! MiniLM embedder parity: token ids and vectors against the Python reference fixture
//! (`shared/fixtures/minilm/reference.json`), plus the batch path, truncation and errors.
//!
//! Needs `make model` (model/model.onnx, model/tokenizer.json) and the fixture; each test that
//! needs them says so on stderr and passes when they are absent. `WAYFINDER_MODEL_DIR` and
//! `WAYFINDER_FIXTURES` override where they are looked for.

use std::path::PathBuf;
use std::sync::OnceLock;

use serde::Deserialize;
use wayfinder::bundle::sha256_hex;
use wayfinder::embed::{Embedder, Embedding, DIM, MAX_TOKENS};
use wayfinder::Error;

/// Cosine to onnxruntime on the same int8 file: the same arithmetic up to f32 rounding.
const MIN_COSINE_ONNXRUNTIME: f64 = 0.9999;
/// Cosine to the float64 forward pass over the fp32 weights: the int8 weights cost this much.
const MIN_COSINE_FP64: f64 = 0.996;

#[derive(Deserialize)]
struct Reference {
    sentences: Vec<String>,
    token_ids: Vec<Vec<u32>>,
    reference_fp64: Vec<Vec<f64>>,
    onnxruntime_int8: Vec<Vec<f64>>,
}

struct Setup {
    embedder: Embedder,
    reference: Reference,
    model_bytes: Vec<u8>,
}

fn model_dir() -> PathBuf {
    std::env::var_os("WAYFINDER_MODEL_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("model"), PathBuf::from)
}

fn reference_path() -> PathBuf {
    std::env::var_os("WAYFINDER_FIXTURES")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures"), PathBuf::from)
        .join("minilm/reference.json")
}

/// The embedder and the fixture, loaded once for the whole binary; `None` (with a message)
/// when the model or the fixture is not there.
fn setup(test: &str) -> Option<&'static Setup> {
    static SETUP: OnceLock<Option<Setup>> = OnceLock::new();
    let setup = SETUP.get_or_init(|| {
        let (model, tokenizer, fixture) =
            (model_dir().join("model.onnx"), model_dir().join("tokenizer.json"), reference_path());
        for path in [&model, &tokenizer, &fixture] {
            if !path.exists() {
                eprintln!("embed tests: {} is missing (run `make model`); skipping", path.display());
                return None;
            }
        }
        let model_bytes = std::fs::read(&model).unwrap();
        // The kernels the CLI runs (AMX or AVX-512 where the CPU has them), as the bundle's
        // vectors are made.
        wayfinder_kernels::register_native(wayfinder_kernels::Amx::Allowed);
        let embedder = Embedder::from_bytes(&model_bytes, &std::fs::read(&tokenizer).unwrap()).unwrap();
        let reference = serde_json::from_slice(&std::fs::read(&fixture).unwrap()).unwrap();
        Some(Setup { embedder, reference, model_bytes })
    });
    if setup.is_none() {
        eprintln!("{test}: skipped, model or fixture missing");
    }
    setup.as_ref()
}

fn cosine(a: &[f32], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| f64::from(*x) * y).sum();
    let na: f64 = a.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|y| y * y).sum::<f64>().sqrt();
    dot / (na * nb)
}

fn as_f64(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| f64::from(x)).collect()
}

/// Checks one sentence's embedding against both reference vectors, returning the cosines.
fn check(sentence: &str, got: &Embedding, onnxruntime: &[f64], fp64: &[f64]) -> (f64, f64) {
    assert_eq!(got.vector.len(), DIM, "{sentence:?}");
    let norm = got.vector.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    assert!((norm - 1.0).abs() < 1e-5, "{sentence:?}: norm {norm}");
    let (ort, exact) = (cosine(&got.vector, onnxruntime), cosine(&got.vector, fp64));
    assert!(ort >= MIN_COSINE_ONNXRUNTIME, "{sentence:?}: cosine {ort} to onnxruntime int8");
    assert!(exact >= MIN_COSINE_FP64, "{sentence:?}: cosine {exact} to the fp64 reference");
    (ort, exact)
}

#[test]
fn token_ids_match_python_tokenizers() {
    let Some(s) = setup("token_ids_match_python_tokenizers") else { return };
    for (sentence, expected) in s.reference.sentences.iter().zip(&s.reference.token_ids) {
        let tokens = s.embedder.tokenize(sentence).unwrap();
        assert_eq!(&tokens.ids, expected, "token ids of {sentence:?}");
    }
}

#[test]
fn single_embeddings_match_the_references() {
    let Some(s) = setup("single_embeddings_match_the_references") else { return };
    let r = &s.reference;
    let (mut min_ort, mut min_fp64) = (f64::MAX, f64::MAX);
    for ((sentence, ort), fp64) in r.sentences.iter().zip(&r.onnxruntime_int8).zip(&r.reference_fp64) {
        let got = s.embedder.embed(sentence).unwrap();
        let (a, b) = check(sentence, &got, ort, fp64);
        (min_ort, min_fp64) = (min_ort.min(a), min_fp64.min(b));
    }
    eprintln!("single path: min cosine {min_ort:.9} to onnxruntime int8, {min_fp64:.9} to fp64");
}

#[test]
fn batch_embeddings_match_the_references_and_the_single_path() {
    let Some(s) = setup("batch_embeddings_match_the_references_and_the_single_path") else { return };
    let r = &s.reference;
    let singles: Vec<Embedding> = r.sentences.iter().map(|t| s.embedder.embed(t).unwrap()).collect();
    for batch_size in [1, 3, 8, 32] {
        let batch = s.embedder.embed_batch(&r.sentences, batch_size).unwrap();
        assert_eq!(batch.len(), r.sentences.len());
        let mut min_ort = f64::MAX;
        for (i, sentence) in r.sentences.iter().enumerate() {
            let (ort, _) = check(sentence, &batch[i], &r.onnxruntime_int8[i], &r.reference_fp64[i]);
            min_ort = min_ort.min(ort);
            let single = &singles[i];
            assert_eq!((batch[i].tokens, batch[i].truncated), (single.tokens, single.truncated), "{sentence:?}");
            let same = cosine(&batch[i].vector, &as_f64(&single.vector));
            assert!(same > 0.99999, "{sentence:?}: batch of {batch_size} vs single, cosine {same}");
            let diff = batch[i].vector.iter().zip(&single.vector).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
            assert!(diff < 1e-4, "{sentence:?}: batch of {batch_size} vs single, max difference {diff}");
        }
        eprintln!("batch of {batch_size}: min cosine {min_ort:.9} to onnxruntime int8");
    }
    assert!(s.embedder.embed_batch(&[] as &[&str], 4).unwrap().is_empty());
}

#[test]
fn truncation_is_reported_for_the_over_length_text_only() {
    let Some(s) = setup("truncation_is_reported_for_the_over_length_text_only") else { return };
    let mut truncated = 0;
    for sentence in &s.reference.sentences {
        let got = s.embedder.embed(sentence).unwrap();
        let tokens = s.embedder.tokenize(sentence).unwrap();
        assert_eq!((got.tokens, got.truncated), (tokens.ids.len(), tokens.truncated));
        if got.truncated {
            assert_eq!(got.tokens, MAX_TOKENS, "{sentence:?}");
            truncated += 1;
        } else {
            assert!(got.tokens < MAX_TOKENS, "{sentence:?}");
        }
    }
    assert_eq!(truncated, 1, "the fixture has one text over {MAX_TOKENS} tokens");
    let exactly = s.embedder.tokenize(&"word ".repeat(MAX_TOKENS - 2)).unwrap();
    assert_eq!((exactly.ids.len(), exactly.truncated), (MAX_TOKENS, false));
    let one_more = s.embedder.tokenize(&"word ".repeat(MAX_TOKENS - 1)).unwrap();
    assert_eq!((one_more.ids.len(), one_more.truncated), (MAX_TOKENS, true));
}

#[test]
fn empty_and_blank_texts_are_cls_sep() {
    let Some(s) = setup("empty_and_blank_texts_are_cls_sep") else { return };
    let empty = s.embedder.embed("").unwrap();
    assert_eq!((empty.tokens, empty.truncated), (2, false));
    for blank in ["   ", "\n\t ", "\u{3000}"] {
        let got = s.embedder.embed(blank).unwrap();
        assert_eq!(got.tokens, 2, "{blank:?}");
        assert_eq!(got.vector, empty.vector, "{blank:?}");
    }
}

#[test]
fn hashes_are_those_of_the_loaded_files() {
    let Some(s) = setup("hashes_are_those_of_the_loaded_files") else { return };
    let sums = std::fs::read_to_string(model_dir().join("SHA256SUMS")).unwrap();
    let expected = |file: &str| {
        sums.lines().find(|l| l.ends_with(file)).and_then(|l| l.split_whitespace().next()).unwrap().to_string()
    };
    assert_eq!(s.embedder.model_sha256(), expected("model.onnx"));
    assert_eq!(s.embedder.model_sha256(), sha256_hex(&s.model_bytes));
    assert_eq!(s.embedder.tokenizer_sha256(), expected("tokenizer.json"));
}

#[test]
fn bad_inputs_are_typed_errors() {
    let Some(s) = setup("bad_inputs_are_typed_errors") else { return };
    let tokenizer = std::fs::read(model_dir().join("tokenizer.json")).unwrap();
    assert!(matches!(Embedder::from_bytes(&s.model_bytes, b"{not json"), Err(Error::Tokenizer(_))));
    assert!(matches!(Embedder::from_bytes(b"not onnx", &tokenizer), Err(Error::EmbedModel(_))));
    assert!(matches!(s.embedder.embed_batch(&["a"], 0), Err(Error::InvalidParameter { name: "batch_size", .. })));
}

/// The browser answers from the bundle first and attaches the model afterwards: an engine
/// built without one takes it later, and a model that does not load leaves it as it was.
#[test]
fn an_engine_answering_without_a_model_takes_one_later_and_a_bad_one_changes_nothing() {
    use wayfinder::catalog::{Catalog, Strictness};
    use wayfinder::engine::Engine;
    use wayfinder::graph::{GraphOptions, PrereqGraph};
    use wayfinder::rank::{RankDefaults, Recommender};
    let Some(s) = setup("an_engine_answering_without_a_model_takes_one_later") else { return };
    let tokenizer = std::fs::read(model_dir().join("tokenizer.json")).unwrap();
    let catalog = Catalog::from_json(include_bytes!("fixtures/small_catalog.json"), Strictness::Strict).unwrap().0;
    let graph = PrereqGraph::new(&catalog, GraphOptions::default());
    let recommender = Recommender::new(catalog, graph, None, None, None).unwrap();
    let mut engine = Engine::new(recommender, RankDefaults::fallback()).unwrap();
    let text = &s.reference.sentences[0];
    assert!(matches!(engine.embed("goalText", text), Err(Error::NoEmbedder { field: "goalText" })));
    assert!(matches!(engine.attach_embedder_bytes(b"not onnx", &tokenizer), Err(Error::EmbedModel(_))));
    assert!(matches!(engine.embed("goalText", text), Err(Error::NoEmbedder { .. })));
    engine.attach_embedder_bytes(&s.model_bytes, &tokenizer).unwrap();
    assert_eq!(engine.embed("goalText", text).unwrap(), s.embedder.embed(text).unwrap().vector);
}
