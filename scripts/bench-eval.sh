#!/usr/bin/env bash
# The ranking benchmark of `make bench`: the whole ranking (`wayfinder eval recommend`) on
# MovieLens 100k and MOOCCubeX (every learner with two courses a test learner), then the
# advisor's test set on the UIUC catalog (bench/advisor/advisor.py). Writes target/bench/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
data="${WAYFINDER_DATA:-$root/../shared/data}"
bin="${WAYFINDER_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/wayfinder}"
out="$root/target/bench"
mkdir -p "$out"
if [[ -d "$data/movielens100k" ]]; then
  "$bin" import movielens --dir "$data/movielens100k" --out-catalog "$out/ml.json" --out-interactions "$out/ml.csv"
  "$bin" eval recommend --catalog "$out/ml.json" --interactions "$out/ml.csv" --model model --k 10 --seed 42 --json > "$out/eval-movielens.json"
  "$bin" eval recommend --catalog "$out/ml.json" --interactions "$out/ml.csv" --model model --k 10 --seed 42
else
  echo "bench-eval: MovieLens skipped, $data/movielens100k is absent" >&2
fi
if [[ -d "$data/mooccubex_kgat" ]]; then
  "$bin" import mooccubex --dir "$data/mooccubex_kgat" --out-catalog "$out/mooc.json" --out-interactions "$out/mooc.csv"
  "$bin" eval recommend --catalog "$out/mooc.json" --interactions "$out/mooc.csv" --model model --k 10 --seed 42 --json > "$out/eval-mooccubex.json"
else
  echo "bench-eval: MOOCCubeX skipped, $data/mooccubex_kgat is absent" >&2
fi
if [[ -d "$data/uiuc_catalog" ]]; then
  "$bin" import uiuc --catalog "$data/uiuc_catalog/uiuc-2019-fa-catalog.csv" --prereqs "$data/uiuc_catalog/uiuc-prerequisites-2023.csv" \
    --out "$out/uiuc-catalog.json" --json > "$out/uiuc-import.json"
  [[ -f "$out/uiuc-bundle/manifest.json" ]] || "$bin" build --catalog "$out/uiuc-catalog.json" --model model --out "$out/uiuc-bundle" --compress-catalog --quiet
  python3 bench/advisor/advisor.py "$bin" "$out/uiuc-bundle" "$out/uiuc-catalog.json" model | tee "$out/advisor.txt"
  # Prerequisites hidden and inferred from the text, against the lists and a TF-IDF baseline;
  # how often the ranking then proposes a course whose real prerequisites are unmet.
  "$bin" eval prerequisites --catalog "$out/uiuc-catalog.json" --model model | tee "$out/eval-prerequisites.txt"
else
  echo "bench-eval: UIUC skipped, $data/uiuc_catalog is absent" >&2
fi
