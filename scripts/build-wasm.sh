#!/usr/bin/env bash
# Builds the browser modules into pkg/: the wasm crate for wasm32 with SIMD, wasm-bindgen
# (--target web), the hand-written worker, client and types, then checks the size budget.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
# The size budget: each module at most 2.5 MB gzipped (the engine 0.33 MB, each embedder
# build 2.48 MB at the time of writing); the build fails past it.
budget="${WASM_GZIP_BUDGET:-2500000}"

bash scripts/install-wasm-bindgen.sh

# Two modules (crates/wasm's features): the engine, which answers from the bundle, and the
# embedder, which runs the model and is loaded only when the model is (goal text, search). The
# embedder comes in two builds: SIMD (2-3x faster inference than scalar; every current browser
# has it) and SIMD with relaxed SIMD, whose fused multiply-add makes the matrix kernels faster
# where the browser supports it (js/wasm-file.js picks at run time). The engine has one build:
# its loops gain nothing from relaxed SIMD. The relaxed build has a target directory of its
# own: different target features recompile every crate.
# Each module has its profile (Cargo.toml: wasm-release, wasm-embed), so their outputs never
# share a path.
compile() { # <target dir> <target features> <crate features> <profile> <jobs>
  CARGO_TARGET_DIR="$1" CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=$2" \
    cargo build -j"$5" --profile "$4" --target wasm32-unknown-unknown -p wayfinder-wasm --features "$3"
}
bindgen() { # <target dir> <profile> <out dir> <out name>
  # The name section (Rust function names for stack traces) is 0.4 MB of the gzipped module;
  # panics still reach the page with their message through the panic hook.
  wasm-bindgen --target web --remove-name-section --remove-producers-section --out-dir "$3" --out-name "$4" "$1/wasm32-unknown-unknown/$2/wayfinder_wasm.wasm"
}
relaxed_out="$(mktemp -d)"
# On any exit: stop a compile still running in the background, drop the relaxed build's glue.
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$relaxed_out"' EXIT
find pkg -mindepth 1 -maxdepth 1 ! -name package.json ! -name README.md -exec rm -rf {} +
# The relaxed embedder compiles beside the other two, sharing the jobs: each embedder build
# ends in a fat-LTO link that uses one core for minutes, so one after the other left a core
# idle for much of a fresh build. The engine and the plain embedder share a target directory
# and run one after the other (two cargos on one directory wait for each other's lock anyway).
n_jobs="${JOBS:-2}"
half=$(( n_jobs > 1 ? n_jobs / 2 : 1 ))
# Both directories exist before either compile starts: a cargo that finds no target directory
# creates it through a temporary sibling and a rename, and two doing so at once (the relaxed
# build's directory lies inside the other's) failed every fresh clone's first `make demo`.
mkdir -p "$target_dir/relaxed"
compile "$target_dir/relaxed" +simd128,+relaxed-simd embedder wasm-embed "$half" &
relaxed_build=$!
compile "$target_dir" +simd128 engine wasm-release "$half"
bindgen "$target_dir" wasm-release pkg wayfinder_wasm
compile "$target_dir" +simd128 embedder wasm-embed "$half"
bindgen "$target_dir" wasm-embed pkg wayfinder_embed
wait "$relaxed_build"
bindgen "$target_dir/relaxed" wasm-embed "$relaxed_out" wayfinder_embed
# One JS glue serves both embedder builds only if wasm-bindgen generated the same glue for each.
if ! cmp -s pkg/wayfinder_embed.js "$relaxed_out/wayfinder_embed.js"; then
  echo "build-wasm: the two embedder builds need different JS glue" >&2
  exit 1
fi
cp "$relaxed_out/wayfinder_embed_bg.wasm" pkg/wayfinder_embed_relaxed_bg.wasm
cp crates/wasm/js/worker.js crates/wasm/js/wasm-file.js crates/wasm/js/wayfinder.js crates/wasm/js/wayfinder.d.ts pkg/
# The package's version is the workspace's (Cargo.toml), never a second number kept by hand.
python3 - <<'PY'
import json, tomllib
version = tomllib.load(open("Cargo.toml", "rb"))["workspace"]["package"]["version"]
path = "pkg/package.json"
package = json.load(open(path))
if package.get("version") != version:
    package["version"] = version
    open(path, "w").write(json.dumps(package, indent=2) + "\n")
PY

for wasm in pkg/wayfinder_wasm_bg.wasm pkg/wayfinder_embed_bg.wasm pkg/wayfinder_embed_relaxed_bg.wasm; do
  raw=$(stat -c %s "$wasm")
  gz=$(gzip -9 -c "$wasm" | wc -c)
  echo "$wasm: $raw bytes raw, $gz bytes gzipped (budget $budget)"
  if (( gz > budget )); then
    echo "build-wasm: $wasm is over the size limit" >&2
    exit 1
  fi
done
