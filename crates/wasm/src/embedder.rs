//! The embedder module's API: the embedding model for goal text and search, loaded by the
//! worker only when the model is wanted, and attached to the engine module's [`Engine`]
//! (`Engine.attachEncoder`) as its encoder.

use wasm_bindgen::prelude::*;
use wayfinder::bundle::Bundle;

use crate::{to_js, Failure};

/// The model and tokenizer of a bundle, ready to embed texts.
#[wasm_bindgen]
pub struct Embedder {
    embedder: wayfinder::embed::Embedder,
}

#[wasm_bindgen]
impl Embedder {
    /// Loads the model and tokenizer that the bundle's manifest names: their hashes are
    /// checked against the manifest before either is parsed (`MODEL_MISMATCH` otherwise), and
    /// tract runs the faster of the two matrix-product kernels on this CPU.
    #[wasm_bindgen(constructor)]
    pub fn new(manifest: &[u8], model: &[u8], tokenizer: &[u8]) -> Result<Embedder, Failure> {
        let manifest = Bundle::manifest(manifest)?;
        let expected = manifest.embedder_info()?;
        kernel::choose();
        let embedder = wayfinder::embed::Embedder::from_expected_bytes(model, tokenizer, expected)?;
        Ok(Embedder { embedder })
    }

    /// The text's unit-length embedding in the model's space (the engine projects it where the
    /// catalog is stored in fewer dimensions).
    pub fn embed(&self, text: &str) -> Result<js_sys::Float32Array, Failure> {
        Ok(js_sys::Float32Array::from(self.embedder.embed(text)?.vector.as_slice()))
    }

    /// The sha256 of the model this embedder runs, for `Engine.attachEncoder`'s check.
    #[wasm_bindgen(js_name = modelSha256)]
    pub fn model_sha256(&self) -> String {
        self.embedder.model_sha256().to_owned()
    }

    /// The sha256 of its tokenizer.
    #[wasm_bindgen(js_name = tokenizerSha256)]
    pub fn tokenizer_sha256(&self) -> String {
        self.embedder.tokenizer_sha256().to_owned()
    }
}

/// The matrix-product kernel the model runs on in this browser and the probe that chose it
/// (`kernel::choose`): `{ kernel, wayfinderMs, tractMs }`, `kernel` null where tract's own
/// runs; the times are null before a model loads.
#[wasm_bindgen(js_name = matmulKernel)]
pub fn matmul_kernel() -> Result<JsValue, Failure> {
    to_js(&kernel::choice())
}

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
        // Integers in -127..=127, as the model's weights reach Wayfinder's kernel (the
        // embedder moves their scale after the product for it, `Kernel::integer_weights`).
        // (In u64: on wasm32, `i * 7919` passes usize::MAX for the last third of the entries.)
        let w: Vec<f32> = (0..m * k).map(|i| ((i as u64 * 7919) % 255) as f32 - 127.0).collect();
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
