#!/usr/bin/env bash
# The Spark ALS benchmark of `make bench` (pipeline/spark/): Spark MLlib's implicit ALS on the
# full MOOCCubeX training set, its item factors folded in per learner by the CLI (eval ranking
# --item-factors, the bundle's fold-in rule), beside Wayfinder's own implicit ALS with the same
# rank, alpha and iterations, on the same leave-one-out split: HR@10, NDCG@10, fit seconds.
# Both scale each row's ridge by its count (ALS-WR) with Wayfinder's default penalty of 1.8 per
# course, so the two fit the same model; they differ in how they solve it (Spark: exact
# Cholesky solves on the JVM; Wayfinder: three warm-started conjugate-gradient steps).
# Writes target/bench/spark-*.json. Installs Java and the venv when missing (scripts/spark-env.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
data="${WAYFINDER_DATA:-$root/../shared/data}"
bin="${WAYFINDER_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/wayfinder}"
work="${CARGO_TARGET_DIR:-$root/target}/spark/bench"
out="$root/target/bench"
kgat="$data/mooccubex_kgat"
factors=64 reg=1.8 alpha=40 iterations=15
if [[ ! -f "$kgat/train.txt" ]]; then
  echo "bench-spark: skipped, $kgat is absent" >&2
  exit 0
fi
python="$(bash scripts/spark-env.sh | tail -n 1)"
mkdir -p "$out" "$work"
rm -rf "$work/factors"

# kgat lines are `learner course course ...`; a repeated pair is dropped, as eval ranking does.
awk 'BEGIN { print "learner,course" } { for (i = 2; i <= NF; i++) if (!seen[$1 "," $i]++) print $1 "," $i }' \
  "$kgat/train.txt" > "$work/enrolments.csv"
start=$SECONDS
nice -n 10 "$python" pipeline/spark/train_als.py --input "$work/enrolments.csv" --rank "$factors" --alpha "$alpha" \
  --max-iter "$iterations" --reg-param "$reg" --min-cohort 1 --driver-memory "${SPARK_DRIVER_MEMORY:-8g}" \
  --out "$work/factors"
spark_wall=$((SECONDS - start))
cp "$work/factors/als.json" "$out/spark-mooccubex-als.json"
"$bin" eval ranking --train "$kgat/train.txt" --test "$kgat/test.txt" --format kgat \
  --item-factors "$work/factors" --json > "$out/spark-mooccubex-spark.json"
"$bin" eval ranking --train "$kgat/train.txt" --test "$kgat/test.txt" --format kgat \
  --factors "$factors" --reg "$reg" --alpha "$alpha" --iterations "$iterations" --json > "$out/spark-mooccubex-native.json"
"$python" - "$out" "$spark_wall" <<'PY'
import json, sys
out, spark_wall = sys.argv[1], int(sys.argv[2])
als = json.load(open(f"{out}/spark-mooccubex-als.json"))
spark = json.load(open(f"{out}/spark-mooccubex-spark.json"))
native = json.load(open(f"{out}/spark-mooccubex-native.json"))
print(f"MOOCCubeX leave-one-out, rank {als['rank']}, alpha {als['alpha']:g}, {als['max_iter']} iterations"
      f" ({als['learners']} learners, {als['courses']} courses, {als['interactions']} pairs)")
solver = native["params"].get("solver")
solver = "Cholesky" if solver == "cholesky" else f"CG {solver['conjugate_gradient']['steps']} steps" if isinstance(solver, dict) else str(solver)
rows = [
    (f"Spark MLlib ALS, reg {als['reg_param']:g}·count (Cholesky), folded in", spark, als["fit_seconds"]),
    (f"Wayfinder ALS, reg {native['params']['reg']:g}·count ({solver})", native, native["fit_seconds"]),
]
width = max(len(name) for name, _, _ in rows)
print(f"{'model':<{width}} {'HR@10':>7} {'NDCG@10':>8} {'fit (s)':>8}")
for name, report, fit in rows:
    print(f"{name:<{width}} {report['hr']:>7.4f} {report['ndcg']:>8.4f} {fit:>8.2f}")
print(f"(the Spark job took {spark_wall} s in all, with Spark's start and the input's preparation)")
PY
