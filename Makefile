# swarmfile: every target installs what it needs from a fresh checkout.
SHELL := /bin/bash
NODE_MODULES := node_modules/.package-lock.json
SOURCES := $(shell find src -name '*.ts') tsconfig.json scripts/build-cli.mjs scripts/cli-loader.cjs scripts/warm-code-cache.cjs

.PHONY: install build test test-deps lint demo demo-pg benchmark baseline report clean chaos settings-docs test-busy

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

# Type-checks src/ and test/ (tsconfig.test.json: tests are checked like the code they test), and
# bench/ + scripts/ as JavaScript against bench/types.d.ts, as strictly as src/ (tsconfig.bench.json).
lint: $(NODE_MODULES)
	npx tsc -p tsconfig.test.json
	npx tsc -p tsconfig.bench.json

# The conformance tests run on both stores: scripts/ensure-postgres.sh installs and starts a private
# PostgreSQL (idempotently) and prints the URL of its test database.
PG_TEST_URL = url=$$(bash scripts/ensure-postgres.sh --db swarmfile_test) && export SWARMFILE_TEST_PG_URL="$$url"

test: build test-deps
	$(PG_TEST_URL) && npx vitest run

# The whole suite three times in a row beside two CPU spinners and an fsync loop
# (scripts/busy_machine.sh): no test may depend on an idle machine.
test-busy: build test-deps
	$(PG_TEST_URL) && for run in 1 2 3; do echo "== busy run $$run"; bash scripts/busy_machine.sh npx vitest run || exit 1; done

# The long versions of the crash, stall and takeover tests (minutes): CHAOS=1 multiplies their sizes.
chaos: build test-deps
	$(PG_TEST_URL) && CHAOS=1 npx vitest run --testTimeout=1800000 test/integration/lockTakeover.test.ts test/integration/lockStress.test.ts test/integration/crash.test.ts test/integration/workQueueChaos.test.ts test/integration/lockStall.test.ts

# System tools the tests need (jq for the SwarmSH-like fixture, chromium for the report, strace for stalls).
test-deps:
	bash scripts/ensure-jq.sh >/dev/null
	bash scripts/ensure-chromium.sh >/dev/null
	bash scripts/ensure-command.sh strace >/dev/null

demo: build
	bash scripts/demo.sh

# The demo's agents on PostgreSQL, spread over two simulated hosts (AGENT_HOST).
demo-pg: build
	url=$$(bash scripts/ensure-postgres.sh --db swarmfile) && SWARMFILE_DEMO_STORE_URL="$$url" bash scripts/demo.sh

# COMPARE=<git ref>: interleaved A/B of that ref (built in a temporary worktree) against this checkout.
benchmark: build
	node bench/run.mjs $(if $(COMPARE),--compare $(COMPARE)) $(BENCH_ARGS)

baseline: build
	node bench/run.mjs --label baseline --out bench/results/baseline.json $(BENCH_ARGS)

# The settings tables of README.md and docs/telemetry.md, printed from src/settings.ts.
settings-docs: build
	node scripts/settings-docs.mjs

report:
	node bench/report.mjs $(REPORT_ARGS)

clean:
	rm -rf dist coverage

# Journal statistics (docs/telemetry.md); pass filters with ARGS, e.g. make telemetry-stats ARGS='--since 1h --operation claim'
.PHONY: telemetry-stats
telemetry-stats: build
	node dist/coordination_helper.cjs telemetry stats $(ARGS)
