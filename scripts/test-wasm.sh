#!/usr/bin/env bash
# The embedder half of `make test-wasm`: the core builds for wasm32 with embeddings, and the
# embedder's parity tests pass compiled to wasm32 and run in Node (wasm-bindgen-test-runner).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
cargo="${CARGO:-cargo}"
jobs="${JOBS:-2}"
target=wasm32-unknown-unknown

# The browser build uses wasm SIMD (2-3x faster inference in Chromium); test what ships.
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="${CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS:--C target-feature=+simd128}"

# The core does not choose getrandom's JS backend (a final wasm crate does); name it here.
$cargo build -j"$jobs" -p wayfinder --lib --target $target --no-default-features --features embed,tract-onnx/getrandom-js

command -v node >/dev/null || { echo "test-wasm: node is needed to run the wasm tests" >&2; exit 1; }
bash scripts/install-wasm-bindgen.sh
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export WAYFINDER_MODEL_DIR="${WAYFINDER_MODEL_DIR:-$root/model}"
export WAYFINDER_FIXTURES="${WAYFINDER_FIXTURES:-$root/../shared/fixtures}"
$cargo test -j"$jobs" -p wayfinder-embed-wasm-test --target $target
