#!/usr/bin/env bash
# The wasm32 half of `make test`, in one cargo invocation so that the wasm32 dependencies
# (tract above all) are compiled once, with one feature set: the embedder's parity and kernel
# tests run in Node, and the browser module's API tests (crates/wasm/tests/web.rs) in headless
# Chromium through Debian's chromedriver (CHROMEDRIVER), both under wasm-bindgen-test-runner.
# WASM_TEST_PACKAGES narrows the run (`make test-wasm-browser`: the browser module alone).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
cargo="${CARGO:-cargo}"
jobs="${JOBS:-2}"
target=wasm32-unknown-unknown

# The browser build uses wasm SIMD (2-3x faster inference in Chromium); test what ships.
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="${CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS:--C target-feature=+simd128}"

command -v node >/dev/null || { echo "test-wasm: node is needed to run the wasm tests" >&2; exit 1; }
bash scripts/install-wasm-bindgen.sh
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export WAYFINDER_MODEL_DIR="${WAYFINDER_MODEL_DIR:-$root/model}"
export WAYFINDER_FIXTURES="${WAYFINDER_FIXTURES:-$root/../shared/fixtures}"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
packages="${WASM_TEST_PACKAGES:--p wayfinder-embed-wasm-test -p wayfinder-wasm}"
# The core builds for the browser with training left out; with the flag above, so that its
# dependencies are compiled once for this and the tests.
$cargo build -j"$jobs" -p wayfinder --lib --target $target --no-default-features
# shellcheck disable=SC2086 # one word per package flag
# Both browser modules' exports in one test build (crates/wasm's features `engine`, `embedder`).
$cargo test -j"$jobs" $packages --target $target --features wayfinder-wasm/engine,wayfinder-wasm/embedder
