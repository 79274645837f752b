#!/usr/bin/env bash
# Installs wasm-bindgen-cli (wasm-bindgen-test-runner) at exactly the version of the
# wasm-bindgen crate in Cargo.lock; the two must match. Does nothing when it is already there.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$root/Cargo.lock")"
[[ -n "$version" ]] || { echo "install-wasm-bindgen: no wasm-bindgen in Cargo.lock" >&2; exit 1; }

installed="$(wasm-bindgen-test-runner --version 2>/dev/null | awk '{ print $2 }' || true)"
if [[ "$installed" == "$version" ]]; then
  exit 0
fi
echo "install-wasm-bindgen: installing wasm-bindgen-cli $version (found: ${installed:-none}); this takes several minutes"
cargo install -j"${JOBS:-2}" wasm-bindgen-cli --version "$version" --force
