//! The browser module: converts JS values to core requests, calls `wayfinder::api`, and
//! converts the answers back. No rule lives here; see `wayfinder::api` for the behaviour.
//!
//! The page (or the worker in `js/worker.js`) fetches the bundle, the model and the
//! tokenizer, and hands their bytes to [`Engine::new`], which validates every file against the
//! manifest's sha256 and checks that the embedder is the one that embedded the catalog.
//! The engine keeps no learner data: every call gets the learner's state as an argument.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wayfinder::api::{self, GapsQuery, PathQuery, RecommendQuery};
use wayfinder::bundle::{Bundle, Manifest};
use wayfinder::rank::Scratch;

/// Which matrix-product kernel runs the model's products in this browser: Wayfinder's
/// (`wayfinder-kernels`, 16 × 4 tiles with 16 vector accumulators) or tract's own (8 × 8).
/// Neither wins on every CPU: in headless Chromium 156, on the Intel machine the kernel was
/// written on, Wayfinder's embedded a 12-token query in 16.4 ms against tract's 19.8, while on
/// an AMD EPYC (Zen 4) it took 25.9 ms against tract's 16.1, and 272 against 112 ms at 128
/// tokens. So
/// the first model load times one of the model's largest products (1,536 × 384 weights
/// against 16 tokens) under each and keeps the faster for every plan after it.
mod kernel {
    use std::sync::OnceLock;

    use tract_onnx::prelude::*;
    use tract_onnx::tract_hir::tract_core::ops::einsum::EinSum;
    use wasm_bindgen::JsCast;

    /// The probe's best times in ms, Wayfinder's kernel then tract's (`None` if it failed),
    /// taken once per module instance.
    static PROBE: OnceLock<Option<(f64, f64)>> = OnceLock::new();

    /// What [`choose`] decided, for the page: the kernel the plans use (`None`: tract's own)
    /// and the probe's times.
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Choice {
        kernel: Option<&'static str>,
        wayfinder_ms: Option<f64>,
        tract_ms: Option<f64>,
    }

    /// The kernel in use and the probe behind it; before any model loaded, no probe.
    pub fn choice() -> Choice {
        let probe = PROBE.get().copied().flatten();
        Choice {
            kernel: wayfinder_kernels::active().map(|k| k.name),
            wayfinder_ms: probe.map(|p| p.0),
            tract_ms: probe.map(|p| p.1),
        }
    }

    /// Registers the faster kernel, probing both the first time. A probe that fails keeps
    /// Wayfinder's kernel, the one the module registered before probes existed.
    pub fn choose() {
        let ours = PROBE.get_or_init(probe).is_none_or(|(ours, theirs)| ours <= theirs);
        if ours {
            wayfinder_kernels::register_wasm();
        } else {
            wayfinder_kernels::unregister_wasm();
        }
    }

    /// The best of three timings of the product under Wayfinder's kernel and under tract's,
    /// alternating, in milliseconds per run. Each timing covers four runs (about 3 to 7 ms
    /// here), well above the 0.1 to 1 ms to which browsers round `performance.now()` on a page
    /// that is not cross-origin isolated.
    fn probe() -> Option<(f64, f64)> {
        wayfinder_kernels::register_wasm();
        let ours = plan()?;
        wayfinder_kernels::unregister_wasm();
        let theirs = plan()?;
        let n = 16;
        let input: TValue = Tensor::from_shape(&[384, n], &vec![0.5f32; 384 * n]).ok()?.into();
        let (mut best_ours, mut best_theirs) = (f64::INFINITY, f64::INFINITY);
        const RUNS: u32 = 4;
        // Untimed runs first: right after instantiation the browser may still run a kernel's
        // baseline code. Without them, one bench run in about ten timed tract's kernel at 2.6
        // times its usual cost in all three rounds and registered the slower kernel.
        for _ in 0..RUNS {
            for p in [&ours, &theirs] {
                p.run(tvec!(input.clone())).ok()?;
            }
        }
        for _ in 0..3 {
            for (p, best) in [(&ours, &mut best_ours), (&theirs, &mut best_theirs)] {
                let t0 = now()?;
                for _ in 0..RUNS {
                    p.run(tvec!(input.clone())).ok()?;
                }
                *best = best.min((now()? - t0) / f64::from(RUNS));
            }
        }
        Some((best_ours, best_theirs))
    }

    /// `W x` with `W` a constant 1,536 × 384 and `x` 384 × `n` tokens, optimised under the
    /// kernel registered now.
    fn plan() -> Option<Arc<TypedSimplePlan>> {
        let (m, k) = (1536usize, 384usize);
        let mut model = TypedModel::default();
        let n = model.sym("n").to_dim();
        let x = model.add_source("x", f32::fact(&[k.to_dim(), n])).ok()?;
        // Weights of no consequence, but not all equal: a kernel may not special-case them.
        let w: Vec<f32> = (0..m * k).map(|i| ((i * 7919) % 255) as f32 / 255.0 - 0.5).collect();
        let w = model.add_const("w", Tensor::from_shape(&[m, k], &w).ok()?).ok()?;
        let y = model.wire_node("mm", EinSum::new("mk,kn->mn".parse().ok()?, f32::datum_type()), &[w, x]).ok()?;
        model.select_output_outlets(&y).ok()?;
        model.into_optimized().ok()?.into_runnable().ok()
    }

    /// `performance.now()` of the worker or page the module runs in.
    fn now() -> Option<f64> {
        let performance = js_sys::Reflect::get(&js_sys::global(), &"performance".into()).ok()?;
        let now = js_sys::Reflect::get(&performance, &"now".into()).ok()?;
        now.dyn_into::<js_sys::Function>().ok()?.call0(&performance).ok()?.as_f64()
    }
}

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs a panic hook that keeps the panic's message: wasm32 aborts on panic, so the
/// worker catches the trap and reports [`last_panic`] as an ordinary `Error` instead of a
/// bare "unreachable".
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        let message = info.to_string();
        LAST_PANIC.with(|p| *p.borrow_mut() = Some(message));
    }));
}

/// The matrix-product kernel the model runs on in this browser and the probe that chose it
/// (`kernel::choose`): `{ kernel, wayfinderMs, tractMs }`, `kernel` null where tract's own
/// runs; the times are null before a model loads.
#[wasm_bindgen(js_name = matmulKernel)]
pub fn matmul_kernel() -> Result<JsValue, Failure> {
    to_js(&kernel::choice())
}

/// The message of the last Rust panic, if one happened (the module must then be reloaded).
#[wasm_bindgen(js_name = lastPanic)]
pub fn last_panic() -> Option<String> {
    LAST_PANIC.with(|p| p.borrow().clone())
}

/// The allocator the module runs on: the standard one, noting the size of any allocation it
/// could not make. Rust's answer to a refused allocation is an abort, which neither unwinds nor
/// reaches the panic hook, so without this note the worker could not tell running out of
/// memory (`OUT_OF_MEMORY`: close tabs, load again) from a bug (`INTERNAL`).
mod recording {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// The size of the last allocation refused, 0 when none was.
    pub static REFUSED: AtomicUsize = AtomicUsize::new(0);

    pub struct Recording;

    fn note(ptr: *mut u8, size: usize) -> *mut u8 {
        if ptr.is_null() {
            REFUSED.store(size.max(1), Ordering::Relaxed);
        }
        ptr
    }

    // SAFETY: every call is forwarded unchanged to `System`, which upholds the contract.
    unsafe impl GlobalAlloc for Recording {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            note(unsafe { System.alloc(layout) }, layout.size())
        }
        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            note(unsafe { System.alloc_zeroed(layout) }, layout.size())
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            note(unsafe { System.realloc(ptr, layout, new_size) }, new_size)
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            unsafe { System.dealloc(ptr, layout) }
        }
    }
}

#[global_allocator]
static ALLOCATOR: recording::Recording = recording::Recording;

/// The size in bytes of the last allocation the module could not make (memory ran out), if
/// one was refused; the worker reads it after a trap.
#[wasm_bindgen(js_name = lastRefusedAllocation)]
pub fn last_refused_allocation() -> Option<f64> {
    match recording::REFUSED.load(std::sync::atomic::Ordering::Relaxed) {
        0 => None,
        n => Some(n as f64),
    }
}

/// An error as JavaScript receives it: an `Error` with a stable `code` (one of
/// `wayfinder::error::ERROR_CODES`, the `ErrorCode` type in `wayfinder.d.ts`) and a message
/// that names the course, file or field, so a site branches on the code, not the words.
#[derive(Debug)]
pub struct Failure {
    code: &'static str,
    message: String,
}

impl Failure {
    fn invalid(message: String) -> Failure {
        Failure { code: "INVALID_PARAMETER", message }
    }
}

impl From<wayfinder::error::Error> for Failure {
    fn from(e: wayfinder::error::Error) -> Failure {
        Failure { code: e.code(), message: e.to_string() }
    }
}

impl From<Failure> for JsValue {
    fn from(f: Failure) -> JsValue {
        let error = js_sys::Error::new(&f.message);
        // Setting a property on a fresh Error object cannot fail.
        let _ = js_sys::Reflect::set(&error, &JsValue::from_str("code"), &JsValue::from_str(f.code));
        error.into()
    }
}

/// Converts a JS argument, naming the field in any error. It goes through a JSON value so
/// that every key of the object is seen: an unknown field is an error, not silently ignored.
fn from_js<T: DeserializeOwned>(what: &str, value: JsValue) -> Result<T, Failure> {
    let json: serde_json::Value = if value.is_undefined() || value.is_null() {
        serde_json::Value::Object(Default::default())
    } else {
        serde_wasm_bindgen::from_value(value).map_err(|e| Failure::invalid(format!("{what}: {e}")))?
    };
    serde_path_to_error::deserialize(json).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { what.to_string() } else { format!("{what}.{path}") };
        Failure::invalid(format!("{field}: {}", e.inner()))
    })
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, Failure> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| Failure { code: "INTERNAL", message: e.to_string() })
}

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

/// A loaded bundle and, when given, the embedder for goals and searches: the core's
/// [`wayfinder::engine::Engine`], which holds every rule (defaults, goal-text policy).
#[wasm_bindgen]
pub struct Engine {
    engine: wayfinder::engine::Engine,
    scratch: RefCell<Scratch>,
}

#[wasm_bindgen]
impl Engine {
    /// `files` maps each file name in the manifest to its bytes (`Uint8Array`). `model` and
    /// `tokenizer` are optional; without them goal text and search are unavailable.
    #[wasm_bindgen(constructor)]
    pub fn new(
        manifest: &[u8],
        files: &js_sys::Object,
        model: Option<Vec<u8>>,
        tokenizer: Option<Vec<u8>>,
    ) -> Result<Engine, Failure> {
        let names: Vec<String> = Bundle::manifest(manifest)?.files.keys().cloned().collect();
        let mut bytes = std::collections::BTreeMap::new();
        for name in names {
            let value = js_sys::Reflect::get(files, &JsValue::from_str(&name))
                .map_err(|_| Failure { code: "BUNDLE_CORRUPT", message: format!("files.{name}: cannot be read") })?;
            if !value.is_undefined() {
                bytes.insert(name, js_sys::Uint8Array::new(&value).to_vec());
            }
        }
        let mut engine = wayfinder::engine::Engine::from_files(manifest, |n| bytes.get(n).map(Vec::as_slice))?;
        engine = match (model, tokenizer) {
            (Some(m), Some(t)) => {
                // tract runs the faster of the two matrix-product kernels on this CPU.
                kernel::choose();
                // Hashes checked against the manifest before the model is parsed.
                engine.with_embedder_bytes(&m, &t)?
            }
            (None, None) => engine,
            _ => return Err(Failure::invalid("model and tokenizer: give both or neither".into())),
        };
        Ok(Engine { engine, scratch: RefCell::new(Scratch::default()) })
    }

    /// Adds the model and tokenizer to an engine that is already answering (the worker loads
    /// them after the bundle, so the first answers need no model); their hashes are checked
    /// against the manifest before either is parsed. On error the engine is unchanged.
    #[wasm_bindgen(js_name = attachEmbedder)]
    pub fn attach_embedder(&mut self, model: Vec<u8>, tokenizer: Vec<u8>) -> Result<(), Failure> {
        kernel::choose();
        Ok(self.engine.attach_embedder_bytes(&model, &tokenizer)?)
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

    /// One text's embedding (for benchmarks and tests).
    #[wasm_bindgen(js_name = embedText)]
    pub fn embed_text(&self, text: &str) -> Result<Vec<f32>, Failure> {
        Ok(self.engine.embed("text", text)?)
    }
}
