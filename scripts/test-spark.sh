#!/usr/bin/env bash
# The Spark ALS job's tests in `make test` (pipeline/spark/): on a bounded slice of the real
# MOOCCubeX enrolments (the first 3,000 learners of ../shared/data/mooccubex_kgat/train.txt)
# it trains implicit ALS with --min-cohort 1 and 10, and explicit ALS on the first 20,000
# MovieLens 100k ratings; check_foldin.py then solves each check learner's closed-form fold-in
# against the written item factors with numpy and compares it with Spark's own factors, and the
# minimum cohort's run must zero exactly the small courses. The Rust tests read the output
# directories through WAYFINDER_SPARK_OUT (this script's $out). Skipped, with a message, when
# the data is absent. Installs Java and the venv first when missing (scripts/spark-env.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
data="${WAYFINDER_DATA:-$root/../shared/data}"
out="${WAYFINDER_SPARK_OUT:-${CARGO_TARGET_DIR:-target}/spark/slice}"
learners="${SPARK_TEST_LEARNERS:-3000}"
kgat="$data/mooccubex_kgat/train.txt"
movielens="$data/movielens100k/u.data"
if [[ ! -f "$kgat" ]]; then
  echo "test-spark: skipped, $kgat is absent"
  exit 0
fi
python="$(bash scripts/spark-env.sh | tail -n 1)"
# Small data: 2 ALS blocks instead of Spark's 10 and the JVM's quick compiler alone halve the
# CPU time of these short runs; neither changes the rule the checks test.
job=(nice -n 10 "$python" pipeline/spark/train_als.py --quiet --blocks 2
  --java-options "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
mkdir -p "$out"
rm -rf "$out/factors" "$out/factors-cohort10" "$out/factors-explicit" "$out/check" "$out/check-explicit"
start=$SECONDS

# kgat lines are `learner course course ...`; the CSV keeps their duplicates (summed as counts).
awk -v n="$learners" 'BEGIN { print "learner,course" } NR > n { exit } { for (i = 2; i <= NF; i++) print $1 "," $i }' \
  "$kgat" > "$out/enrolments.csv"
"${job[@]}" --input "$out/enrolments.csv" --rank 16 --reg-param 0.05 --alpha 10 --max-iter 10 --min-cohort 1 \
  --check-learners 200 --check-out "$out/check" --out "$out/factors"
"$python" pipeline/spark/check_foldin.py "$out/factors" "$out/check"
"${job[@]}" --input "$out/enrolments.csv" --rank 16 --reg-param 0.05 --alpha 10 --max-iter 10 --min-cohort 10 \
  --out "$out/factors-cohort10"
"$python" - "$out/factors" "$out/factors-cohort10" <<'PY'
# The minimum cohort zeroes exactly the courses with fewer than 10 learners and no other row.
import csv, json, sys
import numpy as np
from safetensors.numpy import load_file
(all_dir, cohort_dir) = sys.argv[1:3]
rows = lambda d: list(csv.reader(open(f"{d}/courses.csv", newline="")))[1:]
assert rows(all_dir) == rows(cohort_dir), "the two runs list different courses"
small = np.array([int(n) < 10 for _, _, n in rows(cohort_dir)])
full, cut = (load_file(f"{d}/item_factors.safetensors")["item_factors"] for d in (all_dir, cohort_dir))
meta = json.load(open(f"{cohort_dir}/als.json"))
assert meta["min_cohort"] == 10 and meta["courses_below_min_cohort"] == int(small.sum()), meta
assert not cut[small].any(), "a course below the minimum cohort has a non-zero row"
assert (np.abs(full[~small]).sum(axis=1) > 0).all(), "a course at or above the minimum cohort has a zero row"
drift = np.abs(cut[~small] - full[~small]).max() / np.abs(full[~small]).max()
assert drift < 1e-3, f"the same training gave different factors ({drift:.2e})"
print(f"test-spark: min cohort 10 zeroed {small.sum()} of {len(small)} courses; the other rows match the"
      f" --min-cohort 1 run to {drift:.1e} (relative)")
PY
if [[ -f "$movielens" ]]; then
  awk -F'\t' 'BEGIN { print "learner,course,rating" } NR > 20000 { exit } { print $1 "," $2 "," $3 }' \
    "$movielens" > "$out/ratings.csv"
  "${job[@]}" --input "$out/ratings.csv" --rating-col rating --explicit --rank 8 --reg-param 0.1 --max-iter 10 \
    --min-cohort 1 --check-learners 100 --check-out "$out/check-explicit" --out "$out/factors-explicit"
  "$python" pipeline/spark/check_foldin.py "$out/factors-explicit" "$out/check-explicit" --explicit
else
  echo "test-spark: the explicit run skipped, $movielens is absent"
fi
# The demo catalog's bundle built from Spark's factors: the manifest names Spark's fold-in rule
# and the minimum cohort, and the CLI answers from it as the browser would.
if [[ -n "${WAYFINDER_BIN:-}" ]]; then
  rm -rf "$out/demo-factors" "$out/demo-bundle"
  "${job[@]}" --input data/demo/enrollments.csv --learner-col user --course-col course --rank 16 \
    --reg-param 0.05 --alpha 10 --max-iter 10 --out "$out/demo-factors"
  "$WAYFINDER_BIN" build --catalog data/demo/catalog.json --taxonomy data/demo/taxonomy.json \
    --item-factors "$out/demo-factors" --model model --out "$out/demo-bundle" --quiet
  "$WAYFINDER_BIN" recommend --bundle "$out/demo-bundle" --completed "CS 101,MATH 120" -k 10 --json \
    > "$out/demo-answer.json"
  python3 - "$out/demo-factors" "$out/demo-bundle" "$out/demo-answer.json" <<'PY'
import csv, json, sys
factors, bundle, answer = sys.argv[1:4]
manifest = json.load(open(f"{bundle}/manifest.json"))
learners = {c: int(n) for _, c, n in list(csv.reader(open(f"{factors}/courses.csv")))[1:]}
catalog = [c["id"] for c in json.load(open("data/demo/catalog.json"))["courses"]]
# Below the cohort: fewer than 10 learners where Spark trained, or none at all.
small = sorted(c for c in catalog if learners.get(c, 0) < 10)
assert manifest["model"]["fold_in_rule"] == "count_scaled", manifest["model"]
assert manifest["privacy"]["min_cohort"] == 10, manifest["privacy"]
assert sorted(manifest["privacy"]["below_min_cohort"]) == small, (small, manifest["privacy"])
assert manifest["privacy"]["courses_below_min_cohort"] == len(small), manifest["privacy"]
recs = json.load(open(answer))["recommendations"]
assert len(recs) == 10 and not {"CS 101", "MATH 120"} & {r["id"] for r in recs}, recs
print(f"test-spark: the demo bundle from Spark's factors ({manifest['counts']['factors']} factors, "
      f"{len(manifest['privacy']['below_min_cohort'])} courses below the minimum cohort) answered: "
      + ", ".join(r["id"] for r in recs[:5]) + ", ...")
PY
fi
echo "test-spark: done in $((SECONDS - start)) s; WAYFINDER_SPARK_OUT=$out holds:"
for d in factors factors-cohort10 factors-explicit check check-explicit; do
  [[ -d "$out/$d" ]] && echo "  $out/$d"
done
