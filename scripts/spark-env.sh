#!/usr/bin/env bash
# The Spark ALS job's environment (pipeline/spark/): a Java runtime >= 17 (Debian's
# openjdk-17-jre-headless, installed when `java` is missing) and a venv with the pinned
# pipeline/spark/requirements.txt from PyPI (pyspark's wheel carries Spark's jars), at
# ${SPARK_VENV:-${CARGO_TARGET_DIR:-target}/spark/pyenv}. Installs only what is missing, so a
# second run is quiet. Run it, or source it: either way the last line it prints is the venv's
# python, and a sourcing shell also gets SPARK_PYTHON set to it. SPARK_BASE_PYTHON (default
# python3, 3.11 here) makes the venv.
_spark_env() {
  local root req venv want java_major have
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  req="$root/pipeline/spark/requirements.txt"
  venv="${SPARK_VENV:-${CARGO_TARGET_DIR:-target}/spark/pyenv}"
  [[ "$venv" = /* ]] || venv="$root/$venv"

  if ! command -v java >/dev/null 2>&1; then
    echo "spark-env: installing Debian's openjdk-17-jre-headless" >&2
    apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y openjdk-17-jre-headless >&2 || return 1
  fi
  java_major=$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')
  if [[ -z "$java_major" || "${java_major%%.*}" -lt 17 ]]; then
    echo "spark-env: java ${java_major:-?} is older than 17; install openjdk-17-jre-headless (Spark 3.5 runs on Java 17)" >&2
    return 1
  fi

  want=$(sed -n 's/^pyspark==\([^[:space:]#]*\).*/\1/p' "$req")
  have=""
  if [[ -x "$venv/bin/python" ]]; then
    have=$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("pyspark"))' 2>/dev/null || true)
  fi
  # The pinned pyspark, installed from this very requirements file (a copy stays in the venv).
  if [[ "$have" != "$want" ]] || ! cmp -s "$req" "$venv/requirements.txt"; then
    echo "spark-env: installing $req into $venv" >&2
    local python="${SPARK_BASE_PYTHON:-python3}"
    [[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv" >&2 || return 1
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req" >&2 || return 1
    cp "$req" "$venv/requirements.txt"
  fi
  SPARK_PYTHON="$venv/bin/python"
  echo "$SPARK_PYTHON"
}
if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
  _spark_env
else
  set -euo pipefail
  _spark_env
fi
