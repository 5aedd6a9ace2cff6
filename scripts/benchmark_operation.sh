#!/usr/bin/env bash
# Times one CLI operation N times (p50/p95/p99).
# Thin wrapper over bench/tools.mjs operation; --help lists the options. Needs `make build` first.
here=$(dirname -- "$(readlink -f -- "$0")")
exec node "$here/../bench/tools.mjs" operation "$@"
