#!/usr/bin/env bash
# The matrix-factorization benchmark of `make bench`: MovieLens 100k 5-fold RMSE (SVD++ and biased MF),
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
  # The default (SVD++'s implicit term on), then plain biased MF, on the same folds.
  "$bin" eval ratings --ratings "$data/movielens100k/u.data" | tee "$out/mf-movielens.txt"
  "$bin" eval ratings --ratings "$data/movielens100k/u.data" --implicit-reg 0 | tee "$out/mf-movielens-plain.txt"
else
  echo "bench-mf: MovieLens skipped, $data/movielens100k is absent" >&2
fi
kgat="$data/mooccubex_kgat"
if [[ -f "$kgat/train.txt" ]]; then
  # Wayfinder's default ridge grows with each row's count (reg 1.8 per course); `implicit` has
  # only a constant ridge, so it runs with the constant λ of the same row (10, then 200). The
  # constant ridge is also run in Wayfinder, for the same model side by side.
  for params in "64 1.8 10 40" "128 1.8 200 40"; do
    read -r factors reg lambda alpha <<< "$params"
    "$bin" eval ranking --train "$kgat/train.txt" --test "$kgat/test.txt" --format kgat \
      --factors "$factors" --reg "$reg" --alpha "$alpha" --json > "$out/mf-mooccubex-wayfinder-$factors.json"
    "$bin" eval ranking --train "$kgat/train.txt" --test "$kgat/test.txt" --format kgat --reg-scaling constant \
      --factors "$factors" --reg "$lambda" --alpha "$alpha" --json > "$out/mf-mooccubex-wayfinder-constant-$factors.json"
    OPENBLAS_NUM_THREADS=1 "$python" bench/mf/als_implicit.py "$kgat/train.txt" "$kgat/test.txt" \
      --factors "$factors" --reg "$lambda" --alpha "$alpha" > "$out/mf-mooccubex-implicit-$factors.json"
    "$python" - "$out/mf-mooccubex-wayfinder-$factors.json" "$out/mf-mooccubex-wayfinder-constant-$factors.json" \
      "$out/mf-mooccubex-implicit-$factors.json" <<'PY'
import json, sys
ours, constant, theirs = (json.load(open(p)) for p in sys.argv[1:4])
print(f"MOOCCubeX ALS, {ours['params']['factors']} factors: Wayfinder (ridge {ours['params']['reg']} per course)"
      f" HR@10 {ours['hr']:.4f} fit {ours['fit_seconds']:.2f} s; Wayfinder (constant λ {constant['params']['reg']})"
      f" HR@10 {constant['hr']:.4f} fit {constant['fit_seconds']:.2f} s; implicit {theirs['params']}"
      f" HR@10 {theirs['hr']:.4f} fit {theirs['fit_seconds']:.2f} s; fit ratio implicit / Wayfinder"
      f" {theirs['fit_seconds'] / ours['fit_seconds']:.2f}x")
PY
  done
else
  echo "bench-mf: MOOCCubeX skipped, $kgat is absent" >&2
fi
