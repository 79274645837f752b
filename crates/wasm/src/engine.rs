//! The engine module's API: a loaded bundle answering recommend, paths, gaps, courses and the
//! graph with no model in the module, and goal text and search once the worker attaches the
//! embedder module ([`Engine::attach_encoder`]).

use std::cell::RefCell;

use serde::de::DeserializeOwned;
use serde::Serialize;

use wasm_bindgen::prelude::*;
use wayfinder::api::{self, GapsQuery, PathQuery, RecommendQuery};
use wayfinder::bundle::{Bundle, Manifest};
use wayfinder::engine::TextEncoder;
use wayfinder::error::Error;
use wayfinder::rank::Scratch;

use crate::{to_js, Failure};

/// Parses and checks a manifest alone, so the loader knows which files to fetch, their
/// hashes and sizes, and the cache name.
#[wasm_bindgen(js_name = readManifest)]
pub fn read_manifest(bytes: &[u8]) -> Result<JsValue, Failure> {
    let manifest = Bundle::manifest(bytes)?;
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Info<'a> {
        manifest: &'a Manifest,
        cache_key: String,
    }
    to_js(&Info { cache_key: manifest.cache_key(), manifest: &manifest })
}

/// A loaded bundle and, once attached, the encoder for goals and searches: the core's
/// [`wayfinder::engine::Engine`], which holds every rule (defaults, goal-text policy).
#[wasm_bindgen]
pub struct Engine {
    engine: wayfinder::engine::Engine,
    scratch: RefCell<Scratch>,
}

/// The embedder module's `embed`, called through the worker: a JS function from a text to
/// its embedding (`Float32Array`), which throws an `Error` with a `code` when it fails.
struct JsEncoder(js_sys::Function);

impl TextEncoder for JsEncoder {
    fn encode(&self, text: &str) -> wayfinder::error::Result<Vec<f32>> {
        match self.0.call1(&JsValue::NULL, &JsValue::from_str(text)) {
            Ok(vector) => match vector.dyn_into::<js_sys::Float32Array>() {
                Ok(vector) => Ok(vector.to_vec()),
                Err(_) => Err(Error::encoder("INTERNAL", "the embedder returned something other than a Float32Array")),
            },
            Err(error) => {
                let get =
                    |key: &str| js_sys::Reflect::get(&error, &JsValue::from_str(key)).ok().and_then(|v| v.as_string());
                let message = get("message").unwrap_or_else(|| format!("{error:?}"));
                Err(Error::encoder(&get("code").unwrap_or_default(), message))
            }
        }
    }
}

#[wasm_bindgen]
impl Engine {
    /// `files` maps each file name in the manifest to its bytes (`Uint8Array`).
    #[wasm_bindgen(constructor)]
    pub fn new(manifest: &[u8], files: &js_sys::Object) -> Result<Engine, Failure> {
        let names: Vec<String> = Bundle::manifest(manifest)?.files.keys().cloned().collect();
        let mut bytes = std::collections::BTreeMap::new();
        for name in names {
            let value = js_sys::Reflect::get(files, &JsValue::from_str(&name))
                .map_err(|_| Failure { code: "BUNDLE_CORRUPT", message: format!("files.{name}: cannot be read") })?;
            if !value.is_undefined() {
                bytes.insert(name, js_sys::Uint8Array::new(&value).to_vec());
            }
        }
        let engine = wayfinder::engine::Engine::from_files(manifest, |n| bytes.get(n).map(Vec::as_slice))?;
        Ok(Engine { engine, scratch: RefCell::new(Scratch::default()) })
    }

    /// Attaches the encoder for goal text and search: `encode(text)` returns the text's
    /// embedding as a `Float32Array` (the embedder module's `Embedder.embed`), and the two
    /// hashes name the model and tokenizer it runs, which must be the ones the manifest says
    /// embedded the catalog (`MODEL_MISMATCH` otherwise). On error the engine is unchanged.
    #[wasm_bindgen(js_name = attachEncoder)]
    pub fn attach_encoder(
        &mut self,
        encode: js_sys::Function,
        model_sha256: &str,
        tokenizer_sha256: &str,
    ) -> Result<(), Failure> {
        Ok(self.engine.attach_encoder(Box::new(JsEncoder(encode)), model_sha256, tokenizer_sha256)?)
    }

    /// Ranked, diversified, explained recommendations for the learner in `query`.
    pub fn recommend(&self, query: JsValue) -> Result<JsValue, Failure> {
        let query: RecommendQuery = from_js("recommend", query)?;
        to_js(&api::recommend(&self.engine, &query, &mut self.scratch.borrow_mut())?)
    }

    #[wasm_bindgen(js_name = learningPath)]
    pub fn learning_path(&self, query: JsValue) -> Result<JsValue, Failure> {
        to_js(&api::learning_path(&self.engine, &from_js::<PathQuery>("learningPath", query)?)?)
    }

    pub fn gaps(&self, query: JsValue) -> Result<JsValue, Failure> {
        to_js(&api::gaps(&self.engine, &from_js::<GapsQuery>("gaps", query)?)?)
    }

    pub fn similar(&self, course_id: &str, k: usize) -> Result<JsValue, Failure> {
        to_js(&api::similar(&self.engine, course_id, k)?)
    }

    /// Semantic search: the courses closest in meaning to `text`.
    pub fn search(&self, text: &str, k: usize) -> Result<JsValue, Failure> {
        to_js(&api::search(&self.engine, text, k)?)
    }

    pub fn course(&self, id: &str) -> Result<JsValue, Failure> {
        to_js(&api::course(&self.engine, id)?)
    }

    pub fn courses(&self) -> Result<JsValue, Failure> {
        to_js(&api::courses(&self.engine))
    }

    pub fn graph(&self) -> Result<JsValue, Failure> {
        to_js(&api::graph(&self.engine))
    }

    pub fn manifest(&self) -> Result<JsValue, Failure> {
        to_js(&self.engine.manifest())
    }

    /// One text's embedding as the engine uses it (projected where the catalog is stored in
    /// fewer dimensions), through the attached encoder; for benchmarks and tests.
    #[wasm_bindgen(js_name = embedText)]
    pub fn embed_text(&self, text: &str) -> Result<Vec<f32>, Failure> {
        Ok(self.engine.embed("text", text)?)
    }
}

fn invalid(message: String) -> Failure {
    Failure { code: "INVALID_PARAMETER", message }
}

/// Converts a JS argument, naming the field in any error. It goes through a JSON value so
/// that every key of the object is seen: an unknown field is an error, not silently ignored.
fn from_js<T: DeserializeOwned>(what: &str, value: JsValue) -> Result<T, Failure> {
    let json: serde_json::Value = if value.is_undefined() || value.is_null() {
        serde_json::Value::Object(Default::default())
    } else {
        serde_wasm_bindgen::from_value(value).map_err(|e| invalid(format!("{what}: {e}")))?
    };
    serde_path_to_error::deserialize(json).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { what.to_string() } else { format!("{what}.{path}") };
        invalid(format!("{field}: {}", e.inner()))
    })
}
