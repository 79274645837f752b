#!/usr/bin/env bash
# The pipeline benchmark of `make bench`: imports the real UIUC catalog (8,589 courses), builds
# its bundle with the release CLI (f16 embeddings), reports wall time, embedding courses/s and
# the bundle's raw and gzipped size, then embeds the same texts with onnxruntime (PyPI) on the
# same model file, in the same run, as the baseline. Writes target/bench/pipeline.json.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
data="${WAYFINDER_DATA:-$root/../shared/data}/uiuc_catalog"
bin="${WAYFINDER_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/wayfinder}"
out="$root/target/bench"
if [[ ! -d "$data" ]]; then
  echo "bench-pipeline: skipped, $data is absent" >&2
  exit 0
fi
mkdir -p "$out"

# Python with onnxruntime, tokenizers and numpy (`make bench-pipeline` makes a venv).
python="${PYTHON:-python3}"

"$bin" import uiuc --catalog "$data/uiuc-2019-fa-catalog.csv" --prereqs "$data/uiuc-prerequisites-2023.csv" \
  --out "$out/uiuc-catalog.json" --json > "$out/uiuc-import.json"
rm -rf "$out/uiuc-bundle"
start=$(date +%s.%N)
"$bin" build --catalog "$out/uiuc-catalog.json" --model model --out "$out/uiuc-bundle" --storage f16 --compress-catalog --quiet --json > "$out/uiuc-build.json"
end=$(date +%s.%N)
"$bin" texts --catalog "$out/uiuc-catalog.json" > "$out/uiuc-texts.jsonl"
"$python" bench/pipeline/embed_onnxruntime.py --texts "$out/uiuc-texts.jsonl" --model model \
  --bundle "$out/uiuc-bundle" > "$out/uiuc-onnxruntime.json"

raw=$(cat "$out"/uiuc-bundle/* | wc -c)
gz=$(tar -C "$out/uiuc-bundle" -cf - . | gzip -9 | wc -c)
python3 - "$out" "$start" "$end" "$raw" "$gz" <<'PY'
import json, sys
out, start, end, raw, gz = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
build = json.load(open(f"{out}/uiuc-build.json"))
ort = json.load(open(f"{out}/uiuc-onnxruntime.json"))
result = {
    "courses": build["courses"],
    "build_wall_seconds": round(end - start, 2),
    "wayfinder_embed_seconds": round(build["embed_seconds"], 2),
    "wayfinder_courses_per_second": round(build["courses_per_second"], 1),
    "onnxruntime_embed_seconds": ort["embed_seconds"],
    "onnxruntime_courses_per_second": ort["courses_per_second"],
    "min_cosine_bundle_vs_onnxruntime": ort.get("min_cosine_to_bundle"),
    "bundle_bytes": raw,
    "bundle_bytes_gzipped": gz,
}
json.dump(result, open(f"{out}/pipeline.json", "w"), indent=2)
print(json.dumps(result, indent=2))
PY
