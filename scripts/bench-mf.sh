#!/usr/bin/env bash
# The matrix-factorization benchmark of `make bench`: MovieLens 100k 5-fold RMSE (biased MF),
# then MOOCCubeX leave-one-out HR@10 of Wayfinder's implicit ALS beside the `implicit`
# library's ALS (PyPI) with the same parameters on the same split, in the same run, so their
# fit times compare. Writes target/bench/mf-*.json.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
data="${WAYFINDER_DATA:-$root/../shared/data}"
bin="${WAYFINDER_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/wayfinder}"
python="${PYTHON:-python3}"
out="$root/target/bench"
mkdir -p "$out"
if [[ -f "$data/movielens100k/u.data" ]]; then
  "$bin" eval ratings --ratings "$data/movielens100k/u.data" | tee "$out/mf-movielens.txt"
else
  echo "bench-mf: MovieLens skipped, $data/movielens100k is absent" >&2
fi
kgat="$data/mooccubex_kgat"
if [[ -f "$kgat/train.txt" ]]; then
  for params in "64 10 40" "128 200 40"; do
    read -r factors reg alpha <<< "$params"
    "$bin" eval ranking --train "$kgat/train.txt" --test "$kgat/test.txt" --format kgat \
      --factors "$factors" --reg "$reg" --alpha "$alpha" --json > "$out/mf-mooccubex-wayfinder-$factors.json"
    OPENBLAS_NUM_THREADS=1 "$python" bench/mf/als_implicit.py "$kgat/train.txt" "$kgat/test.txt" \
      --factors "$factors" --reg "$reg" --alpha "$alpha" > "$out/mf-mooccubex-implicit-$factors.json"
    "$python" - "$out/mf-mooccubex-wayfinder-$factors.json" "$out/mf-mooccubex-implicit-$factors.json" <<'PY'
import json, sys
ours, theirs = (json.load(open(p)) for p in sys.argv[1:3])
print(f"MOOCCubeX ALS {theirs['params']}: Wayfinder HR@10 {ours['hr']:.4f} fit {ours['fit_seconds']:.2f} s;"
      f" implicit HR@10 {theirs['hr']:.4f} fit {theirs['fit_seconds']:.2f} s;"
      f" fit ratio {theirs['fit_seconds'] / ours['fit_seconds']:.2f}x")
PY
  done
else
  echo "bench-mf: MOOCCubeX skipped, $kgat is absent" >&2
fi
