#!/usr/bin/env bash
# N agents for S seconds with ramp-up; invariant-checked.
# Thin wrapper over bench/tools.mjs stress; --help lists the options. Needs `make build` first.
here=$(dirname -- "$(readlink -f -- "$0")")
exec node "$here/../bench/tools.mjs" stress "$@"
