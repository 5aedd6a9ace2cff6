# swarmfile: every target installs what it needs from a fresh checkout.
SHELL := /bin/bash
NODE_MODULES := node_modules/.package-lock.json
SOURCES := $(shell find src -name '*.ts') tsconfig.json scripts/build-cli.mjs

.PHONY: install build test lint demo benchmark clean

install: $(NODE_MODULES)
$(NODE_MODULES): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

build: dist/.built
dist/.built: $(NODE_MODULES) $(SOURCES)
	npx tsc -p tsconfig.json
	node scripts/build-cli.mjs
	chmod +x dist/coordination_helper.cjs
	@touch $@

lint: $(NODE_MODULES)
	npx tsc -p tsconfig.json --noEmit

test: build
	npx vitest run

demo: build
	bash scripts/demo.sh

benchmark: build
	node bench/run.mjs

clean:
	rm -rf dist coverage
