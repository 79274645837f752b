//! Nothing to see here: this crate exists for `tests/parity.rs`, which checks the MiniLM
//! embedder compiled to `wasm32-unknown-unknown` against the Python reference fixture, in
//! Node, through wasm-bindgen-test. Run it with `make test-wasm` (scripts/test-wasm.sh).
