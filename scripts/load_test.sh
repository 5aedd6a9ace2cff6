#!/usr/bin/env bash
# Stepped open-loop load from --start-ops to --max-ops.
# Thin wrapper over bench/tools.mjs load; --help lists the options. Needs `make build` first.
here=$(dirname -- "$(readlink -f -- "$0")")
exec node "$here/../bench/tools.mjs" load "$@"
