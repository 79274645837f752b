# Wayfinder: the commands a new user and CI run. `make test` installs what it needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help
CARGO ?= cargo
JOBS ?= 2
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
SHARED_DATA ?= $(abspath ../shared/data)
export WAYFINDER_DATA ?= $(SHARED_DATA)

.PHONY: help demo site test check-disk fmt-check lint test-native test-wasm test-browser test-e2e test-engines test-advisor test-spark cli cli-bin wasm model bench bench-native bench-pipeline bench-mf bench-eval bench-browser bench-spark bench-scale setup-rust fuzz bundle test-bundle site-bundle test-wasm-browser

help:
	@echo "make demo   build everything, fetch the model, serve the site on 127.0.0.1"
	@echo "make test   install what is missing, then run every test (native and wasm32)"
	@echo "make site   the deployable planner in dist/ (CATALOG=... INTERACTIONS=... TAXONOMY=... for your own)"
	@echo "make cli    build the native CLI as $(TARGET_DIR)/release/wayfinder"
	@echo "make model  fetch the MiniLM model and tokenizer into model/ and check their hashes"
	@echo "make bench  full-size benchmarks on ../shared/data (slow)"
	@echo "make test-e2e  the site's browser tests in headless Chromium (part of make test)"

setup-rust:
	@rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

model:
	@bash scripts/fetch-model.sh

# The release CLI (the pipeline, `make demo`'s bundle) is compiled for the CPU of the machine
# that builds it, since it runs there: tract's own matrix kernels pick the CPU's instructions
# at run time either way, but everything around them (softmax, layer norms, packing, the
# tokenizer) is only vectorised with the machine's instructions when the compiler may use
# them. `make cli CLI_RUSTFLAGS=` builds a portable binary instead.
CLI_RUSTFLAGS ?= -C target-cpu=native
cli: CLI_PROFILE = release
cli: cli-bin
	@echo "built $(BIN)"

# Tests run the CLI that test-native already linked, in cargo's `test` profile (optimised,
# in target/debug/): a fresh machine compiles tract natively once (and once for wasm32 tests,
# in test-wasm), and the demo bundle and the advisor's slice build in seconds (the `dev`
# profile's unoptimised core took 97 s and 245 s for them).
test: setup-rust model check-disk fmt-check test-native lint
	$(MAKE) test-wasm test-browser test-e2e test-engines test-advisor test-spark CLI_PROFILE=test

# A full disk shows up much later as a linker's "Bus error"; say so at the start instead.
# A fresh `make test` left 3.2 GB of build output here; DISK_NEEDED_GB leaves room beyond it
# (the linkers' temporary files, the npm and model caches, a second build directory).
DISK_NEEDED_GB ?= 12
check-disk:
	@mkdir -p "$(TARGET_DIR)"; free=$$(df -Pk "$(TARGET_DIR)" | awk 'NR==2 {print int($$4 / 1048576)}'); \
	if [ "$$free" -lt "$(DISK_NEEDED_GB)" ]; then \
	  echo "warning: $$free GB free under $(TARGET_DIR), less than the $(DISK_NEEDED_GB) GB make test wants; a full disk fails the build" >&2; \
	fi

# Formatting (rustfmt.toml at the root) is checked before anything compiles; the lints after
# the native tests, whose dependencies they reuse (clippy checks only the workspace's crates).
fmt-check:
	$(CARGO) fmt --all -- --check

lint:
	$(CARGO) clippy -j$(JOBS) --workspace --all-targets -- -D warnings

test-native:
	$(CARGO) test -j$(JOBS) --workspace

# The core must build for the browser with training left out; then every wasm32 test (the
# embedder in Node, the browser module's API in Chromium; scripts/test-wasm.sh does both).
test-wasm: setup-rust model test-bundle
	$(chromium)
	@CARGO="$(CARGO)" JOBS=$(JOBS) bash scripts/test-wasm.sh

# Full-size benchmarks (not part of `make test`): criterion natively, then the UIUC pipeline
# against onnxruntime (PyPI), then the browser (bench-browser). Results in target/bench/.
bench: bench-native bench-pipeline bench-mf bench-spark bench-eval bench-scale bench-browser

bench-native: model
	$(CARGO) bench -j$(JOBS) -p wayfinder
	$(CARGO) bench -j$(JOBS) -p wayfinder --features embed --bench embed

# The baselines' Python packages live in a venv of their own, never in the system Python.
BENCH_PY := target/bench/pyenv/bin/python
$(BENCH_PY):
	python3 -m venv target/bench/pyenv
	$(BENCH_PY) -m pip install --quiet onnxruntime tokenizers numpy scipy implicit

# Matrix factorization: MovieLens RMSE, and MOOCCubeX ALS beside the `implicit` library's.
bench-mf: cli $(BENCH_PY)
	PYTHON=$(BENCH_PY) WAYFINDER_BIN=$(TARGET_DIR)/release/wayfinder bash scripts/bench-mf.sh

bench-pipeline: model cli $(BENCH_PY)
	PYTHON=$(BENCH_PY) WAYFINDER_BIN=$(TARGET_DIR)/release/wayfinder bash scripts/bench-pipeline.sh

# The advisor's test set: 20 learners on a bounded slice of UIUC (skipped with a message
# when ../shared/data is absent) and 5 on the demo bundle (scripts/test-advisor.sh).
test-advisor: model test-bundle
	WAYFINDER_BIN=$(BIN) ADVISOR_OUT=$(TARGET_DIR)/advisor DEMO_BUNDLE=$(TEST_BUNDLE) bash scripts/test-advisor.sh

# The whole ranking against its parts and baselines on MovieLens and MOOCCubeX, and the
# advisor's test set on UIUC (scripts/bench-eval.sh).
bench-eval: model cli
	WAYFINDER_BIN=$(TARGET_DIR)/release/wayfinder bash scripts/bench-eval.sh

# Item factors trained by Apache Spark (pipeline/spark/): MLlib ALS in local mode on slices of
# MOOCCubeX and MovieLens (Java 17 from Debian and pyspark from PyPI, installed when missing),
# then Spark's own user factors against fold-in (tests/item_factors.rs) and a demo bundle
# built from Spark's factors answering through the CLI (scripts/test-spark.sh).
SPARK_OUT = $(TARGET_DIR)/spark/slice
test-spark: model test-bundle
	WAYFINDER_SPARK_OUT=$(SPARK_OUT) WAYFINDER_BIN=$(BIN) bash scripts/test-spark.sh
	WAYFINDER_SPARK_OUT=$(abspath $(SPARK_OUT)) $(CARGO) test -j$(JOBS) --workspace --test item_factors

# All of MOOCCubeX trained by Spark and by the native ALS: HR@10, NDCG@10 and fit time side
# by side (scripts/bench-spark.sh).
bench-spark: cli
	WAYFINDER_BIN=$(TARGET_DIR)/release/wayfinder bash scripts/bench-spark.sh

# A synthetic catalog of 100,000 courses with enrolments built into a bundle of at most
# 40 MB (scripts/bench-scale.sh); bench-browser then loads it and times recommend().
bench-scale: model cli
	WAYFINDER_BIN=$(TARGET_DIR)/release/wayfinder bash scripts/bench-scale.sh

wasm: setup-rust
	bash scripts/build-wasm.sh

# Debian's Chromium and its chromedriver, installed when missing; playwright-core and
# wasm-bindgen-test use them and never download a browser of their own.
define chromium
@[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver)
endef

# Serves the deployable planner (make site: the demo catalog unless CATALOG is given) on
# 127.0.0.1 only, until interrupted; BASE=/planner/ serves it under a sub-path.
demo: site
	python3 scripts/serve.py --port $${PORT:-8080} --dir $(SITE_DIR) $(if $(BASE),--base $(BASE))

# The deployable planner in $(SITE_DIR): real files (no links) for any static host, at the
# root or a sub-path (docs/deploy.md). CATALOG, INTERACTIONS and TAXONOMY choose the data;
# without CATALOG, the demo's three files. BASE is the URL path for the _headers file.
SITE_DIR ?= dist
ifeq ($(origin CATALOG)$(origin INTERACTIONS)$(origin TAXONOMY),undefinedundefinedundefined)
# The demo: the site shares the demo bundle the tests build (test-bundle).
CATALOG := data/demo/catalog.json
INTERACTIONS := data/demo/enrollments.csv
TAXONOMY := data/demo/taxonomy.json
SITE_BUNDLE_RULE = test-bundle
SITE_BUNDLE = $(TEST_BUNDLE)
else
SITE_BUNDLE_RULE = site-bundle
SITE_BUNDLE = $(TARGET_DIR)/site-bundle
endif
BUILD_INPUTS = --catalog $(CATALOG) $(if $(INTERACTIONS),--interactions $(INTERACTIONS)) $(if $(TAXONOMY),--taxonomy $(TAXONOMY)) --model model
site: model wasm $(SITE_BUNDLE_RULE)
	python3 scripts/build-site.py --out $(SITE_DIR) --bundle $(SITE_BUNDLE) $(if $(BASE),--base $(BASE))

site-bundle: model cli-bin
	$(BIN) build $(BUILD_INPUTS) --out $(SITE_BUNDLE) --quiet

# Browser tests (tests/e2e/) in Debian's Chromium, installed when missing, on the site as
# make site builds it; playwright-core never downloads a browser of its own.
test-e2e: site
	$(chromium)
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
	WAYFINDER_SITE=$(SITE_DIR) node --test --test-concurrency=1 tests/e2e/

# The planner's main flows in the two other engines (tests/engines/), over WebDriver: Firefox
# ESR through geckodriver (built from crates.io) and WebKitGTK through WebKitWebDriver, which
# needs a display (xvfb-run). Debian's packages are installed when missing; no tool downloads
# a browser or driver of its own.
test-engines: site
	@command -v firefox-esr >/dev/null && [ -x /usr/bin/WebKitWebDriver ] && command -v xvfb-run >/dev/null || \
	  (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y firefox-esr webkit2gtk-driver xvfb)
	@command -v geckodriver >/dev/null || $(CARGO) install --locked -j$(JOBS) geckodriver
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
	GECKODRIVER=$$(command -v geckodriver) WAYFINDER_SITE=$(SITE_DIR) xvfb-run -a node --test --test-concurrency=1 tests/engines/

# The demo bundle: the shipped demo catalog and its simulated enrolments, built by the CLI.
# CLI_PROFILE: release (make cli, make demo), test (make test) or dev; cargo writes the test
# and dev profiles' binaries to target/debug/. The test profile's binary is the one
# `cargo test --workspace` links for the CLI's own tests: built by that same command (a no-op
# after test-native), since building the CLI alone would resolve the dependencies' features
# differently and compile them again.
CLI_PROFILE ?= release
BIN = $(TARGET_DIR)/$(if $(filter release,$(CLI_PROFILE)),release,debug)/wayfinder
cli-bin:
ifeq ($(CLI_PROFILE),test)
	$(CARGO) test -j$(JOBS) --workspace --no-run
else
	$(if $(filter release,$(CLI_PROFILE)),RUSTFLAGS="$(CLI_RUSTFLAGS)") $(CARGO) build -j$(JOBS) --profile $(CLI_PROFILE) -p wayfinder-cli
endif

BUNDLE_DIR ?= www/bundle
bundle: model cli-bin
	$(BIN) build $(BUILD_INPUTS) --out $(BUNDLE_DIR)

# The browser module against the native CLI: parity for fixed learners, API errors, in
# Debian's Chromium (tests/browser/).
test-browser: model wasm test-bundle
	$(chromium)
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
	npx tsc -p tests/browser/tsconfig.json
	WAYFINDER_BIN=$(BIN) node --test --test-concurrency=1 tests/browser/

# The demo bundle: the browser tests compare it against the native CLI, the wasm tests compile
# it in, the advisor's demo learners and the demo site use it. Built again only when the CLI
# or an input is newer (the recursive make reads the CLI's time after cli-bin ran), so
# make test builds it once, not four times.
TEST_BUNDLE = tests/browser/.bundle
DEMO_INPUTS = data/demo/catalog.json data/demo/enrollments.csv data/demo/taxonomy.json model/model.onnx model/tokenizer.json
test-bundle: model cli-bin
	@$(MAKE) --no-print-directory $(TEST_BUNDLE)/manifest.json

$(TEST_BUNDLE)/manifest.json: $(BIN) $(DEMO_INPUTS)
	$(BIN) build --catalog data/demo/catalog.json --interactions data/demo/enrollments.csv \
	    --taxonomy data/demo/taxonomy.json --model model --out $(TEST_BUNDLE) --plain-catalog --quiet

# The browser module's API (crates/wasm/tests/web.rs) alone, under wasm-bindgen-test in
# headless Chromium, driven by Debian's chromedriver; the test bundle is compiled into the
# tests. `make test` runs these within test-wasm.
test-wasm-browser: setup-rust test-bundle
	$(chromium)
	@CARGO="$(CARGO)" JOBS=$(JOBS) WASM_TEST_PACKAGES="-p wayfinder-wasm" bash scripts/test-wasm.sh

# Fuzzes each target for FUZZ_SECONDS under libFuzzer (not part of `make test`, which runs a
# bounded slice of each: tests/fuzz.rs, tests/browser/profile-fuzz.test.mjs). The targets'
# bodies and seeds are fuzz/src/lib.rs; the seeds are written into fuzz/corpus/<target>/
# first. cargo-fuzz needs nightly-only flags; RUSTC_BOOTSTRAP lets the stable toolchain accept
# them. Its builds (sanitizer flags) get a target directory of their own.
FUZZ_SECONDS ?= 300
FUZZ_TARGETS ?= bundle_loader taxonomy catalog_importers query onnx_rewrite
fuzz: model
	@command -v cargo-fuzz >/dev/null || cargo install --locked -j$(JOBS) cargo-fuzz
	WAYFINDER_FUZZ_CORPUS=$(abspath fuzz/corpus) $(CARGO) test -j$(JOBS) --workspace --test fuzz write_seed_corpora
	cd fuzz && for t in $(FUZZ_TARGETS); do \
	  CARGO_BUILD_JOBS=$(JOBS) CARGO_TARGET_DIR=$(abspath $(TARGET_DIR))/fuzz RUSTC_BOOTSTRAP=1 cargo fuzz run --features embed $$t corpus/$$t -- -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 || exit 1; \
	done
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
	WAYFINDER_FUZZ_SECONDS=$(FUZZ_SECONDS) node --test tests/browser/profile-fuzz.test.mjs

# Browser benchmarks in Debian's Chromium (bench/browser/bench.mjs): cold and warm start,
# query embedding with tract and with onnxruntime-web, recommend() on the demo bundle and on
# the UIUC bundle that bench-pipeline builds (skipped when absent). Writes
# target/bench/browser.json.
bench-browser: model wasm bundle $(BENCH_PY)
	$(chromium)
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
	PYTHON=$(BENCH_PY) UIUC_BUNDLE=target/bench/uiuc-bundle SCALE_BUNDLE=target/bench/scale-bundle node bench/browser/bench.mjs
