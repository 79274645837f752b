#!/usr/bin/env bash
# The scale benchmark of `make bench`: a seeded synthetic catalog of 100,000 courses with
# enrolments (bench/scale/make_catalog.py) built into a bundle by the release CLI, whose size
# must stay within 40 MB; bench-browser then loads it in Chromium and times recommend()
# through the worker (the `100k` rows). Writes target/bench/scale-build.json.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bin="${WAYFINDER_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/wayfinder}"
courses="${SCALE_COURSES:-100000}"
out="$root/target/bench"
data="$out/scale-data"
bundle="$out/scale-bundle"
mkdir -p "$out"
python3 bench/scale/make_catalog.py "$data" --courses "$courses"
rm -rf "$bundle"
start=$(date +%s)
"$bin" build --catalog "$data/catalog.json" --interactions "$data/enrollments.csv" --model model \
  --out "$bundle" --quiet --json > "$out/scale-build.json"
seconds=$(( $(date +%s) - start ))
python3 - "$out/scale-build.json" "$bundle" "$seconds" <<'PY'
import json, os, sys
summary, bundle, seconds = json.load(open(sys.argv[1])), sys.argv[2], int(sys.argv[3])
sizes = {f: os.path.getsize(os.path.join(bundle, f)) for f in sorted(os.listdir(bundle))}
total = sum(sizes.values())
e = summary["embeddings"]
print(f"scale bundle: {summary['courses']} courses, {summary['learners']} learners, built in {seconds} s")
for f, b in sizes.items():
    print(f"  {f:<22} {b / 1e6:8.2f} MB")
print(f"  {'total':<22} {total / 1e6:8.2f} MB (limit 40 MB)")
print(f"embeddings: {e['dim']} of {e['model_dim']} dimensions as {e['storage']}; "
      f"content-neighbour recall@10 by width: {e['recall_by_dim']}; full width at this precision: {e['full_dim_recall']}")
print(f"tuning: {summary['tuning'] and summary['tuning'].get('fallback')}")
print(f"privacy: {summary['privacy']}")
json.dump({"bytes": sizes, "total_bytes": total, "seconds": seconds, "embeddings": e}, open(sys.argv[1].replace(".json", "-sizes.json"), "w"), indent=2)
sys.exit(0 if total <= 40e6 else 1)
PY
