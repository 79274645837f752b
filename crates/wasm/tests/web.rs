//! The browser module's API, compiled to wasm32 and run in headless Chromium by
//! wasm-bindgen-test (`make test-wasm-browser`). The bundle is the demo bundle that
//! `make test-browser` builds into tests/browser/.bundle; it is compiled in, so the tests need
//! no server. The embedding model is left out here: the embedder's wasm tests
//! (crates/embed-wasm-test) and the playwright parity tests (tests/browser) cover it.
#![cfg(target_arch = "wasm32")]

use js_sys::{Object, Reflect, Uint8Array};
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;
use wayfinder_wasm::{last_panic, read_manifest, Engine, Failure};

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
    Engine::new(MANIFEST, &files(|_, _| {}), None, None).unwrap()
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
    let error = Engine::new(MANIFEST, &flipped, None, None).err().expect("a flipped byte must be refused");
    let text: String = JsValue::from(error).dyn_into::<js_sys::Error>().unwrap().message().into();
    assert!(text.contains("tensors.safetensors"), "{text}");
    let half_model =
        Engine::new(MANIFEST, &files(|_, _| {}), Some(vec![1, 2, 3]), None).err().expect("model without tokenizer");
    let text: String = JsValue::from(half_model).dyn_into::<js_sys::Error>().unwrap().message().into();
    assert!(text.contains("tokenizer"), "{text}");
}
