//! Wayfinder's own matrix-product kernels for tract, which run the MiniLM embedder's linear
//! layers in place of tract's: `wasm.rs` for the browser (wasm32 with SIMD), `avx512.rs` and
//! `amx.rs` for the native pipeline on x86-64. `fused.rs` holds what they share: which products
//! they claim, and the one dispatch of tract's fused operations (bias, scale, residual, ...)
//! over each kernel's accumulator tile.
//!
//! Nothing runs until an edge asks for it. The kernels are compiled in by a feature (`wasm`,
//! `native`) and stay silent, whatever tract's registries hold, until the edge that wants them
//! calls [`register_wasm`] (the browser module) or [`register_native`] (the CLI, which also
//! reads the `WAYFINDER_AMX` switch). The core only asks [`active`] which kernel runs, since
//! the AMX kernel wants the model's weights as integers (the embedder rewrites the graph for
//! it). Register before loading a model: tract chooses a kernel when it plans a product.
//!
//! Every `unsafe` of Wayfinder lives here, beside the one documented exception in the core
//! (`src/mf/foldin.rs`); each block states what makes it sound.

#![cfg_attr(not(any(feature = "wasm", feature = "native")), forbid(unsafe_code))]

use std::sync::atomic::{AtomicU8, Ordering};

#[cfg(all(feature = "native", target_arch = "x86_64"))]
mod amx;
#[cfg(all(feature = "native", target_arch = "x86_64"))]
mod avx512;
#[cfg(any(
    all(feature = "native", target_arch = "x86_64"),
    all(feature = "wasm", target_arch = "wasm32", target_feature = "simd128")
))]
mod fused;
#[cfg(any(
    all(feature = "native", target_arch = "x86_64"),
    all(feature = "wasm", target_arch = "wasm32", target_feature = "simd128")
))]
mod pack;
#[cfg(all(feature = "wasm", target_arch = "wasm32", target_feature = "simd128"))]
mod wasm;

/// A kernel this process runs in place of tract's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kernel {
    /// Its name in tract's registry, as it appears in a plan's description.
    pub name: &'static str,
    /// Whether it wants each product's weights as the model's int8 integers, with the scale
    /// applied after the product (the AMX kernel multiplies them exactly as bf16, the wasm
    /// kernel as i8 widened to i16 against tokens quantized to 16 bits).
    pub integer_weights: bool,
}

/// Which kernel is registered: one of the constants below.
static ACTIVE: AtomicU8 = AtomicU8::new(NONE);
const NONE: u8 = 0;
#[cfg(all(feature = "wasm", target_arch = "wasm32", target_feature = "simd128"))]
const WASM: u8 = 1;
#[cfg(all(feature = "native", target_arch = "x86_64"))]
const AVX512: u8 = 2;
#[cfg(all(feature = "native", target_arch = "x86_64"))]
const AMX: u8 = 3;

/// The registered kernel, if an edge registered one and this machine runs it.
pub fn active() -> Option<Kernel> {
    match ACTIVE.load(Ordering::Relaxed) {
        #[cfg(all(feature = "wasm", target_arch = "wasm32", target_feature = "simd128"))]
        WASM => Some(Kernel { name: wasm::NAME, integer_weights: true }),
        #[cfg(all(feature = "native", target_arch = "x86_64"))]
        AVX512 => Some(Kernel { name: avx512::NAME, integer_weights: false }),
        #[cfg(all(feature = "native", target_arch = "x86_64"))]
        AMX => Some(Kernel { name: amx::NAME, integer_weights: true }),
        _ => None,
    }
}

/// Whether a kernel's registry entries may claim products: `states` lists the registrations
/// under which it runs.
#[cfg(any(
    all(feature = "native", target_arch = "x86_64"),
    all(feature = "wasm", target_arch = "wasm32", target_feature = "simd128")
))]
fn registered(states: &[u8]) -> bool {
    states.contains(&ACTIVE.load(Ordering::Relaxed))
}

/// Runs the browser's kernel (wasm32 with `simd128`) for tract's f32 products from now on.
/// Returns it, or `None` in a build without it (no `simd128`), where tract's own kernels run.
#[cfg(feature = "wasm")]
pub fn register_wasm() -> Option<Kernel> {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        wasm::keep();
        ACTIVE.store(WASM, Ordering::Relaxed);
    }
    active()
}

/// Lets tract's own kernels claim every product again, for the plans made from now on (the
/// browser module does so where its probe finds them faster, [`register_wasm`]'s opposite).
#[cfg(feature = "wasm")]
pub fn unregister_wasm() {
    ACTIVE.store(NONE, Ordering::Relaxed);
}

/// Whether the native kernels may use AMX where the machine has it.
#[cfg(feature = "native")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amx {
    /// AMX-BF16 where the CPU has it and the OS grants this process its state, else AVX-512.
    Allowed,
    /// AVX-512 only: for comparisons, and to test the AVX-512 kernel on an AMX machine.
    Off,
}

/// Runs the native kernels for tract's f32 products from now on: AMX where allowed and
/// available, else AVX-512 where the CPU has AVX-512F. Returns the one that runs, or `None`
/// (elsewhere, or not x86-64), where tract's own kernels run. May be called again to switch;
/// a plan keeps the kernel it was made with.
#[cfg(feature = "native")]
pub fn register_native(amx: Amx) -> Option<Kernel> {
    #[cfg(target_arch = "x86_64")]
    {
        avx512::keep();
        amx::keep();
        let state = if !is_x86_feature_detected!("avx512f") {
            NONE
        } else if amx == Amx::Allowed && amx::usable() {
            AMX
        } else {
            AVX512
        };
        ACTIVE.store(state, Ordering::Relaxed);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = amx;
    active()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_runs_until_an_edge_registers_it() {
        assert_eq!(active(), None);
    }
}
