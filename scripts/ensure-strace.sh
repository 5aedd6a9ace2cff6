#!/usr/bin/env bash
# Installs strace (its fault injection stalls a lock holder inside rename(2) in the tests) when it is missing. Needs root for apt-get.
set -euo pipefail
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then
  echo "usage: scripts/ensure-strace.sh   installs strace with apt-get if it is missing"
  exit 0
fi
if ! command -v strace >/dev/null; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "ensure-strace: strace is missing and installing it needs root (apt-get install strace)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends strace >&2
fi
command -v strace
