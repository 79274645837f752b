#!/usr/bin/env bash
# The advisor's test set in `make test` (bench/advisor/advisor.py): 25 learners, 20 on a
# bounded slice of the real UIUC catalog (when ../shared/data holds it) and 5 on the demo
# bundle, each list checked for equivalents of completed courses, courses above the level
# rule, reasons their numbers do not support, and a goal's field missing from the top 10.
# The full catalog runs in `make bench-eval`.
set -euo pipefail
bin=${WAYFINDER_BIN:?set WAYFINDER_BIN to the wayfinder CLI}
data=${WAYFINDER_DATA:-../shared/data}
out=${ADVISOR_OUT:-target/advisor}
demo_bundle=${DEMO_BUNDLE:-www/bundle}
mkdir -p "$out"
if [[ -d "$data/uiuc_catalog" ]]; then
  "$bin" import uiuc --catalog "$data/uiuc_catalog/uiuc-2019-fa-catalog.csv" --prereqs "$data/uiuc_catalog/uiuc-prerequisites-2023.csv" \
    --out "$out/uiuc-catalog.json" --json > /dev/null
  python3 bench/advisor/advisor.py --slice "$out/uiuc-catalog.json" "$out/uiuc-slice.json"
  rm -rf "$out/uiuc-slice-bundle"
  "$bin" build --catalog "$out/uiuc-slice.json" --model model --out "$out/uiuc-slice-bundle" --quiet
  python3 bench/advisor/advisor.py "$bin" "$out/uiuc-slice-bundle" "$out/uiuc-slice.json" model "$demo_bundle" data/demo/catalog.json
else
  echo "test-advisor: the UIUC learners skipped, $data/uiuc_catalog is absent; the demo learners only" >&2
  python3 bench/advisor/advisor.py "$bin" - - model "$demo_bundle" data/demo/catalog.json
fi
