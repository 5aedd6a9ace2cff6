#!/usr/bin/env bash
# Doubles agents until throughput stops improving.
# Thin wrapper over bench/tools.mjs max; --help lists the options. Needs `make build` first.
here=$(dirname -- "$(readlink -f -- "$0")")
exec node "$here/../bench/tools.mjs" max "$@"
