#!/usr/bin/env bash
# Compares two benchmark results (or two telemetry windows) for significant regressions.
# Thin wrapper over bench/detect-regressions.mjs; --help lists the options. Exit 1 on a regression.
here=$(dirname -- "$(readlink -f -- "$0")")
exec node "$here/../bench/detect-regressions.mjs" "$@"
