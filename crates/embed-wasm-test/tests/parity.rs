//! The embedder compiled to wasm32, run in Node by wasm-bindgen-test-runner: the same parity
//! checks as the native `tests/embed.rs`, on the same model file and fixture.
//!
//! Wasm has no file system, so the model and fixture bytes are read through Node's `fs`. The
//! paths come from `WAYFINDER_MODEL_DIR` and `WAYFINDER_FIXTURES` when set (read from
//! `process.env` at run time), else from the repository layout this crate was compiled in.
//! Without the files each test prints why and passes, as the native tests do.
#![cfg(target_arch = "wasm32")]

use js_sys::{Reflect, Uint8Array};
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::{console_log, wasm_bindgen_test};
use wayfinder::embed::{Embedder, Embedding, DIM, MAX_TOKENS};

#[wasm_bindgen(module = "fs")]
extern "C" {
    #[wasm_bindgen(js_name = readFileSync, catch)]
    fn read_file_sync(path: &str) -> Result<Uint8Array, JsValue>;
}

#[derive(Deserialize)]
struct Reference {
    sentences: Vec<String>,
    token_ids: Vec<Vec<u32>>,
    reference_fp64: Vec<Vec<f64>>,
    onnxruntime_int8: Vec<Vec<f64>>,
}

fn env(name: &str) -> Option<String> {
    let process = Reflect::get(&js_sys::global(), &"process".into()).ok()?;
    let env = Reflect::get(&process, &"env".into()).ok()?;
    Reflect::get(&env, &name.into()).ok()?.as_string()
}

fn read(path: &str) -> Option<Vec<u8>> {
    match read_file_sync(path) {
        Ok(bytes) => Some(bytes.to_vec()),
        Err(_) => {
            console_log!("embed wasm tests: cannot read {path} (run `make model`); skipping");
            None
        }
    }
}

fn setup() -> Option<(Embedder, Reference)> {
    let model_dir =
        env("WAYFINDER_MODEL_DIR").unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../../model").into());
    let fixtures = env("WAYFINDER_FIXTURES")
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/fixtures").into());
    let model = read(&format!("{model_dir}/model.onnx"))?;
    let tokenizer = read(&format!("{model_dir}/tokenizer.json"))?;
    let reference = read(&format!("{fixtures}/minilm/reference.json"))?;
    // The browser module's kernel, as the browser module registers it.
    wayfinder_kernels::register_wasm().expect("the wasm build has its own kernel");
    let started = js_sys::Date::now();
    let embedder = Embedder::from_bytes(&model, &tokenizer).expect("the model loads in wasm");
    console_log!("embed wasm tests: model loaded in {:.0} ms", js_sys::Date::now() - started);
    Some((embedder, serde_json::from_slice(&reference).expect("the fixture is valid JSON")))
}

fn cosine(a: &[f32], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| f64::from(*x) * y).sum();
    let na = a.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    let nb = b.iter().map(|y| y * y).sum::<f64>().sqrt();
    dot / (na * nb)
}

fn check(sentence: &str, got: &Embedding, onnxruntime: &[f64], fp64: &[f64]) -> (f64, f64) {
    assert_eq!(got.vector.len(), DIM);
    let (ort, exact) = (cosine(&got.vector, onnxruntime), cosine(&got.vector, fp64));
    assert!(ort >= 0.9999, "{sentence:?}: cosine {ort} to onnxruntime int8");
    assert!(exact >= 0.996, "{sentence:?}: cosine {exact} to the fp64 reference");
    (ort, exact)
}

/// One test for everything, so the model (a few seconds to prepare) loads once.
#[wasm_bindgen_test]
fn embeddings_match_the_references_in_wasm() {
    let Some((embedder, r)) = setup() else { return };

    for (sentence, expected) in r.sentences.iter().zip(&r.token_ids) {
        assert_eq!(&embedder.tokenize(sentence).unwrap().ids, expected, "token ids of {sentence:?}");
    }

    let (mut min_ort, mut min_fp64, mut millis) = (f64::MAX, f64::MAX, vec![]);
    let mut singles = vec![];
    for (i, sentence) in r.sentences.iter().enumerate() {
        let started = js_sys::Date::now();
        let got = embedder.embed(sentence).unwrap();
        millis.push((got.tokens, js_sys::Date::now() - started));
        let (a, b) = check(sentence, &got, &r.onnxruntime_int8[i], &r.reference_fp64[i]);
        (min_ort, min_fp64) = (min_ort.min(a), min_fp64.min(b));
        assert_eq!(got.truncated, got.tokens == MAX_TOKENS && embedder.tokenize(sentence).unwrap().truncated);
        singles.push(got);
    }
    console_log!("wasm single path: min cosine {min_ort:.9} to onnxruntime int8, {min_fp64:.9} to fp64");
    console_log!("wasm single path: (tokens, ms) per sentence {millis:?}");
    assert_eq!(singles.iter().filter(|e| e.truncated).count(), 1, "one fixture text is over {MAX_TOKENS} tokens");

    let batch = embedder.embed_batch(&r.sentences, 8).unwrap();
    for (i, sentence) in r.sentences.iter().enumerate() {
        check(sentence, &batch[i], &r.onnxruntime_int8[i], &r.reference_fp64[i]);
        let same = cosine(&batch[i].vector, &singles[i].vector.iter().map(|&x| f64::from(x)).collect::<Vec<_>>());
        assert!(same > 0.99999, "{sentence:?}: batch vs single, cosine {same}");
        assert_eq!((batch[i].tokens, batch[i].truncated), (singles[i].tokens, singles[i].truncated));
    }
    assert_eq!(embedder.model_sha256(), "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6");
}
