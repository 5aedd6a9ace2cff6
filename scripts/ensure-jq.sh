#!/usr/bin/env bash
# Installs jq (used by the SwarmSH-like test fixture) when it is missing. Needs root for apt-get.
set -euo pipefail
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then
  echo "usage: scripts/ensure-jq.sh   installs jq with apt-get if it is missing"
  exit 0
fi
if ! command -v jq >/dev/null; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "ensure-jq: jq is missing and installing it needs root (apt-get install jq)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends jq >&2
fi
command -v jq
