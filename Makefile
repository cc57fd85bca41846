# Every target bootstraps what it needs: Node 24 LTS (scripts/node.sh), npm dependencies,
# and the servers integration tests run against. Caches live in ~/.cache/sluice.
SHELL := /bin/bash
.DEFAULT_GOAL := help

NODE_DIR := $(shell scripts/node.sh)
export PATH := $(NODE_DIR)/bin:$(PATH)
export npm_config_update_notifier := false
export SLUICE_CACHE ?= $(HOME)/.cache/sluice

SLUICE := node runtime/src/cli/main.ts

.PHONY: help run test unit check lint typecheck crds crds-check bench deps system-deps clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | sort | column -t -s $$'\t'

deps: node_modules/.sluice-deps ## install npm dependencies (npm ci, skipped when the lockfile is unchanged)

node_modules/.sluice-deps: package-lock.json
	npm_config_nodedir=$(NODE_DIR) npm ci --no-audit --no-fund  # isolated-vm builds against Node 24's headers
	@touch $@

system-deps: ## install the Debian packages integration tests need (idempotent)
	@scripts/system-deps.sh

run: deps ## run the quick-start pipeline (examples/quickstart) with a local webhook receiver
	node examples/quickstart/local/run.ts

test: deps system-deps check unit ## the whole suite: lint, types, generated files, unit and integration tests

unit: deps ## vitest: unit and integration tests
	npx vitest run

check: lint typecheck crds-check ## static checks

lint: deps
	npx eslint --max-warnings 0 .

typecheck: deps
	npx tsc -p tsconfig.json

crds: deps ## regenerate crds/ from the TypeScript API definition
	node operator/src/api/generate.ts --write

crds-check: deps ## fail when crds/ drift from the API definition
	node operator/src/api/generate.ts --check

bench: deps ## benchmarks: ingest and delivery end to end, then the components; tables and JSON lines, never fails on speed
	node test/bench/ingest.bench.ts
	node runtime/src/plan/plan.bench.ts
	node runtime/src/bus/bus.bench.ts
	node runtime/src/delivery/delivery.bench.ts
	node test/bench/mapping.bench.ts

clean:
	rm -rf node_modules .sluice

-include mk/*.mk
