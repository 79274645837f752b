# Wayfinder: the commands a new user and CI run. `make test` installs what it needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help
CARGO ?= cargo
JOBS ?= 2
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
SHARED_DATA ?= $(abspath ../shared/data)
export WAYFINDER_DATA ?= $(SHARED_DATA)

.PHONY: help demo test test-native test-wasm cli wasm model bench setup-rust fuzz bundle

help:
	@echo "make demo   build everything, fetch the model, serve the site on 127.0.0.1"
	@echo "make test   install what is missing, then run every test (native and wasm32)"
	@echo "make cli    build the native CLI as $(TARGET_DIR)/release/wayfinder"
	@echo "make model  fetch the MiniLM model and tokenizer into model/ and check their hashes"
	@echo "make bench  full-size benchmarks on ../shared/data (slow)"

setup-rust:
	@rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

model:
	@bash scripts/fetch-model.sh

cli:
	$(CARGO) build -j$(JOBS) --release -p wayfinder-cli
	@echo "built $(TARGET_DIR)/release/wayfinder"

test: setup-rust model test-native test-wasm

test-native:
	$(CARGO) test -j$(JOBS) --workspace

# The core must build for the browser with training left out.
test-wasm: setup-rust
	$(CARGO) build -j$(JOBS) -p wayfinder --lib --target wasm32-unknown-unknown --no-default-features

bench: model
	$(CARGO) bench -j$(JOBS) -p wayfinder

wasm:
	@echo "make wasm: the browser module is not built yet (issue 5)"; exit 1

demo:
	@echo "make demo: the site is not ready yet (issues 4-6); run 'make test' or 'make cli' meanwhile"; exit 1

# The demo bundle: the shipped demo catalog and its simulated enrolments, built by the CLI.
BUNDLE_DIR ?= www/bundle
bundle: model cli
	$(TARGET_DIR)/release/wayfinder build --catalog data/demo/catalog.json \
	    --interactions data/demo/enrollments.csv --taxonomy data/demo/taxonomy.json \
	    --model model --out $(BUNDLE_DIR) --storage f16
