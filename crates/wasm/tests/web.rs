//! The browser module's API, compiled to wasm32 and run in headless Chromium by
//! wasm-bindgen-test (`make test-wasm-browser`). The bundle is the demo bundle that
//! `make test-browser` builds into tests/browser/.bundle; it is compiled in, so the tests need
//! no server. The embedding model is left out here: the embedder's wasm tests
//! (crates/embed-wasm-test) and the playwright parity tests (tests/browser) cover it; the
//! engine's side of the link between the two modules (an encoder given as a JS function) is
//! tested here with a stand-in encoder, and the embedder's refusal of files the manifest does
//! not name.
#![cfg(target_arch = "wasm32")]

use js_sys::{Object, Reflect, Uint8Array};
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;
use wayfinder_wasm::{last_panic, read_manifest, Embedder, Engine, Failure};

wasm_bindgen_test_configure!(run_in_browser);

macro_rules! bundle_file {
    ($name:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/browser/.bundle/", $name)).as_slice()
    };
}

const MANIFEST: &[u8] = bundle_file!("manifest.json");
const FILES: [(&str, &[u8]); 3] = [
    ("catalog.json", bundle_file!("catalog.json")),
    ("tensors.safetensors", bundle_file!("tensors.safetensors")),
    ("taxonomy.json", bundle_file!("taxonomy.json")),
];

fn files(edit: impl Fn(&str, &mut Vec<u8>)) -> Object {
    let files = Object::new();
    for (name, bytes) in FILES {
        let mut bytes = bytes.to_vec();
        edit(name, &mut bytes);
        Reflect::set(&files, &name.into(), &Uint8Array::from(bytes.as_slice())).unwrap();
    }
    files
}

fn engine() -> Engine {
    Engine::new(MANIFEST, &files(|_, _| {})).unwrap()
}

fn js(value: Value) -> JsValue {
    serde_wasm_bindgen::to_value(&value).unwrap()
}

fn rust(value: JsValue) -> Value {
    serde_wasm_bindgen::from_value(value).unwrap()
}

/// The message of a JS `Error` returned by the module.
fn message(result: Result<JsValue, Failure>) -> String {
    let error = JsValue::from(result.expect_err("the call should fail"));
    error.dyn_into::<js_sys::Error>().expect("a JS Error").message().into()
}

fn ids(list: &Value) -> Vec<&str> {
    list.as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect()
}

#[wasm_bindgen_test]
fn the_manifest_names_every_file_and_a_cache_key() {
    let info = rust(read_manifest(MANIFEST).unwrap());
    assert!(info["cacheKey"].as_str().unwrap().starts_with("wayfinder-v"));
    for (name, _) in FILES {
        assert!(info["manifest"]["files"][name]["sha256"].is_string(), "{name} missing from the manifest");
    }
    let courses = rust(engine().courses().unwrap());
    assert_eq!(courses.as_array().unwrap().len(), 168);
}

#[wasm_bindgen_test]
fn recommendations_are_ranked_explained_and_skip_completed_courses() {
    let completed = ["CS 101", "MATH 120"];
    // Diversity 1 is relevance only, so the list is in score order (MMR reorders otherwise).
    let answer = rust(engine().recommend(js(json!({ "completed": completed, "k": 8, "diversity": 1.0 }))).unwrap());
    let recs = answer["recommendations"].as_array().unwrap();
    assert_eq!(recs.len(), 8);
    for pair in recs.windows(2) {
        assert!(pair[0]["score"].as_f64() >= pair[1]["score"].as_f64(), "not ranked: {pair:?}");
    }
    for r in recs {
        assert!(!completed.contains(&r["id"].as_str().unwrap()));
        assert!(!r["explanation"].as_array().unwrap().is_empty(), "no explanation for {}", r["id"]);
    }
    assert!(answer["candidates"].as_u64().unwrap() >= 8);
}

#[wasm_bindgen_test]
fn an_unknown_completed_course_is_reported_not_fatal() {
    let answer = rust(engine().recommend(js(json!({ "completed": ["NOPE 999", "CS 101"], "k": 5 }))).unwrap());
    assert_eq!(answer["unknownCourses"], json!(["NOPE 999"]));
    assert_eq!(answer["recommendations"].as_array().unwrap().len(), 5);
}

#[wasm_bindgen_test]
fn bad_arguments_are_errors_that_name_the_field() {
    let e = engine();
    assert!(message(e.recommend(js(json!({ "k": "ten" })))).starts_with("recommend.k:"));
    assert!(message(e.recommend(js(json!({ "completd": [] })))).contains("completd"));
    assert!(message(e.recommend(js(json!({ "diversity": 3 })))).contains("diversity"));
    assert!(message(e.learning_path(js(json!({ "targetSkills": "python" })))).starts_with("learningPath.targetSkills:"));
    assert!(message(e.course("NOPE 999")).contains("NOPE 999"));
    // Goal text needs the embedding model, which this engine was built without.
    assert!(message(e.recommend(js(json!({ "goalText": "machine learning" })))).contains("goalText"));
    assert_eq!(last_panic(), None, "an error must not come from a panic");
}

#[wasm_bindgen_test]
fn a_learning_path_puts_prerequisites_first() {
    let answer = rust(
        engine().learning_path(js(json!({ "targetSkills": ["machine learning"], "maxCreditsPerTerm": 9 }))).unwrap(),
    );
    let steps = answer["steps"].as_array().unwrap();
    assert!(!steps.is_empty());
    let order = ids(&answer["steps"]);
    for (i, step) in steps.iter().enumerate() {
        for before in step["after"].as_array().unwrap() {
            let at = order.iter().position(|id| Some(*id) == before.as_str()).expect("`after` names a step");
            assert!(at < i, "{} comes before its prerequisite {before}", step["id"]);
        }
    }
    for term in answer["terms"].as_array().unwrap() {
        let credits: f64 = term
            .as_array()
            .unwrap()
            .iter()
            .map(|id| steps.iter().find(|s| s["id"] == *id).unwrap()["credits"].as_f64().unwrap())
            .sum();
        assert!(credits <= 9.0, "a term of {credits} credits");
    }
}

#[wasm_bindgen_test]
fn gaps_similar_and_course_answer() {
    let e = engine();
    let gaps = rust(
        e.gaps(js(json!({ "skills": { "python": 0.2 }, "goalProfile": { "python": 0.9, "statistics": 0.8 } })))
            .unwrap(),
    );
    assert!(gaps.to_string().contains("statistics"), "{gaps}");
    let similar = rust(e.similar("CS 101", 5).unwrap());
    assert_eq!(similar.as_array().unwrap().len(), 5);
    assert!(!ids(&similar).contains(&"CS 101"));
    assert_eq!(rust(e.course("MATH 335").unwrap())["title"], "Operations Research");
}

#[wasm_bindgen_test]
fn a_corrupt_bundle_is_refused_with_the_file_named() {
    let flipped = files(|name, bytes| {
        if name == "tensors.safetensors" {
            let last = bytes.len() - 1;
            bytes[last] ^= 1;
        }
    });
    let error = Engine::new(MANIFEST, &flipped).err().expect("a flipped byte must be refused");
    let text: String = JsValue::from(error).dyn_into::<js_sys::Error>().unwrap().message().into();
    assert!(text.contains("tensors.safetensors"), "{text}");
}

/// The code and message of a JS `Error`.
fn code_and_message(error: JsValue) -> (String, String) {
    let code = Reflect::get(&error, &"code".into()).unwrap().as_string().unwrap();
    (code, error.dyn_into::<js_sys::Error>().expect("a JS Error").message().into())
}

/// The model and tokenizer hashes the demo manifest records.
fn embedder_hashes() -> (String, String) {
    let info = rust(read_manifest(MANIFEST).unwrap());
    let embedder = &info["manifest"]["embedder"];
    (embedder["model_sha256"].as_str().unwrap().into(), embedder["tokenizer_sha256"].as_str().unwrap().into())
}

#[wasm_bindgen_test]
fn the_embedder_refuses_a_model_the_manifest_does_not_name_before_parsing_it() {
    let error = Embedder::new(MANIFEST, &[1, 2, 3], b"{}").err().expect("not the manifest's model");
    let (code, text) = code_and_message(error.into());
    assert_eq!(code, "MODEL_MISMATCH", "{text}");
    assert!(text.contains("model") && text.contains("8199be6f"), "{text}");
}

#[wasm_bindgen_test]
fn goal_text_runs_through_the_attached_encoder_and_its_errors_keep_their_code() {
    let mut engine = engine();
    // Without an encoder, goal text is refused with the code the worker waits on.
    let (code, _) = code_and_message(engine.recommend(js(json!({ "goalText": "statistics" }))).unwrap_err().into());
    assert_eq!(code, "MODEL_REQUIRED");

    // An encoder for another model is refused, and the engine stays without one.
    let (model, tokenizer) = embedder_hashes();
    let unit =
        js_sys::Function::new_with_args("text", "const v = new Float32Array(384); v[text.length % 384] = 1; return v;");
    let (code, text) =
        code_and_message(engine.attach_encoder(unit.clone(), &"0".repeat(64), &tokenizer).unwrap_err().into());
    assert_eq!(code, "MODEL_MISMATCH", "{text}");
    assert!(engine.search("statistics", 3).is_err());

    // A stand-in encoder with the manifest's hashes: goal text and search run through it.
    engine.attach_encoder(unit, &model, &tokenizer).unwrap();
    let answer = rust(engine.recommend(js(json!({ "goalText": "statistics", "k": 5 }))).unwrap());
    assert_eq!(answer["recommendations"].as_array().unwrap().len(), 5);
    assert_eq!(rust(engine.search("statistics", 3).unwrap()).as_array().unwrap().len(), 3);
    let vector = engine.embed_text("statistics").unwrap();
    assert_eq!(vector.len(), 384);
    assert_eq!(vector["statistics".len()], 1.0);

    // The other module's failure reaches the caller with its code and message; a code the
    // core does not know becomes INTERNAL.
    let failing = js_sys::Function::new_no_args(
        "const e = new Error('tokenizer: cannot encode'); e.code = 'MODEL_INVALID'; throw e;",
    );
    engine.attach_encoder(failing, &model, &tokenizer).unwrap();
    let (code, text) = code_and_message(engine.search("statistics", 3).unwrap_err().into());
    assert_eq!((code.as_str(), text.as_str()), ("MODEL_INVALID", "tokenizer: cannot encode"));
    let odd = js_sys::Function::new_no_args("const e = new Error('odd'); e.code = 'NOT_A_CODE'; throw e;");
    engine.attach_encoder(odd, &model, &tokenizer).unwrap();
    assert_eq!(code_and_message(engine.search("statistics", 3).unwrap_err().into()).0, "INTERNAL");
    // An answer that is not a Float32Array is an error, not a guess.
    let wrong = js_sys::Function::new_no_args("return [1, 2, 3];");
    engine.attach_encoder(wrong, &model, &tokenizer).unwrap();
    assert_eq!(code_and_message(engine.search("statistics", 3).unwrap_err().into()).0, "INTERNAL");
}
