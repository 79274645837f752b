//! The browser modules: convert JS values to core requests, call `wayfinder::api`, and
//! convert the answers back. No rule lives here; see `wayfinder::api` for the behaviour.
//!
//! Two modules are built from this crate (its features; `scripts/build-wasm.sh`):
//! - `engine` ([`Engine`]): the worker (`js/worker.js`) fetches the bundle and hands its bytes
//!   to [`Engine::new`], which validates every file against the manifest's sha256. It answers
//!   everything but goal text and search, with no model in the module.
//! - `embedder` (`Embedder`): when the model is wanted, the worker loads this second module,
//!   hands it the manifest, the model and the tokenizer (hashes checked against the manifest
//!   before either is parsed), and attaches it to the engine ([`Engine::attach_encoder`]): the
//!   engine calls it through a JS function for each goal or search text.
//!
//! Neither keeps learner data: every call gets the learner's state as an argument.
#![cfg(target_arch = "wasm32")]

use serde::Serialize;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

#[cfg(feature = "embedder")]
mod embedder;
#[cfg(feature = "engine")]
mod engine;
#[cfg(feature = "embedder")]
pub use embedder::Embedder;
#[cfg(feature = "engine")]
pub use engine::{read_manifest, Engine};

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
    pub(crate) code: &'static str,
    pub(crate) message: String,
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

pub(crate) fn to_js<T: Serialize>(value: &T) -> Result<JsValue, Failure> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| Failure { code: "INTERNAL", message: e.to_string() })
}
